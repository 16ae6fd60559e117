"""Trainer pages for a published course's next edition: what changes and whom it affects,
publish it, discard it; and taking back a module's pending removal."""

from __future__ import annotations

from flask import flash, redirect, render_template, url_for
from flask_babel import gettext as _

from courses import authoring, editions
from courses.views.blueprint import bp, owned_course, owned_module
from lms.permissions import trainer_required
from lms.service_error import ServiceError, refused


@bp.get("/courses/<slug>/edition")
@trainer_required
def next_edition(slug: str):
    course = owned_course(slug)
    return render_template(
        "courses/manage/edition.html",
        course=course,
        changes=editions.pending_changes(course),
        affected=editions.affected_people(course),
    )


@bp.post("/courses/<slug>/edition")
@trainer_required
def publish_edition(slug: str):
    course = owned_course(slug)
    try:
        number = editions.publish_edition(course)
    except ServiceError as error:
        flash(refused(error), "danger")
        return redirect(url_for("manage.next_edition", slug=course.slug))
    flash(_("Edition %(n)d is published: trainees now see it.", n=number), "success")
    return redirect(url_for("manage.edit_course", slug=course.slug))


@bp.post("/courses/<slug>/edition/discard")
@trainer_required
def discard_edition(slug: str):
    course = owned_course(slug)
    try:
        editions.discard_draft(course)
    except ServiceError as error:
        flash(refused(error), "danger")
    else:
        flash(_("The unpublished changes are discarded."), "success")
    return redirect(url_for("manage.edit_course", slug=course.slug))


@bp.post("/courses/<slug>/modules/<id:module_id>/keep")
@trainer_required
def keep_module(slug: str, module_id: int):
    course = owned_course(slug)
    authoring.keep_module(owned_module(course, module_id))
    return redirect(url_for("manage.edit_course", slug=course.slug) + "#modules")
