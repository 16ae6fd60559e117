"""E-mail confirmation: when an address was confirmed, and a new address waiting for it

Revision ID: 0012_email_confirmation
Revises: 0011_jobs
Create Date: 2026-12-06 18:30:00

Every account that exists before this revision was made by an administrator, the command
line or the demo (self-sign-up sent no confirmation yet), so it counts as confirmed since it
was created.
"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0012_email_confirmation'
down_revision = '0011_jobs'
branch_labels = None
depends_on = None


def upgrade():
    # Plain ALTER TABLE (no batch copy of the table, which SQLite could not drop while other
    # tables refer to its rows).
    op.add_column('users', sa.Column('email_confirmed_at', sa.DateTime(timezone=True), nullable=True))
    op.add_column('users', sa.Column('pending_email', sa.String(length=254), nullable=True))
    users = sa.table(
        'users',
        sa.column('created_at', sa.DateTime(timezone=True)),
        sa.column('email_confirmed_at', sa.DateTime(timezone=True)),
    )
    op.execute(users.update().values(email_confirmed_at=users.c.created_at))


def downgrade():
    for column in ('pending_email', 'email_confirmed_at'):
        op.execute(f"ALTER TABLE users DROP COLUMN {column}")
