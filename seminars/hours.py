"""How academic hours are written everywhere (pages, CSV, calendar, certificate checklists):
exact decimals without trailing zeros or exponents — "36", "1.5", "2.25", "0"."""

from __future__ import annotations

from decimal import ROUND_UP, Decimal

TENTH = Decimal("0.1")


def format_hours(value, *, round_up_to_tenth: bool = False) -> str:
    """``value`` (Decimal, int, float, str or None) as text. ``round_up_to_tenth`` is for "X more
    hours": 0.25 left is "0.3 more", never "0.2" (or "0 more" for 0.05)."""
    hours = Decimal(str(value)) if value else Decimal(0)
    if round_up_to_tenth:
        hours = hours.quantize(TENTH, rounding=ROUND_UP)
    return f"{hours.normalize():f}" if hours else "0"
