"""The courses part of a user's data download: enrolments and progress."""

from __future__ import annotations

from flask import Flask
from sqlalchemy import select

from courses.models import Course, CourseCompletion, Enrolment, Module, ModuleCompletion
from lms.extensions import db
from lms.models import User
from lms.personal_data import register_personal_data


def courses_of(user: User) -> dict:
    enrolments = db.session.execute(
        select(Enrolment.enrolled_at, Course.id, Course.title)
        .join(Course, Enrolment.course_id == Course.id)
        .where(Enrolment.user_id == user.id)
        .order_by(Enrolment.id)
    ).all()
    modules = db.session.execute(
        select(
            ModuleCompletion.completed_at,
            ModuleCompletion.module_version,
            Module.title,
            Module.course_id,
        )
        .join(Module, ModuleCompletion.module_id == Module.id)
        .where(ModuleCompletion.user_id == user.id)
        .order_by(ModuleCompletion.id)
    ).all()
    completed = db.session.execute(
        select(CourseCompletion.course_id, CourseCompletion.completed_at).where(
            CourseCompletion.user_id == user.id
        )
    ).all()
    return {
        "enrolments": [
            {"course_id": course_id, "course": title, "enrolled_at": at}
            for at, course_id, title in enrolments
        ],
        "modules_read": [
            {"course_id": course_id, "module": title, "version": version, "read_at": at}
            for at, version, title, course_id in modules
        ],
        "courses_completed": [
            {"course_id": course_id, "completed_at": at} for course_id, at in completed
        ],
    }


def init_app(app: Flask) -> None:
    register_personal_data("courses", courses_of)
