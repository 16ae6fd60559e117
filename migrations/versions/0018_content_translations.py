"""Translations of content linked to one original (issue 19)

Revision ID: 0018_content_translations
Revises: 0017_audit_log
Create Date: 2026-12-06 22:00:00

``content_translations`` (lms/content_translations.py): one row per field of one object in one
language other than the object's original. ``kind`` names the owning package's registered kind
(course, module, question, ...); no foreign key, since one table serves every kind: a mapper
event deletes an object's translations with it.
"""

import sqlalchemy as sa
from alembic import op

revision = "0018_content_translations"
down_revision = "0017_audit_log"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "content_translations",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=40), nullable=False),
        sa.Column("object_id", sa.Integer(), nullable=False),
        sa.Column("field", sa.String(length=40), nullable=False),
        sa.Column("locale", sa.String(length=8), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("html", sa.Text(), nullable=False),
        sa.Column("toc_json", sa.Text(), nullable=False),
        sa.Column("source_digest", sa.String(length=64), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_by_id", sa.Integer(), nullable=True),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("(CURRENT_TIMESTAMP)"),
            nullable=False,
        ),
        sa.ForeignKeyConstraint(
            ["updated_by_id"],
            ["users.id"],
            name=op.f("fk_content_translations_updated_by_id_users"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_content_translations")),
        sa.UniqueConstraint("kind", "object_id", "field", "locale", name="uq_content_translation"),
    )
    op.create_index(
        "ix_content_translations_object",
        "content_translations",
        ["kind", "object_id", "locale"],
        unique=False,
    )


def downgrade():
    op.drop_index("ix_content_translations_object", table_name="content_translations")
    op.drop_table("content_translations")
