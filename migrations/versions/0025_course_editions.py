"""Course editions

Revision ID: 0025_course_editions
Revises: 0024_attempt_question_flag
Create Date: 2026-12-06 23:00:00

Changes to a published course are prepared as a draft and published as a new edition
(issue 20): ``courses.edition`` (0 until first published) and ``draft_order``;
``modules.state`` (live, added, removed), ``pending_version`` (an unpublished revision) and
``edition`` (the edition that first showed it); ``course_completions.edition``. Every course
ever published is at edition 1, and every completion was of edition 1. Plain ALTER TABLE.
"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "0025_course_editions"
down_revision = "0024_attempt_question_flag"
branch_labels = None
depends_on = None


def upgrade():
    op.add_column("courses", sa.Column("edition", sa.Integer(), nullable=False, server_default="0"))
    op.add_column("courses", sa.Column("draft_order", sa.Text(), nullable=True))
    op.add_column(
        "modules", sa.Column("state", sa.String(length=16), nullable=False, server_default="live")
    )
    op.add_column("modules", sa.Column("pending_version", sa.Integer(), nullable=True))
    op.add_column("modules", sa.Column("edition", sa.Integer(), nullable=False, server_default="0"))
    op.add_column(
        "course_completions",
        sa.Column("edition", sa.Integer(), nullable=False, server_default="1"),
    )
    op.execute("UPDATE courses SET edition = 1 WHERE published_at IS NOT NULL")


def downgrade():
    # The unpublished drafts go: modules only added to a draft and pending revisions.
    op.execute("DELETE FROM modules WHERE state = 'added'")
    op.execute(
        "DELETE FROM module_revisions WHERE EXISTS (SELECT 1 FROM modules WHERE "
        "modules.id = module_revisions.module_id AND module_revisions.version > modules.version)"
    )
    op.drop_column("course_completions", "edition")
    op.drop_column("modules", "edition")
    op.drop_column("modules", "pending_version")
    op.drop_column("modules", "state")
    op.drop_column("courses", "draft_order")
    op.drop_column("courses", "edition")
