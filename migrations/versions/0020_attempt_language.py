"""The language an attempt is taken in (issue 19)

Revision ID: 0020_attempt_language
Revises: 0019_facts_dictionaries
Create Date: 2026-12-06 23:00:00

``attempts.language``: the trainee's language when the attempt started; its questions are
shown in it where translated (quizzes/translations.py). NULL for attempts started before:
they were shown in the original.
"""

import sqlalchemy as sa
from alembic import op

revision = "0020_attempt_language"
down_revision = "0019_facts_dictionaries"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("attempts") as batch:
        batch.add_column(sa.Column("language", sa.String(length=8), nullable=True))


def downgrade():
    with op.batch_alter_table("attempts") as batch:
        batch.drop_column("language")
