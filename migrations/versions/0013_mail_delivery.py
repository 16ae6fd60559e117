"""Mail delivery through the job queue: outbox rows keep their account, attachments, attempts
and last change; users' opt-outs per kind; once-only marks for scheduled work

Revision ID: 0013_mail_delivery
Revises: 0012_email_confirmation
Create Date: 2026-12-06 19:00:00
"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0013_mail_delivery'
down_revision = '0012_email_confirmation'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('outbox_messages', schema=None) as batch_op:
        batch_op.add_column(sa.Column('user_id', sa.Integer(), nullable=True))
        batch_op.add_column(
            sa.Column('attachments', sa.JSON(), nullable=False, server_default='[]')
        )
        batch_op.add_column(
            sa.Column('attempts', sa.Integer(), nullable=False, server_default='0')
        )
        batch_op.add_column(
            sa.Column(
                'updated_at',
                sa.DateTime(timezone=True),
                nullable=False,
                server_default=sa.text('(CURRENT_TIMESTAMP)'),
            )
        )
        batch_op.create_index(batch_op.f('ix_outbox_messages_user_id'), ['user_id'], unique=False)
        batch_op.create_foreign_key(
            batch_op.f('fk_outbox_messages_user_id_users'),
            'users',
            ['user_id'],
            ['id'],
            ondelete='SET NULL',
        )
    op.create_table('mail_opt_outs',
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=40), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_mail_opt_outs_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('user_id', 'kind', name=op.f('pk_mail_opt_outs'))
    )
    op.create_table('once_marks',
    sa.Column('kind', sa.String(length=64), nullable=False),
    sa.Column('key', sa.String(length=200), nullable=False),
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('(CURRENT_TIMESTAMP)'), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_once_marks')),
    sa.UniqueConstraint('kind', 'key', name='uq_once_marks_kind_key')
    )


def downgrade():
    op.drop_table('once_marks')
    op.drop_table('mail_opt_outs')
    with op.batch_alter_table('outbox_messages', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_outbox_messages_user_id_users'), type_='foreignkey')
        batch_op.drop_index(batch_op.f('ix_outbox_messages_user_id'))
        batch_op.drop_column('updated_at')
        batch_op.drop_column('attempts')
        batch_op.drop_column('attachments')
        batch_op.drop_column('user_id')
