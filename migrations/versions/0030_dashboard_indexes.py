"""Indexes the dashboards need

Revision ID: 0030_dashboard_indexes
Revises: 0029_module_criteria
Create Date: 2026-12-07 04:00:00

``attempts (status, quiz_id)``: the written answers waiting for marking (the staff
dashboard's count, the marking queue, the trainers' digest) are in the few attempts with
status 'submitted'; without it each count read every attempt of every quiz (100,000 in the
bench data set). ``users (role)``: the admin dashboard counts the staff roles from the index
and the trainees as the rest, instead of reading every account.
"""

from alembic import op

revision = "0030_dashboard_indexes"
down_revision = "0029_module_criteria"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("attempts", schema=None) as batch_op:
        batch_op.create_index("ix_attempts_status_quiz_id", ["status", "quiz_id"], unique=False)
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_users_role"), ["role"], unique=False)


def downgrade():
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_users_role"))
    with op.batch_alter_table("attempts", schema=None) as batch_op:
        batch_op.drop_index("ix_attempts_status_quiz_id")
