"""Roster import: a CSV of participants (full name, email, optional organisation).

``parse_roster`` checks every line and returns a preview with per-line errors; ``apply_roster``
then adds everyone in one transaction, creating trainee accounts for unknown emails (each
gets a set-password link for the administrator to pass on), or changes nothing.
"""

from __future__ import annotations

import csv
import io
import re
import secrets
from dataclasses import dataclass, field
from itertools import pairwise

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from lms import accounts, password_reset
from lms.database import committed
from lms.extensions import db
from lms.models import User
from lms.service_error import ServiceError
from seminars import registration
from seminars.models import Registration, Seminar

MAX_ROWS = 1000
HEADER_WORDS = {"email", "e-mail", "почта", "электронная почта", "пошта", "электрондық пошта"}


@dataclass
class RosterLine:
    line: int
    full_name: str
    email: str
    organisation: str
    errors: list[str] = field(default_factory=list)
    existing_user_id: int | None = None


@dataclass
class RosterPreview:
    codec: str  # a key of ENCODINGS
    lines: list[RosterLine]
    certain: bool = True  # False: the trainer should confirm the encoding before importing

    @property
    def encoding(self) -> str:
        return ENCODINGS[self.codec]

    @property
    def errors(self) -> list[RosterLine]:
        return [line for line in self.lines if line.errors]

    @property
    def ok(self) -> bool:
        return bool(self.lines) and not self.errors


# The encodings a trainer may choose when a file is not UTF-8: (codec, name shown).
ENCODINGS = {
    "utf-8": "UTF-8",
    "cp1251": "Windows-1251",
    "cp1252": "Windows-1252",
    "koi8_r": "KOI8-R",
}
EIGHT_BIT = ("cp1251", "cp1252", "koi8_r")  # in order of preference when equally plausible
_WORD = re.compile(r"[^\W\d_]+")


def _not_text() -> ServiceError:
    return ServiceError(
        _l(
            "The file is not text in UTF-8, Windows-1251, Windows-1252 or KOI8-R. Save it as "
            "CSV in UTF-8."
        ),
        field="file",
    )


def _decode_as(data: bytes, codec: str) -> str:
    try:
        text = data.decode("utf-8-sig" if codec == "utf-8" else codec)
    except UnicodeDecodeError:
        raise ServiceError(
            _l("The file cannot be read as %(encoding)s.", encoding=ENCODINGS[codec]),
            field="file",
        ) from None
    if any(ord(ch) < 32 and ch not in "\r\n\t" for ch in text):
        raise _not_text()
    return text


def implausibility(text: str) -> int:
    """How unlike names and organisations ``text`` reads: words mixing Latin and Cyrillic
    letters (``Mьller`` is Müller read as Windows-1251), Latin words made mostly of accented
    letters (``Èâàí`` is Иван read as Windows-1252) and a capital after a small letter
    (``иВАН`` is Иван read as KOI8-R). The right reading of a roster scores lowest."""
    score = 0
    for word in _WORD.findall(text):
        cyrillic = sum("\u0400" <= ch <= "\u04ff" for ch in word)
        latin = len(word) - cyrillic
        if cyrillic and latin:
            score += 3
        elif latin and len(word) > 1 and sum(not ch.isascii() for ch in word) * 2 > len(word):
            score += 2
        if any(a.islower() and b.isupper() for a, b in pairwise(word)):
            score += 1
    return score


def decode(data: bytes, encoding: str | None = None) -> tuple[str, str, bool]:
    """The text, its codec and whether the codec is certain.

    UTF-8 (with or without BOM) is certain: other bytes are almost never valid UTF-8, and plain
    ASCII reads the same in every encoding. An 8-bit file is read in the most plausible of
    Windows-1251, Windows-1252 and KOI8-R, but no byte says which one it is, so it is never
    certain: the trainer confirms it (``encoding``) in the preview.
    """
    if b"\x00" in data:
        raise ServiceError(
            _l(
                "The file looks like UTF-16 or a binary file. Save it as CSV in "
                "UTF-8 or Windows-1251."
            ),
            field="file",
        )
    if encoding is not None:
        if encoding not in ENCODINGS:
            raise ServiceError(_l("Choose one of the offered encodings."), field="encoding")
        return _decode_as(data, encoding), encoding, True
    try:
        return data.decode("utf-8-sig"), "utf-8", True
    except UnicodeDecodeError:
        pass
    readings = []
    for codec in EIGHT_BIT:
        try:
            readings.append((implausibility(_decode_as(data, codec)), codec))
        except ServiceError:
            continue
    if not readings:
        raise _not_text()
    _, codec = min(readings, key=lambda reading: reading[0])  # stable: the earliest wins ties
    return data.decode(codec), codec, False


