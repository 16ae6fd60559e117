"""A trainee's flag on a question of an attempt

Revision ID: 0024_attempt_question_flag
Revises: 0023_calendar_feed_tokens
Create Date: 2026-12-06 22:45:00

The attempt pages (one question per page, issue 20) let a trainee flag a question to come
back to it; the navigator and the summary before hand-in list the flagged ones. Plain
ALTER TABLE (no batch copy of the table).
"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "0024_attempt_question_flag"
down_revision = "0023_calendar_feed_tokens"
branch_labels = None
depends_on = None


def upgrade():
    op.add_column(
        "attempt_questions",
        sa.Column("flagged", sa.Boolean(), nullable=False, server_default=sa.false()),
    )


def downgrade():
    op.drop_column("attempt_questions", "flagged")
