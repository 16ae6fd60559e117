"""Personal calendar feed tokens

Revision ID: 0023_calendar_feed_tokens
Revises: 0022_certificate_template
Create Date: 2026-12-06 23:00:00

One row per user who made a calendar feed address (lms/calendar_feed.py): the SHA-256 of the
secret only. A new address replaces the hash; deleting the user deletes the row.
"""

import sqlalchemy as sa
from alembic import op

revision = "0023_calendar_feed_tokens"
down_revision = "0022_certificate_template"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "calendar_feed_tokens",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("(CURRENT_TIMESTAMP)"),
            nullable=False,
        ),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], ondelete="CASCADE",
                                name=op.f("fk_calendar_feed_tokens_user_id_users")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_calendar_feed_tokens")),
        sa.UniqueConstraint("user_id", name=op.f("uq_calendar_feed_tokens_user_id")),
        sa.UniqueConstraint("token_hash", name=op.f("uq_calendar_feed_tokens_token_hash")),
    )


def downgrade():
    op.drop_table("calendar_feed_tokens")
