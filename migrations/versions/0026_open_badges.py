"""Open Badges 3.0 credentials and status lists

Revision ID: 0026_open_badges
Revises: 0025_course_editions
Create Date: 2026-12-07 00:40:00

Each certificate's signed ``OpenBadgeCredential`` (``ob3_credentials``, keyed by the
certificate), the W3C Bitstring Status Lists (``ob3_status_lists``) and every index given out
in them (``ob3_status_indexes``, never deleted). Certificates issued before get their
credential from ``flask issue-credentials``. Plain CREATE TABLE.
"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "0026_open_badges"
down_revision = "0025_course_editions"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "ob3_status_lists",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("purpose", sa.String(length=16), nullable=False),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("bits_zlib", sa.LargeBinary(), nullable=False),
        sa.Column("signed_zlib", sa.LargeBinary(), nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "purpose IN ('revocation', 'suspension')",
            name=op.f("ck_ob3_status_lists_purpose_known"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_ob3_status_lists")),
        sa.UniqueConstraint("purpose", "number", name=op.f("uq_ob3_status_lists_purpose_number")),
    )
    op.create_table(
        "ob3_status_indexes",
        sa.Column("list_id", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), autoincrement=False, nullable=False),
        sa.ForeignKeyConstraint(
            ["list_id"],
            ["ob3_status_lists.id"],
            name=op.f("fk_ob3_status_indexes_list_id_ob3_status_lists"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("list_id", "position", name=op.f("pk_ob3_status_indexes")),
    )
    op.create_table(
        "ob3_credentials",
        sa.Column("certificate_id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("credential_zlib", sa.LargeBinary(), nullable=False),
        sa.Column("revocation_list_id", sa.Integer(), nullable=False),
        sa.Column("revocation_index", sa.Integer(), nullable=False),
        sa.Column("suspension_list_id", sa.Integer(), nullable=False),
        sa.Column("suspension_index", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["certificate_id"],
            ["certificates.id"],
            name=op.f("fk_ob3_credentials_certificate_id_certificates"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["revocation_list_id"],
            ["ob3_status_lists.id"],
            name=op.f("fk_ob3_credentials_revocation_list_id_ob3_status_lists"),
        ),
        sa.ForeignKeyConstraint(
            ["suspension_list_id"],
            ["ob3_status_lists.id"],
            name=op.f("fk_ob3_credentials_suspension_list_id_ob3_status_lists"),
        ),
        sa.PrimaryKeyConstraint("certificate_id", name=op.f("pk_ob3_credentials")),
    )


def downgrade():
    op.drop_table("ob3_credentials")
    op.drop_table("ob3_status_indexes")
    op.drop_table("ob3_status_lists")
