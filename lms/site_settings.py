"""Settings an administrator changes at run time; the configuration gives their defaults.

Sections of the settings page (``admin.settings``):

- **Organisation**: its name and address in each language (``organisation_name.<lang>``,
  ``organisation_address.<lang>``); a blank name falls back to English, then to
  ``LMS_ORGANISATION_NAME``.
- **Signatory**: who signs the certificates, name and title in each language
  (``signatory_name.<lang>``, ``signatory_title.<lang>``), and a signature image.
- **Images**: the logo, the signature and an optional seal (``image.<name>``). An image is
  checked (PNG or JPEG only, at most ``IMAGE_MAX_BYTES``, ``IMAGE_MAX_PIXELS``), re-encoded
  from its pixels (no metadata survives) and stored *content-addressed* as
  ``site/<sha256>.<ext>`` in file storage. Such a file is never changed nor deleted: a
  certificate names the images it printed in its signed facts, and its PDF is rendered again
  from them byte for byte (``certificates.facts``). Replacing the logo stores a new file.
- **Sign-up policy**: whether anyone may sign up, and whether they must confirm their address.

The public address (``LMS_PUBLIC_URL``) is configuration only: it is printed on every
certificate and in its QR code, so it is shown, never changed, here.
"""

from __future__ import annotations

import io
import time
from collections.abc import Iterator
from contextlib import contextmanager

from flask import current_app, g, has_app_context, has_request_context
from flask_babel import lazy_gettext as _l
from PIL import Image, ImageOps, UnidentifiedImageError
from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError

from lms import file_storage
from lms.database import utcnow
from lms.extensions import db
from lms.models import SiteSetting
from lms.service_error import ServiceError

SIGNUP_OPEN = "signup_open"
EMAIL_CONFIRMATION_REQUIRED = "email_confirmation_required"

# Texts kept per language, with their longest length.
TEXTS = {
    "organisation_name": 200,
    "organisation_address": 300,
    "signatory_name": 80,
    "signatory_title": 150,
}
IMAGES = ("logo", "signature", "seal")
IMAGE_MAX_BYTES = 2 * 1024 * 1024
IMAGE_MAX_PIXELS = 25_000_000
IMAGE_MAX_SIDE = 1200  # pixels: larger images are scaled down (a logo prints at 2-3 cm)
IMAGE_FORMATS = {"PNG": ("png", "image/png"), "JPEG": ("jpg", "image/jpeg")}
IMAGE_AREA = "site"


def _read() -> dict[str, str]:
    return dict(db.session.execute(select(SiteSetting.key, SiteSetting.value)).all())


@contextmanager
def held() -> Iterator[None]:
    """Read the settings once for the block, whatever the context: a bulk issue in a
    background job states the same organisation and signatory on every certificate, with one
    statement."""
    if not has_app_context() or g.get("_site_settings_held") is not None:
        yield
        return
    g._site_settings_held = _read()
    try:
        yield
    finally:
        g.pop("_site_settings_held", None)


def _all() -> dict[str, str]:
    """Every stored setting, read once per request (each time outside requests, but for a
    :func:`held` block: a worker's or a shell's context may live long, and another process
    may change them meanwhile)."""
    if has_app_context() and g.get("_site_settings_held") is not None:
        return g._site_settings_held
    cached = g.get("_site_settings") if has_request_context() else None
    if cached is None:
        cached = _read()
        if has_request_context():
            g._site_settings = cached
    return cached


# What every page shows from the settings (the footer's organisation name) is kept per process
# for this long, so a page costs no query for it; a change made in this process shows at once
# (``_forget``), one made on another instance within this time.
SHOWN_SECONDS = 30.0
_SHOWN_KEY = "lms.site_settings.shown"


def _forget() -> None:
    if has_app_context():
        g.pop("_site_settings", None)
        g.pop("_site_settings_held", None)
        current_app.extensions.pop(_SHOWN_KEY, None)


def _shown() -> dict[str, str]:
    """The settings as pages show them: read at most every ``SHOWN_SECONDS`` per process."""
    kept = current_app.extensions.get(_SHOWN_KEY)
    now = time.monotonic()
    if kept is None or now - kept[0] >= SHOWN_SECONDS:
        kept = (now, _all())
        current_app.extensions[_SHOWN_KEY] = kept
    return kept[1]


def _get(key: str) -> str | None:
    return _all().get(key)


def _write(key: str, value: str) -> None:
    """Update or add the row, in the caller's transaction."""
    changed = db.session.execute(
        update(SiteSetting).where(SiteSetting.key == key).values(value=value, updated_at=utcnow())
    ).rowcount
    if not changed:
        db.session.add(SiteSetting(key=key, value=value))
        db.session.flush()
    _forget()


def _set(key: str, value: str) -> None:
    changed = db.session.execute(
        update(SiteSetting).where(SiteSetting.key == key).values(value=value, updated_at=utcnow())
    ).rowcount
    if not changed:
        db.session.add(SiteSetting(key=key, value=value))
        try:
            db.session.commit()
        except IntegrityError:  # another request created it a moment ago: update that row
            db.session.rollback()
            db.session.execute(
                update(SiteSetting)
                .where(SiteSetting.key == key)
                .values(value=value, updated_at=utcnow())
            )
    db.session.commit()
    _forget()


def _flag(key: str, default_setting: str) -> bool:
    value = _get(key)
    if value is None:
        return bool(current_app.config[default_setting])
    return value == "1"


def signup_open() -> bool:
    return _flag(SIGNUP_OPEN, "SIGNUP_OPEN")


def set_signup_open(is_open: bool) -> None:
    _set(SIGNUP_OPEN, "1" if is_open else "0")


