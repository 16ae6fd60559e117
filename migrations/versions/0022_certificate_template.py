"""The certificate template a qualification's certificates are drawn with

Revision ID: 0022_certificate_template
Revises: 0021_declaration_language
Create Date: 2026-12-06 23:00:00

``qualifications.certificate_template``: "classic" (one language) or "bilingual" (Kazakh and
Russian side by side); see certificates/facts.py. Existing qualifications get "classic";
certificates already issued keep the layout they were issued with (their facts have no
design and are drawn as before).
"""

import sqlalchemy as sa
from alembic import op

revision = "0022_certificate_template"
down_revision = "0021_declaration_language"
branch_labels = None
depends_on = None


def upgrade():
    # In place, no batch copy: on SQLite a batch copy drops ``qualifications``, which
    # certificates and dictionaries refer to (see 0009).
    op.add_column(
        "qualifications",
        sa.Column(
            "certificate_template", sa.String(length=16), nullable=False, server_default="classic"
        ),
    )


def downgrade():
    op.drop_column("qualifications", "certificate_template")