def _delimiter(text: str) -> str:
    """Semicolon if the first line has one (spreadsheets in Russian and Kazakh write it),
    else tab, else comma. Guessing from later lines fails when some leave the optional
    organisation out, and a comma inside a quoted organisation must not win over ';'."""
    first = next((line for line in text.splitlines() if line.strip()), "")
    if ";" in first:
        return ";"
    return "\t" if "\t" in first else ","


def parse_roster(data: bytes, encoding: str | None = None) -> RosterPreview:
    """Every line checked; ``encoding`` (a key of ENCODINGS) is the one the trainer confirmed,
    None to detect it."""
    text, codec, certain = decode(data, encoding)
    # newline="": the csv module reads line ends itself (a lone "\r" in a cell raised
    # csv.Error with universal newlines); a field over its size limit is a file we cannot read.
    try:
        rows = list(csv.reader(io.StringIO(text, newline=""), delimiter=_delimiter(text)))
    except csv.Error:
        raise ServiceError(
            _l("The file cannot be read as %(encoding)s.", encoding=ENCODINGS[codec]),
            field="file",
        ) from None
    lines: list[RosterLine] = []
    seen: dict[str, int] = {}
    for number, row in enumerate(rows, start=1):
        cells = [cell.strip() for cell in row]
        if not any(cells):
            continue
        if number == 1 and any(cell.lower() in HEADER_WORDS for cell in cells):
            continue  # a header row
        cells += [""] * (3 - len(cells))
        line = RosterLine(number, cells[0], cells[1], cells[2])
        lines.append(line)
        if len(lines) > MAX_ROWS:
            raise ServiceError(
                _l("A roster may have at most %(n)d people.", n=MAX_ROWS), field="file"
            )
        if len(row) > 3:
            line.errors.append(_l("Too many columns: expected full name, email, organisation."))
        try:
            line.full_name = accounts.clean_full_name(line.full_name)
        except ServiceError as error:
            line.errors.append(error.message)
        try:
            line.email = accounts.normalise_email(line.email)
        except ServiceError as error:
            line.errors.append(error.message)
        else:
            if line.email in seen:
                line.errors.append(_l("The same email is on line %(n)d.", n=seen[line.email]))
            seen.setdefault(line.email, number)
        if len(line.organisation) > 200:
            line.errors.append(_l("Use at most %(n)d characters.", n=200))
    if not lines:
        raise ServiceError(_l("The file has no participants."), field="file")
    existing = {
        email: (user_id, active)
        for email, user_id, active in db.session.execute(
            select(User.email, User.id, User.active).where(
                User.email.in_([line.email for line in lines])
            )
        )
    }
    for line in lines:
        user_id, active = existing.get(line.email, (None, True))
        line.existing_user_id = user_id
        if not active:
            line.errors.append(
                _l("This account is deactivated; an administrator must activate it first.")
            )
    return RosterPreview(codec, lines, certain)


@dataclass
class RosterResult:
    added: int
    waitlisted: int
    already: int
    new_accounts: list[tuple[User, str]]  # (user, set-password token)


def apply_roster(seminar: Seminar, preview: RosterPreview, by: User) -> RosterResult:
    """Add everyone on the roster, or nobody (the preview must have no errors)."""
    if not preview.ok:
        raise ServiceError(_l("Fix the lines with errors first; nothing was imported."))
    new_accounts: list[tuple[User, str]] = []
    added = waitlisted = already = 0
    made: list[Registration] = []
    with committed():  # every line or none
        for line in preview.lines:
            user = db.session.get(User, line.existing_user_id) if line.existing_user_id else None
            if user is None:
                user = User(
                    email=line.email,
                    display_name=line.full_name.split()[0][:80],
                    full_name=line.full_name,
                    password_hash="!unusable:" + secrets.token_hex(16),
                    role="trainee",
                    language=seminar.language,
                    active=True,
                )
                db.session.add(user)
                db.session.flush()
                new_accounts.append((user, ""))
            before = registration.find_registration(seminar, user)
            was_active = before is not None and before.status in registration.ACTIVE
            entry = registration.add_participant(
                seminar, user, organisation=line.organisation, commit=False
            )
            if was_active:
                already += 1
                continue
            made.append(entry)
            if entry.status == "waitlisted":
                waitlisted += 1
            else:
                added += 1
        tokens = [
            (user, password_reset.create_reset_token(user, created_by=by, commit=False))
            for user, _ in new_accounts
        ]
    registration.announce_created(seminar, made)
    return RosterResult(added, waitlisted, already, tokens)
