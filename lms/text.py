"""What people type as their name or e-mail address, normalised once for the whole site.

Every form, import and command that takes a person's name (sign-up, profile, the CLI, the
seminar roster, the certificate identity confirmation and declaration) calls
:func:`normalise_person_name`; every place that takes an e-mail address calls
:func:`normalise_email`. Both raise :class:`~lms.service_error.ServiceError`.

NFKC rather than NFC: compatibility forms such as full-width ``Ａｓｅｌ``, ligatures and
no-break spaces fold to the letters a reader sees, so a look-alike cannot pass for another
name or open a second account; the Kazakh letters (ә ғ қ ң ө ұ ү һ і, and ä ö ü ğ ş ñ ū ı
of the Latin alphabet) have no compatibility mapping and come through unchanged.
"""

from __future__ import annotations

import unicodedata

from email_validator import EmailNotValidError, validate_email
from flask_babel import lazy_gettext as _l

from lms.service_error import ServiceError

# Control (Cc), format (Cf: bidi embeddings, overrides and isolates U+202A-202E and
# U+2066-2069, marks U+200E/U+200F/U+061C, zero-width U+200B-200D, U+2060, U+FEFF, ...),
# private-use (Co), surrogate (Cs) and unassigned (Cn) code points have no place in a name.
REFUSED_CATEGORIES = frozenset({"Cc", "Cf", "Co", "Cs", "Cn"})
# Default-ignorable code points of other categories: they draw nothing either.
INVISIBLE = frozenset(
    [0x034F, 0x115F, 0x1160, 0x17B4, 0x17B5, 0x180B, 0x180C, 0x180D, 0x180F, 0x2800, 0x3164,
     0xFFA0, *range(0xFE00, 0xFE10), *range(0xE0100, 0xE01F0)]
)  # fmt: skip


def invisible_characters(text: str) -> list[str]:
    """The code points of ``text`` that show nothing or reorder what is around them."""
    return [
        ch for ch in text if unicodedata.category(ch) in REFUSED_CATEGORIES or ord(ch) in INVISIBLE
    ]


def normalise_person_name(
    raw: str | None, *, field: str, max_length: int, min_length: int = 1
) -> str:
    """NFKC, single spaces, no invisible or direction-changing characters, length checked."""
    name = " ".join(unicodedata.normalize("NFKC", raw or "").split())
    if invisible_characters(name):
        raise ServiceError(_l("The name contains invisible control characters."), field=field)
    if not name:
        raise ServiceError(_l("This field is required."), field=field)
    if len(name) < min_length:
        raise ServiceError(_l("Use at least %(n)d characters.", n=min_length), field=field)
    if len(name) > max_length:
        raise ServiceError(_l("Use at most %(n)d characters.", n=max_length), field=field)
    return name


def _fold(text: str) -> str:
    return unicodedata.normalize("NFKC", unicodedata.normalize("NFKC", text).casefold())


def normalise_email(raw: str | None, *, field: str = "email") -> str:
    """The address as stored and compared: NFKC, case-folded, syntax checked.

    ``ＡＳＥＬ@example.kz`` and ``Asel@Example.KZ`` both give ``asel@example.kz``; addresses
    stored before (lower-cased ASCII) are unchanged by it.
    """
    text = _fold((raw or "").strip())
    if invisible_characters(text):
        raise ServiceError(_l("Enter a valid email address."), field=field)
    try:
        result = validate_email(text, check_deliverability=False)
    except EmailNotValidError as exc:
        raise ServiceError(_l("Enter a valid email address."), field=field) from exc
    return _fold(result.normalized)
