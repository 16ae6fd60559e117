"""Certificates' facts compressed with a preset dictionary per qualification and language

Revision ID: 0019_facts_dictionaries
Revises: 0018_content_translations
Create Date: 2026-12-06 22:15:00

``facts_dictionaries`` (certificates/models.py ``FactsDictionary``): immutable rows named by
their content's SHA-256 prefix, each the facts of one certificate; ``certificates.
facts_dictionary`` names the one a certificate's ``facts_zlib`` was compressed with (NULL:
plain zlib, as every certificate issued before). Nothing is rewritten here: old rows keep
their plain compression.
"""

import sqlalchemy as sa
from alembic import op

revision = "0019_facts_dictionaries"
down_revision = "0018_content_translations"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "facts_dictionaries",
        sa.Column("digest", sa.String(length=16), nullable=False),
        sa.Column("qualification_id", sa.Integer(), nullable=True),
        sa.Column("language", sa.String(length=8), nullable=False),
        sa.Column("data", sa.LargeBinary(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["qualification_id"],
            ["qualifications.id"],
            name=op.f("fk_facts_dictionaries_qualification_id_qualifications"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("digest", name=op.f("pk_facts_dictionaries")),
    )
    op.create_index(
        op.f("ix_facts_dictionaries_qualification_id"),
        "facts_dictionaries",
        ["qualification_id"],
        unique=False,
    )
    with op.batch_alter_table("certificates") as batch_op:
        batch_op.add_column(sa.Column("facts_dictionary", sa.String(length=16), nullable=True))
        batch_op.create_foreign_key(
            batch_op.f("fk_certificates_facts_dictionary_facts_dictionaries"),
            "facts_dictionaries",
            ["facts_dictionary"],
            ["digest"],
        )


def downgrade():
    with op.batch_alter_table("certificates") as batch_op:
        batch_op.drop_constraint(
            batch_op.f("fk_certificates_facts_dictionary_facts_dictionaries"), type_="foreignkey"
        )
        batch_op.drop_column("facts_dictionary")
    op.drop_index(op.f("ix_facts_dictionaries_qualification_id"), table_name="facts_dictionaries")
    op.drop_table("facts_dictionaries")
