"""Certificate numbers: 80 random bits in Crockford base 32, with Crockford's mod-37 check.

A number reads ``PREFIX-XXXX-XXXX-XXXX-XXXX-C``: the configured prefix, 16 symbols of the
Crockford alphabet (``0-9`` and ``A-Z`` without ``I L O U``) holding 80 bits from
:mod:`secrets`, and one check symbol: the 80-bit value modulo 37, written with the same
alphabet extended by ``* ~ $ = U`` for 32–36 (Crockford's specification).

Why the check catches every single-symbol error and every swap of two adjacent symbols:
37 is prime, so a change of ``d·32^k`` (``0 < |d| < 32``) is never a multiple of 37; an
adjacent swap of ``a`` and ``b`` changes the value by ``(a−b)·31·32^k``, and 31 and 37 are
coprime. A swap of the last symbol with the check symbol changes the value by ``c−a`` and the
check to ``a``, which matches only if ``c = a`` (no change at all). Tests check it on many
random numbers.

People type numbers loosely, so :func:`parse` accepts any case, with or without the prefix
and separators (spaces, hyphens, dots, underscores), full-width forms (normalised with NFKC
first), and reads ``O`` as ``0`` and ``I``/``L`` as ``1``. A number whose check fails is a
probable typo, told without touching the database.
"""

from __future__ import annotations

import re
import secrets
import unicodedata
from dataclasses import dataclass

ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
CHECK_ALPHABET = ALPHABET + "*~$=U"
SYMBOLS = 16
BITS = 80
GROUP = 4
_SEPARATORS = re.compile(r"[\s\-_.\u2010-\u2015\u2212]+")
_LOOKALIKES = str.maketrans({"O": "0", "I": "1", "L": "1"})
_VALUE = {symbol: index for index, symbol in enumerate(ALPHABET)}


class NumberError(ValueError):
    """``kind`` is "format" (not a certificate number at all) or "check" (a probable typo)."""

    def __init__(self, kind: str) -> None:
        super().__init__(kind)
        self.kind = kind


def check_symbol(body: str) -> str:
    value = 0
    for symbol in body:
        value = value * 32 + _VALUE[symbol]
    return CHECK_ALPHABET[value % 37]


def _format(prefix: str, body: str, check: str) -> str:
    groups = [body[i : i + GROUP] for i in range(0, len(body), GROUP)]
    return "-".join([prefix, *groups, check]) if prefix else "-".join([*groups, check])


def normalise_prefix(prefix: str) -> str:
    # NFKC as for typed numbers, so a prefix configured in full-width letters reads back.
    return _SEPARATORS.sub("", unicodedata.normalize("NFKC", prefix or "")).upper()


def new_number(prefix: str) -> str:
    value = secrets.randbits(BITS)
    body = "".join(ALPHABET[(value >> (5 * i)) & 31] for i in reversed(range(SYMBOLS)))
    return _format(normalise_prefix(prefix), body, check_symbol(body))


@dataclass(frozen=True)
class CertificateNumber:
    prefix: str
    body: str
    check: str

    def __str__(self) -> str:
        return _format(self.prefix, self.body, self.check)


def parse(text: str, prefix: str) -> CertificateNumber:
    """The canonical number typed in ``text``, or :class:`NumberError`."""
    prefix = normalise_prefix(prefix)
    # NFKC first: full-width "ＫＺＭ－７ＱＸ３…" (typed with an East Asian keyboard layout or
    # pasted from such a document) reads as the ASCII number it shows.
    text = unicodedata.normalize("NFKC", (text or "")[:200])
    compact = _SEPARATORS.sub("", text).upper()
    if prefix and compact.startswith(prefix) and len(compact) == len(prefix) + SYMBOLS + 1:
        compact = compact[len(prefix) :]
    if len(compact) != SYMBOLS + 1:
        raise NumberError("format")
    body = compact[:SYMBOLS].translate(_LOOKALIKES)
    check = compact[SYMBOLS:].translate(_LOOKALIKES)
    if any(symbol not in _VALUE for symbol in body) or check not in CHECK_ALPHABET:
        raise NumberError("format")
    if check_symbol(body) != check:
        raise NumberError("check")
    return CertificateNumber(prefix, body, check)
