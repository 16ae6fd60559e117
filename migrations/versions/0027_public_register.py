"""The public register of mediators: consents and entries

Revision ID: 0027_public_register
Revises: 0026_open_badges
Create Date: 2026-12-07 01:00:00

``register_consents`` keeps each consent to be listed (text, language, version, given and
withdrawn); ``register_entries`` what a holder publishes about one qualification they hold
(certificates/register_models.py). Deleting a user or a qualification deletes both.
"""

import sqlalchemy as sa
from alembic import op

revision = "0027_public_register"
down_revision = "0026_open_badges"
branch_labels = None
depends_on = None


def _created_at():
    return sa.Column(
        "created_at",
        sa.DateTime(timezone=True),
        server_default=sa.text("(CURRENT_TIMESTAMP)"),
        nullable=False,
    )


def upgrade():
    op.create_table(
        "register_consents",
        sa.Column("id", sa.Integer(), nullable=False),
        _created_at(),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("qualification_id", sa.Integer(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("language", sa.String(length=8), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("given_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("withdrawn_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], ondelete="CASCADE",
                                name=op.f("fk_register_consents_user_id_users")),
        sa.ForeignKeyConstraint(["qualification_id"], ["qualifications.id"], ondelete="CASCADE",
                                name=op.f("fk_register_consents_qualification_id_qualifications")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_register_consents")),
    )
    op.create_index(op.f("ix_register_consents_user_id"), "register_consents", ["user_id"])
    op.create_table(
        "register_entries",
        sa.Column("id", sa.Integer(), nullable=False),
        _created_at(),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("qualification_id", sa.Integer(), nullable=False),
        sa.Column("consent_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("region", sa.String(length=32), nullable=False),
        sa.Column("languages", sa.String(length=16), nullable=False),
        sa.Column("email", sa.String(length=254), nullable=False),
        sa.Column("phone", sa.String(length=32), nullable=False),
        sa.Column("website", sa.String(length=300), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], ondelete="CASCADE",
                                name=op.f("fk_register_entries_user_id_users")),
        sa.ForeignKeyConstraint(["qualification_id"], ["qualifications.id"], ondelete="CASCADE",
                                name=op.f("fk_register_entries_qualification_id_qualifications")),
        sa.ForeignKeyConstraint(["consent_id"], ["register_consents.id"],
                                name=op.f("fk_register_entries_consent_id_register_consents")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_register_entries")),
        sa.UniqueConstraint("user_id", "qualification_id",
                            name=op.f("uq_register_entries_user_id_qualification_id")),
    )
    op.create_index(
        op.f("ix_register_entries_qualification_id"), "register_entries", ["qualification_id"]
    )
    op.create_index(op.f("ix_register_entries_region"), "register_entries", ["region"])


def downgrade():
    op.drop_table("register_entries")
    op.drop_table("register_consents")
