"""Stored files in the database (LMS_FILE_STORAGE=database): name, bytes, size, SHA-256

Revision ID: 0015_file_blobs
Revises: 0014_certificate_expiry_index
Create Date: 2026-12-06 19:00:00
"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0015_file_blobs'
down_revision = '0014_certificate_expiry_index'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('file_blobs',
    sa.Column('name', sa.String(length=255), nullable=False),
    sa.Column('data', sa.LargeBinary(), nullable=False),
    sa.Column('size', sa.Integer(), nullable=False),
    sa.Column('sha256', sa.String(length=64), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('(CURRENT_TIMESTAMP)'), nullable=False),
    sa.PrimaryKeyConstraint('name', name=op.f('pk_file_blobs'))
    )


def downgrade():
    op.drop_table('file_blobs')
