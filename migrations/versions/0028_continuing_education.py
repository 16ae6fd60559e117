"""Continuing education

Revision ID: 0028_continuing_education
Revises: 0027_public_register
Create Date: 2026-12-07 01:00:00

Renewal by continuing education (issue 21): ``qualifications.ce_hours`` and
``ce_ethics_hours`` (hours needed per period of validity, of which ethics; NULL: none);
``ce_credits`` (how a course or a seminar counts) and ``ce_activities`` (external activities
submitted with evidence and reviewed by staff). Plain ALTER TABLE and CREATE TABLE.
"""

import sqlalchemy as sa
from alembic import op

revision = "0028_continuing_education"
down_revision = "0027_public_register"
branch_labels = None
depends_on = None

HOURS = sa.Numeric(6, 1)


def _created_at():
    return sa.Column(
        "created_at",
        sa.DateTime(timezone=True),
        server_default=sa.text("(CURRENT_TIMESTAMP)"),
        nullable=False,
    )


def upgrade():
    op.add_column("qualifications", sa.Column("ce_hours", HOURS, nullable=True))
    op.add_column("qualifications", sa.Column("ce_ethics_hours", HOURS, nullable=True))
    op.create_table(
        "ce_credits",
        sa.Column("id", sa.Integer(), nullable=False),
        _created_at(),
        sa.Column("course_id", sa.Integer(), nullable=True),
        sa.Column("seminar_id", sa.Integer(), nullable=True),
        sa.Column("hours", HOURS, nullable=True),
        sa.Column("ethics", sa.Boolean(), nullable=False),
        sa.CheckConstraint(
            "(course_id IS NULL) <> (seminar_id IS NULL)", name=op.f("ck_ce_credits_one_target")
        ),
        sa.CheckConstraint(
            "hours IS NULL OR hours >= 0", name=op.f("ck_ce_credits_hours_not_negative")
        ),
        sa.ForeignKeyConstraint(["course_id"], ["courses.id"], ondelete="CASCADE",
                                name=op.f("fk_ce_credits_course_id_courses")),
        sa.ForeignKeyConstraint(["seminar_id"], ["seminars.id"], ondelete="CASCADE",
                                name=op.f("fk_ce_credits_seminar_id_seminars")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_ce_credits")),
        sa.UniqueConstraint("course_id", name=op.f("uq_ce_credits_course_id")),
        sa.UniqueConstraint("seminar_id", name=op.f("uq_ce_credits_seminar_id")),
    )  # fmt: skip
    op.create_table(
        "ce_activities",
        sa.Column("id", sa.Integer(), nullable=False),
        _created_at(),
        sa.Column("holder_id", sa.Integer(), nullable=False),
        sa.Column("qualification_id", sa.Integer(), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("provider", sa.String(length=200), nullable=False),
        sa.Column("held_on", sa.Date(), nullable=False),
        sa.Column("hours", HOURS, nullable=False),
        sa.Column("ethics", sa.Boolean(), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("evidence_name", sa.String(length=100), nullable=False),
        sa.Column("evidence_type", sa.String(length=64), nullable=False),
        sa.Column("evidence_filename", sa.String(length=120), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("reviewed_by_id", sa.Integer(), nullable=True),
        sa.Column("reviewed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("review_reason", sa.Text(), nullable=False),
        sa.CheckConstraint(
            "status IN ('pending', 'approved', 'rejected')",
            name=op.f("ck_ce_activities_status_known"),
        ),
        sa.CheckConstraint(
            "hours > 0 AND hours <= 80", name=op.f("ck_ce_activities_hours_in_range")
        ),
        sa.ForeignKeyConstraint(["holder_id"], ["users.id"], ondelete="CASCADE",
                                name=op.f("fk_ce_activities_holder_id_users")),
        sa.ForeignKeyConstraint(["qualification_id"], ["qualifications.id"], ondelete="CASCADE",
                                name=op.f("fk_ce_activities_qualification_id_qualifications")),
        sa.ForeignKeyConstraint(["reviewed_by_id"], ["users.id"], ondelete="SET NULL",
                                name=op.f("fk_ce_activities_reviewed_by_id_users")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_ce_activities")),
    )  # fmt: skip
    op.create_index(op.f("ix_ce_activities_holder_id"), "ce_activities", ["holder_id"])
    op.create_index(
        op.f("ix_ce_activities_qualification_id"), "ce_activities", ["qualification_id"]
    )
    op.create_index(op.f("ix_ce_activities_status"), "ce_activities", ["status"])


def downgrade():
    op.drop_table("ce_activities")
    op.drop_table("ce_credits")
    # In place, as 0022 does: a batch copy would drop ``qualifications`` on SQLite, which
    # certificates refer to.
    op.drop_column("qualifications", "ce_ethics_hours")
    op.drop_column("qualifications", "ce_hours")
