"""The language a declaration was signed in

Revision ID: 0021_declaration_language
Revises: 0020_attempt_language
Create Date: 2026-12-06 22:00:00

A qualification's declaration may be translated (issue 19, lms/content_translations.py); a
trainee signs it in their language and ``ethics_declarations`` keeps the exact text signed
and now its language too. Every earlier signature was of the original, English, text.
Plain ALTER TABLE (no batch copy of the table).
"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "0021_declaration_language"
down_revision = "0020_attempt_language"
branch_labels = None
depends_on = None


def upgrade():
    op.add_column(
        "ethics_declarations",
        sa.Column("language", sa.String(length=8), nullable=False, server_default="en"),
    )


def downgrade():
    op.drop_column("ethics_declarations", "language")
