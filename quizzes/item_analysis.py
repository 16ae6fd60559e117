"""Item analysis, to find bad questions. Pure: it takes graded answers, not the database.

- facility: the mean share of the points earned (1.0 = everyone right);
- discrimination: facility among the top third of attempts (by total percent) minus
  facility among the bottom third; near zero or negative means the question does not
  separate stronger from weaker trainees (or its key is wrong);
- option counts: how often each option was chosen, by its position in the author's list.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from fractions import Fraction


@dataclass(frozen=True)
class Response:
    attempt_total: Fraction  # the attempt's overall share, 0..1
    share: Fraction  # this question's share, 0..1
    options: tuple[int, ...] = ()  # chosen option indexes (choice questions)


@dataclass
class ItemStats:
    key: str
    responses: int
    facility: Fraction | None
    discrimination: Fraction | None
    option_counts: dict[int, int] = field(default_factory=dict)


def _mean(values: list[Fraction]) -> Fraction | None:
    return sum(values, Fraction(0)) / len(values) if values else None


def analyse(responses: dict[str, Iterable[Response]]) -> list[ItemStats]:
    stats = []
    for key, items in responses.items():
        items = list(items)
        ranked = sorted(items, key=lambda r: r.attempt_total)
        third = len(ranked) // 3
        discrimination = None
        if third:
            top = _mean([r.share for r in ranked[-third:]])
            bottom = _mean([r.share for r in ranked[:third]])
            discrimination = top - bottom
        counts: dict[int, int] = {}
        for response in items:
            for option in response.options:
                counts[option] = counts.get(option, 0) + 1
        stats.append(
            ItemStats(
                key,
                len(items),
                _mean([r.share for r in items]),
                discrimination,
                dict(sorted(counts.items())),
            )
        )
    return stats
