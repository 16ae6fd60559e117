"""Criteria a module teaches

Revision ID: 0029_module_criteria
Revises: 0028_continuing_education
Create Date: 2026-12-07 01:00:00

One row per module and criterion code it teaches (courses/module_criteria.py): the quiz
review links a criterion to these modules. The code, not a foreign key to ``criteria``:
course files name criteria by code and may be imported before the criteria exist. Deleting
the module deletes its rows.
"""

import sqlalchemy as sa
from alembic import op

revision = "0029_module_criteria"
down_revision = "0028_continuing_education"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "module_criteria",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("(CURRENT_TIMESTAMP)"),
            nullable=False,
        ),
        sa.Column("module_id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=20), nullable=False),
        sa.ForeignKeyConstraint(
            ["module_id"],
            ["modules.id"],
            ondelete="CASCADE",
            name=op.f("fk_module_criteria_module_id_modules"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_module_criteria")),
        sa.UniqueConstraint("module_id", "code", name=op.f("uq_module_criteria_module_id_code")),
    )
    op.create_index(op.f("ix_module_criteria_code"), "module_criteria", ["code"], unique=False)


def downgrade():
    op.drop_index(op.f("ix_module_criteria_code"), table_name="module_criteria")
    op.drop_table("module_criteria")
