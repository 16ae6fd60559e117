"""Certificates: an index on the expiry date, for the daily expiry reminders

The reminders read only the valid certificates expiring within the next 60 days; the register
was load-tested with 1,000,000 certificates, so that read must not scan the table.

Revision ID: 0014_certificate_expiry_index
Revises: 0013_mail_delivery
Create Date: 2026-12-06 19:00:00
"""
from alembic import op


# revision identifiers, used by Alembic.
revision = '0014_certificate_expiry_index'
down_revision = '0013_mail_delivery'
branch_labels = None
depends_on = None


def upgrade():
    # A plain CREATE INDEX (no batch copy): on SQLite a batch copy of ``certificates`` would
    # delete every certificate event (see 0009).
    op.create_index(
        op.f('ix_certificates_expires_on'), 'certificates', ['expires_on'], unique=False
    )


def downgrade():
    op.drop_index(op.f('ix_certificates_expires_on'), table_name='certificates')
