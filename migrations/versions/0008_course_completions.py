"""Course completions: the moment a trainee completed a course, kept when modules are added

Revision ID: 0008_course_completions
Revises: 0007_email_normalisation
Create Date: 2026-12-06 11:00:00

Existing completions are backfilled: every trainee who has read every module a course has
now completed it when they read the last of them.
"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0008_course_completions'
down_revision = '0007_email_normalisation'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('course_completions',
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('course_id', sa.Integer(), nullable=False),
    sa.Column('completed_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('modules_total', sa.Integer(), nullable=False),
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('(CURRENT_TIMESTAMP)'), nullable=False),
    sa.ForeignKeyConstraint(['course_id'], ['courses.id'], name=op.f('fk_course_completions_course_id_courses'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_course_completions_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_course_completions')),
    sa.UniqueConstraint('user_id', 'course_id', name=op.f('uq_course_completions_user_id_course_id'))
    )
    with op.batch_alter_table('course_completions', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_course_completions_course_id'), ['course_id'], unique=False)

    # Backfill: whoever has read every module of a course (with at least one) completed it
    # when they read the last one.
    op.execute(
        """
        INSERT INTO course_completions (user_id, course_id, completed_at, modules_total)
        SELECT mc.user_id, m.course_id, MAX(mc.completed_at), totals.total
        FROM module_completions mc
        JOIN modules m ON m.id = mc.module_id
        JOIN (SELECT course_id, COUNT(*) AS total FROM modules GROUP BY course_id) totals
          ON totals.course_id = m.course_id
        GROUP BY mc.user_id, m.course_id, totals.total
        HAVING COUNT(*) = totals.total
        """
    )


def downgrade():
    with op.batch_alter_table('course_completions', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_course_completions_course_id'))

    op.drop_table('course_completions')
