"""Trainer pages for a seminar's participants: the list, adding, cancelling, the roster."""

from __future__ import annotations

from flask import (
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user
from itsdangerous import BadSignature, URLSafeSerializer

from lms import accounts, file_storage
from lms.forms import show_error
from lms.permissions import trainer_required
from lms.routing import get_or_404
from lms.service_error import ServiceError, refused
from seminars import attendance, registration, roster
from seminars.forms import (
    ParticipantForm,
    RosterForm,
)
from seminars.models import Registration, Seminar
from seminars.views.blueprint import bp, managed_seminar


def _participants_page(
    seminar,
    *,
    form=None,
    roster_form=None,
    preview=None,
    roster_ref=None,
    links=None,
    encodings=None,
    status=200,
):

    entries = registration.registrations_of(seminar)
    return render_template(
        "seminars/manage/participants.html",
        seminar=seminar,
        entries=entries,
        form=form or ParticipantForm(),
        roster_form=roster_form or RosterForm(),
        preview=preview,
        roster_ref=roster_ref,
        links=links or [],
        encodings=encodings or {},
        hours=attendance.attended_hours(seminar),
        no_hours=attendance.NO_HOURS,
        counts=registration.counts([seminar.id])[seminar.id],
    ), status


@bp.get("/<id:seminar_id>/participants")
@trainer_required
def participants(seminar_id: int):
    """The participants; with ``roster_ref`` and ``encoding``, an uploaded roster's preview
    read again in the encoding the trainer chose."""
    seminar = managed_seminar(seminar_id)
    if "roster_ref" not in request.args:
        return _participants_page(seminar)
    reference = _roster_reference(seminar, request.args.get("roster_ref", ""))
    data = _roster_data(seminar, reference)
    if data is None:
        return redirect(url_for("manage_seminars.participants", seminar_id=seminar.id))
    try:
        preview = roster.parse_roster(data, request.args.get("encoding") or None)
    except ServiceError as error:
        # Not readable in that encoding: say so, and show the file as detected again.
        flash(refused(error), "danger")
        try:
            preview = roster.parse_roster(data)
        except ServiceError as error:
            refused(error)
            return redirect(url_for("manage_seminars.participants", seminar_id=seminar.id))
        return _roster_preview_page(seminar, preview, request.args["roster_ref"], status=400)
    return _roster_preview_page(seminar, preview, request.args["roster_ref"])


@bp.post("/<id:seminar_id>/participants")
@trainer_required
def add_participant(seminar_id: int):
    seminar = managed_seminar(seminar_id)
    form = ParticipantForm()
    if form.validate_on_submit():
        user = accounts.get_user_by_email(form.email.data)
        if user is None or not user.active:
            form.email.errors = [
                _(
                    "No active account has this email. Import a roster to create "
                    "accounts for new people."
                )
            ]
        else:
            entry = registration.add_participant(
                seminar, user, organisation=form.organisation.data or ""
            )
            flash(
                _("%(name)s: %(status)s.", name=user.full_name, status=entry.status_label),
                "success",
            )
            return redirect(url_for("manage_seminars.participants", seminar_id=seminar.id))
    return _participants_page(seminar, form=form, status=400)


@bp.post("/<id:seminar_id>/participants/<id:registration_id>/cancel")
@trainer_required
def cancel_participant(seminar_id: int, registration_id: int):
    seminar = managed_seminar(seminar_id)
    entry = get_or_404(Registration, registration_id, seminar_id=seminar.id)
    try:
        promoted = registration.cancel(entry, by=current_user)
    except ServiceError as error:
        flash(refused(error), "danger")
    else:
        flash(
            _("Registration cancelled. Promoted from the waitlist: %(n)d.", n=len(promoted)),
            "success",
        )
    return redirect(url_for("manage_seminars.participants", seminar_id=seminar.id))


def _roster_signer() -> URLSafeSerializer:

    return URLSafeSerializer(current_app.config["SECRET_KEY"], salt="lms.roster-upload")


@bp.post("/<id:seminar_id>/roster")
@trainer_required
def roster_preview(seminar_id: int):
    """Check an uploaded roster and show every line; nothing is imported yet."""
    seminar = managed_seminar(seminar_id)
    form = RosterForm()
    if not form.validate_on_submit():
        return _participants_page(seminar, roster_form=form, status=400)

    data = form.file.data.read(current_app.config["ROSTER_MAX_KB"] * 1024 + 1)
    if len(data) > current_app.config["ROSTER_MAX_KB"] * 1024:
        form.file.errors = [
            _("The file is larger than %(n)d KB.", n=current_app.config["ROSTER_MAX_KB"])
        ]
        return _participants_page(seminar, roster_form=form, status=400)
    try:
        preview = roster.parse_roster(data)
    except ServiceError as error:
        show_error(form, error)
        return _participants_page(seminar, roster_form=form, status=400)
    reference = None
    if preview.ok or not preview.certain:
        # Kept for the import, or to be read again in another encoding the trainer chooses.
        stored = file_storage.save_bytes(data, "csv", commit=True)
        reference = _roster_signer().dumps({"seminar": seminar.id, "file": stored})
    return _roster_preview_page(seminar, preview, reference)


def _roster_preview_page(seminar, preview, reference, *, status=None):
    return _participants_page(
        seminar,
        preview=preview,
        roster_ref=reference,
        encodings=roster.ENCODINGS,
        status=status or (200 if preview.ok else 400),
    )


def _roster_reference(seminar: Seminar, signed: str) -> dict:
    """The uploaded roster a signed reference names; 400 unless it is this seminar's."""
    try:
        reference = _roster_signer().loads(signed)
    except BadSignature:
        abort(400)
    if not isinstance(reference, dict) or reference.get("seminar") != seminar.id:
        abort(400)
    return reference


def _roster_data(seminar: Seminar, reference: dict) -> bytes | None:
    try:
        return file_storage.read_bytes(reference["file"])
    except (OSError, ValueError):
        flash(_("This roster was already imported or has expired. Upload it again."), "warning")
        return None


@bp.post("/<id:seminar_id>/roster/confirm")
@trainer_required
def roster_confirm(seminar_id: int):
    seminar = managed_seminar(seminar_id)
    reference = _roster_reference(seminar, request.form.get("roster_ref", ""))
    data = _roster_data(seminar, reference)
    if data is None:
        return redirect(url_for("manage_seminars.participants", seminar_id=seminar.id))
    try:
        # The encoding the preview was read in, which the trainer saw and confirmed.
        preview = roster.parse_roster(data, request.form.get("encoding") or None)
        result = roster.apply_roster(seminar, preview, current_user)
    except ServiceError as error:
        flash(refused(error), "danger")
        return redirect(url_for("manage_seminars.participants", seminar_id=seminar.id))
    file_storage.delete(reference["file"])
    flash(
        _(
            "Roster imported: %(a)d registered, %(w)d on the waitlist, %(k)d already there.",
            a=result.added,
            w=result.waitlisted,
            k=result.already,
        ),
        "success",
    )
    links = [
        (user, url_for("auth.reset_password", token=token, _external=True))
        for user, token in result.new_accounts
    ]
    return _participants_page(seminar, links=links)


# --- attendance ------------------------------------------------------------------------------
