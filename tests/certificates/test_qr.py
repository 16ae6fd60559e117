"""The QR code with its mask chosen by ``certificates.qr`` is segno's own, module for module.

The mask is part of every certificate PDF's bytes (the QR code is drawn from its modules), so
the choice must be the one ``segno.make`` makes, for any verification URL."""

from __future__ import annotations

import random

import segno

from certificates import qr


def _urls(count: int, seed: int) -> list[str]:
    rng = random.Random(seed)
    letters = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"
    host = "abcdefghijklmnopqrstuvwxyz.-"
    urls = []
    for _ in range(count):
        number = "-".join("".join(rng.sample(letters, 4)) for _ in range(4))
        name = "".join(rng.choice(host) for _ in range(rng.choice((3, 12, 25, 60, 140))))
        urls.append(f"https://{name}.kz/certificates/verify/KZM-{number}-K")
    return urls


def test_the_code_with_its_mask_is_segnos():
    masks = set()
    for url in _urls(200, 20261207):
        theirs = segno.make(url, error="q")
        assert qr.matrix(url, "q") == theirs.matrix
        masks.add(theirs.mask)
    assert masks == set(range(8))  # each mask chosen, and put in place, somewhere
    assert any(segno.make(url, error="q").version >= 7 for url in _urls(200, 20261207))


def test_short_texts_stay_segnos():
    for text in ("", "A", "12345", "https://a.kz"):
        assert qr.matrix(text, "q") == segno.make(text, error="q").matrix


def test_the_score_is_segnos_on_any_matrix():
    from segno import encoder

    rng = random.Random(3)
    for size in (21, 25, 37, 45, 57):
        for _ in range(15):
            matrix = tuple(
                bytearray(rng.choice((0, 0, 1)) for _ in range(size)) for _ in range(size)
            )
            rows = [int.from_bytes(row, "big") for row in matrix]
            assert qr.score(rows, size) == encoder.evaluate_mask(matrix, size, size)
