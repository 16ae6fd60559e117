"""The QR code of a certificate's verification URL, with segno's own choice of mask, found faster.

segno chooses a QR code's data mask (ISO/IEC 18004 7.8.3) by applying each of the eight to the
matrix and scoring it module by module in Python: 85% of the time of ``segno.make`` for a
verification URL, 15% of a certificate PDF's. :func:`matrix` scores the same eight matrices with
the same rules (segno 1.6's ``encoder.mask_scores``, its quirks included) a row or column at a
time, and applies the winner: the same code as segno's, module for module
(``tests/certificates/test_qr.py`` compares both on many URLs and random matrices).

The eight matrices come from the code segno makes with mask 0: its function patterns and
reserved areas as segno lays them out before masking (``segno.encoder``), the data modules
unmasked again.
"""

from __future__ import annotations

import re
from functools import cache
from itertools import pairwise

import segno
from segno import consts, encoder

RUN = re.compile(rb"\x00{5,}|\x01{5,}")  # N1: five or more modules of one colour in a line
N3_PATTERN = b"\x01\x00\x01\x01\x01\x00\x01"  # dark light dark dark dark light dark


def matrix(content: str, error: str) -> tuple[bytearray, ...]:
    """The modules (1 dark, 0 light, no border) of ``segno.make(content, error=error)``, its
    mask chosen here (for a Micro QR code, which only a very short text gives, by segno). The
    code with mask 0 is made once; another mask is put in its place with the format
    information that names it, as segno writes it."""
    first = segno.make(content, error=error, mask=0)
    if first.is_micro:
        return segno.make(content, error=error).matrix
    size = len(first.matrix)
    base, masks = _layout(size)
    rows = [int.from_bytes(row, "big") for row in first.matrix]
    unmasked = [
        (row & region ^ mask0) | fixed
        for row, (fixed, region), mask0 in zip(rows, base, masks[0], strict=True)
    ]
    best = best_mask(unmasked, masks, size)
    if best == 0:
        return first.matrix
    final = tuple(
        bytearray(((row & ~region) | (row & region ^ mask0 ^ bits)).to_bytes(size, "big"))
        for row, (_, region), mask0, bits in zip(rows, base, masks[0], masks[best], strict=True)
    )
    encoder.add_format_info(final, first.version, consts.ERROR_MAPPING[first.error], best)
    return final


def best_mask(unmasked: list[int], masks: list[list[int]], size: int) -> int:
    """The mask segno chooses for the matrix ``unmasked`` (rows as integers of one byte a
    module, as segno evaluates it: function patterns set, format and version areas 0): the
    lowest score, the first of equal ones."""
    scores = [
        score([row ^ bits for row, bits in zip(unmasked, mask, strict=True)], size)
        for mask in masks
    ]
    return scores.index(min(scores))


@cache
def _layout(size: int) -> tuple[list[tuple[int, int]], list[list[int]]]:
    """Per row, as integers of one byte a module: the function modules' values while segno
    evaluates masks (the reserved format and version areas are 0 then) with the data modules
    0, which modules are data (1), and each mask's pattern over the data modules, for a code of
    ``size`` modules."""
    matrix = encoder.make_matrix(size, size)
    encoder.add_finder_patterns(matrix, size, size)
    encoder.add_alignment_patterns(matrix, size, size)
    patterns = encoder.get_data_mask_functions(False)
    base = []
    masks: list[list[int]] = [[] for _ in patterns]
    for i, row in enumerate(matrix):
        data = [value > 1 for value in row]
        fixed = bytes(0 if is_data else value for value, is_data in zip(row, data, strict=True))
        base.append((int.from_bytes(fixed, "big"), int.from_bytes(bytes(data), "big")))
        for mask, pattern in zip(masks, patterns, strict=True):
            bits = bytes(int(is_data and bool(pattern(i, j))) for j, is_data in enumerate(data))
            mask.append(int.from_bytes(bits, "big"))
    return base, masks


def score(rows: list[int], size: int) -> int:
    """segno's penalty score (N1 + N2 + N3 + N4) of the matrix whose rows are ``rows``."""
    lines = [row.to_bytes(size, "big") for row in rows]
    columns = [bytes(column) for column in zip(*lines, strict=True)]
    joined = b"\x02".join((*lines, *columns))  # no run or pattern across two lines
    runs = RUN.findall(joined)
    total = sum(map(len, runs)) - 2 * len(runs)
    if N3_PATTERN in joined:
        total += sum(_n3(line, size) for line in (*lines, *columns) if N3_PATTERN in line)
    ones = int.from_bytes(b"\x01" * size, "big")
    after_first = ones & ~(1 << (8 * (size - 1)))  # every module but the first of a row
    blocks = 0
    for upper, lower in pairwise(rows):
        same_below = ~(upper ^ lower) & ones
        same_left = ~(upper ^ (upper >> 8)) & after_first
        blocks += (same_below & (same_below >> 8) & same_left).bit_count()
    total += 3 * blocks
    dark = sum(row.bit_count() for row in rows)
    total += 10 * int(abs(float(dark) / (size**2) * 100 - 50) / 5)
    return total


def _n3(line: bytes, size: int) -> int:
    """segno's N3 for one row or column, as it counts it (``encoder.mask_scores``)."""
    count = 0
    index = line.find(N3_PATTERN)
    while index != -1:
        offset = index + 7
        if (
            index in (0, size - 7)
            or not any(line[max(index - 4, 0) : min(index, size)])
            or not any(line[max(offset, 0) : min(offset + 4, size)])
        ):
            count += 40
        else:
            offset = index + 4
        index = line.find(N3_PATTERN, offset)
    return count
