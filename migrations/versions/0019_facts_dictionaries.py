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

import zlib

import sqlalchemy as sa
from alembic import op

revision = "0019_facts_dictionaries"
down_revision = "0018_content_translations"
branch_labels = None
depends_on = None

FOREIGN_KEY = "fk_certificates_facts_dictionary_facts_dictionaries"


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
    # Plain ALTER TABLE, never batch mode: a batch copy of ``certificates`` on SQLite drops the
    # table, and its events would go with it (ON DELETE CASCADE). SQLite adds the column with
    # its reference inline; PostgreSQL adds the constraint after it.
    if op.get_bind().dialect.name == "sqlite":
        op.execute(
            "ALTER TABLE certificates ADD COLUMN facts_dictionary VARCHAR(16) "
            f"CONSTRAINT {FOREIGN_KEY} REFERENCES facts_dictionaries (digest)"
        )
    else:
        op.add_column("certificates", sa.Column("facts_dictionary", sa.String(length=16)))
        op.create_foreign_key(
            FOREIGN_KEY, "certificates", "facts_dictionaries", ["facts_dictionary"], ["digest"]
        )


def downgrade():
    """Every certificate compressed with a dictionary is stored again with plain zlib first, so
    nothing is lost. On SQLite the (then empty) column stays: dropping it would need a batch
    copy of ``certificates``, which would take its events with it."""
    connection = op.get_bind()
    dictionaries = {
        digest: bytes(data)
        for digest, data in connection.execute(
            sa.text("SELECT digest, data FROM facts_dictionaries")
        ).all()
    }
    rows = connection.execute(
        sa.text(
            "SELECT id, facts_dictionary, facts_zlib FROM certificates "
            "WHERE facts_dictionary IS NOT NULL"
        )
    ).all()
    for row_id, digest, data in rows:
        unpacker = zlib.decompressobj(zdict=dictionaries[digest])
        raw = unpacker.decompress(bytes(data)) + unpacker.flush()
        connection.execute(
            sa.text(
                "UPDATE certificates SET facts_zlib = :data, facts_dictionary = NULL "
                "WHERE id = :row_id"
            ),
            {"data": zlib.compress(raw, 9), "row_id": row_id},
        )
    if connection.dialect.name != "sqlite":
        op.drop_constraint(FOREIGN_KEY, "certificates", type_="foreignkey")
        op.drop_column("certificates", "facts_dictionary")
    op.drop_index(op.f("ix_facts_dictionaries_qualification_id"), table_name="facts_dictionaries")
    op.drop_table("facts_dictionaries")