def email_confirmation_required() -> bool:
    """Whether a self-signed-up account must confirm its address before it can log in."""
    return _flag(EMAIL_CONFIRMATION_REQUIRED, "REQUIRE_EMAIL_CONFIRMATION")


def set_email_confirmation_required(required: bool) -> None:
    _set(EMAIL_CONFIRMATION_REQUIRED, "1" if required else "0")


# --- texts per language ----------------------------------------------------------------------


def text_key(name: str, language: str) -> str:
    return f"{name}.{language}"


def stored_text(name: str, language: str) -> str:
    """The text as saved for ``language`` (blank when none)."""
    return _get(text_key(name, language)) or ""


def text(name: str, language: str, *, settings: dict[str, str] | None = None) -> str:
    """``name`` in ``language``, else in English, else in any language saved; the
    organisation's name finally falls back to ``LMS_ORGANISATION_NAME``. ``settings``: the
    values to read (default: as stored, once per request)."""
    values = _all() if settings is None else settings
    for candidate in (language, "en", *current_app.config["LANGUAGES"]):
        value = values.get(text_key(name, candidate))
        if value:
            return value
    if name == "organisation_name":
        return current_app.config["ORGANISATION_NAME"]
    return ""


def organisation_name(language: str) -> str:
    return text("organisation_name", language)


def shown_organisation_name(language: str) -> str:
    """The name every page's footer shows (no query per page: see ``SHOWN_SECONDS``)."""
    return text("organisation_name", language, settings=_shown())


# --- images ------------------------------------------------------------------------------


def image(name: str) -> str | None:
    """The stored file name (``<sha256>.<ext>``) of the logo, signature or seal, if any."""
    return _get(f"image.{name}") or None


def image_path(stored: str) -> str:
    return f"{IMAGE_AREA}/{stored}"


def image_bytes(stored: str) -> bytes:
    """The bytes of a site image by its content address; FileNotFoundError when missing or
    when the bytes are not the ones named."""
    data = file_storage.get(image_path(stored))
    if file_storage.sha256(data) != stored.split(".", 1)[0]:
        raise FileNotFoundError(f"site image {stored} does not match its SHA-256")
    return data


def image_content_type(stored: str) -> str:
    return "image/png" if stored.endswith(".png") else "image/jpeg"


def prepare_image(data: bytes) -> tuple[bytes, str]:
    """An uploaded image checked and re-encoded from its pixels (no metadata, at most
    ``IMAGE_MAX_SIDE`` pixels a side): its bytes and extension. ServiceError otherwise."""
    if len(data) > IMAGE_MAX_BYTES:
        raise ServiceError(_l("The image is larger than 2 MB."))
    not_image = _l("This file is not a PNG or JPEG image.")
    try:
        with Image.open(io.BytesIO(data)) as probe:
            image_format, (width, height) = probe.format, probe.size
            probe.verify()
        if image_format not in IMAGE_FORMATS:
            raise ServiceError(_l("Only PNG and JPEG images are accepted."))
        if width * height > IMAGE_MAX_PIXELS:
            raise ServiceError(_l("The image has too many pixels."))
        with Image.open(io.BytesIO(data)) as source:
            picture = ImageOps.exif_transpose(source)
            picture.thumbnail((IMAGE_MAX_SIDE, IMAGE_MAX_SIDE))
            output = io.BytesIO()
            if image_format == "PNG":
                has_alpha = picture.mode in ("RGBA", "LA", "PA") or (
                    picture.mode == "P" and "transparency" in picture.info
                )
                picture = picture.convert("RGBA" if has_alpha else "RGB")
            else:
                picture = picture.convert("RGB")
            picture.info = {}  # no comment, EXIF, XMP, ICC or text chunk is written again
            if image_format == "PNG":
                picture.save(output, format="PNG", optimize=True)
            else:
                picture.save(output, format="JPEG", quality=90)
    except ServiceError:
        raise
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError, Image.DecompressionBombError):
        raise ServiceError(not_image) from None
    return output.getvalue(), IMAGE_FORMATS[image_format][0]


def store_image(data: bytes, *, field: str | None = None) -> str:
    """Check, re-encode and store an uploaded image (in the caller's transaction); its
    content-addressed name. A refusal names ``field``."""
    try:
        cleaned, extension = prepare_image(data)
    except ServiceError as error:
        raise ServiceError(error.message, field=field) from None
    stored = f"{file_storage.sha256(cleaned)}.{extension}"
    if not file_storage.exists(image_path(stored)):
        file_storage.put(image_path(stored), cleaned)
    return stored


# --- saving the page -----------------------------------------------------------------------


def current_values() -> dict[str, str]:
    """What the settings page edits, as stored (texts, images, flags as "1"/"0")."""
    values = {
        text_key(name, language): stored_text(name, language)
        for name in TEXTS
        for language in current_app.config["LANGUAGES"]
    }
    values.update({f"image.{name}": image(name) or "" for name in IMAGES})
    values[SIGNUP_OPEN] = "1" if signup_open() else "0"
    values[EMAIL_CONFIRMATION_REQUIRED] = "1" if email_confirmation_required() else "0"
    return values


def save(values: dict[str, str], *, actor=None) -> list[str]:
    """Store the settings of ``values`` (keys of :func:`current_values`) that changed, with one
    audit event naming them, in one commit; the keys changed."""
    from lms import audit

    before = current_values()
    changed = sorted(key for key, value in values.items() if before.get(key, "") != value)
    for key in changed:
        if key not in before:
            raise ValueError(f"not a site setting: {key}")
        _write(key, values[key])
    if changed:
        audit.record(
            audit.SETTINGS_CHANGED,
            actor=actor,
            details={
                "changed": changed,
                "images": {k: values[k] for k in changed if k.startswith("image.")},
            },
        )
    db.session.commit()
    _forget()
    return changed
