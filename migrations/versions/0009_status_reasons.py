"""Public reasons for suspension and revocation: a code and a public note; the trainer's
free-text reason becomes an internal note

Revision ID: 0009_status_reasons
Revises: 0008_course_completions
Create Date: 2026-12-06 11:00:00

Existing free-text reasons were typed as notes, not as public statements: they move to the
internal note (``status_note``; events keep theirs in ``reason``, which staff alone see), and
suspended or revoked certificates get the reason code "unspecified" ("no reason published").

Plain ALTER TABLE statements, no batch mode: on SQLite a batch operation copies and drops the
``certificates`` table, and with foreign keys on, dropping it deletes every certificate event
(ON DELETE CASCADE). SQLite 3.25 renames columns and 3.35 drops them in place.
"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0009_status_reasons'
down_revision = '0008_course_completions'
branch_labels = None
depends_on = None


def upgrade():
    op.execute("ALTER TABLE certificates RENAME COLUMN status_reason TO status_note")
    op.add_column('certificates', sa.Column('status_reason_code', sa.String(length=32),
                                            nullable=False, server_default=''))
    op.add_column('certificates', sa.Column('status_public_note', sa.String(length=300),
                                            nullable=False, server_default=''))
    op.add_column('certificate_events', sa.Column('reason_code', sa.String(length=32),
                                                  nullable=False, server_default=''))
    op.add_column('certificate_events', sa.Column('public_note', sa.String(length=300),
                                                  nullable=False, server_default=''))
    op.execute(
        "UPDATE certificates SET status_reason_code = 'unspecified' "
        "WHERE status IN ('suspended', 'revoked')"
    )
    op.execute(
        "UPDATE certificate_events SET reason_code = 'unspecified' "
        "WHERE action IN ('suspend', 'revoke')"
    )


def downgrade():
    # The public note has no place in the old schema; the internal note becomes the reason.
    for table, column in (
        ('certificate_events', 'public_note'),
        ('certificate_events', 'reason_code'),
        ('certificates', 'status_public_note'),
        ('certificates', 'status_reason_code'),
    ):
        op.execute(f"ALTER TABLE {table} DROP COLUMN {column}")
    op.execute("ALTER TABLE certificates RENAME COLUMN status_note TO status_reason")
