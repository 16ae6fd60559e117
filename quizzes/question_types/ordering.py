"""Put items in order (e.g. the stages of the procedure). Score: the share of adjacent pairs
kept in the right order, so one misplaced item costs little and a reversed list nothing."""

from __future__ import annotations

from fractions import Fraction
from itertools import pairwise

from flask_babel import lazy_gettext as _l

from quizzes.question_types.base import AnswerError, Problems, check_text, moved, opaque_ids

NOT_THE_ITEMS = _l("Choose a position from the list for each item.")


class Ordering:
    name = "ordering"
    label = "Ordering"
    manual = False

    def validate(self, definition: dict) -> list[str]:
        problems = Problems()
        items = definition.get("items")
        if not isinstance(items, list) or not 3 <= len(items) <= 10:
            problems.add("items", "needs 3 to 10 items")
            return problems.items
        for number, item in enumerate(items, start=1):
            check_text(problems, f"items[{number}]", item, 500)
        if len(set(map(str, items))) != len(items):
            problems.add("items", "every item must be different")
        return problems.items

    def present(self, definition, rng, shuffle):
        items = definition["items"]
        order = list(range(len(items)))
        while order == sorted(order):  # never show the answer as the starting order
            rng.shuffle(order)
        ids = opaque_ids(len(items))
        return {
            "items": [{"id": ids[i], "text": items[index]} for i, index in enumerate(order)],
            "key": {ids[i]: index for i, index in enumerate(order)},
        }

    def parse(self, presentation, values):
        """Values are the item ids in the order the trainee chose (every id exactly once)."""
        chosen = [value for value in values if value]
        if not chosen:
            return None
        if sorted(chosen) != sorted(presentation["key"]):
            raise AnswerError(NOT_THE_ITEMS)
        return chosen

    def grade(self, definition, presentation, answer):
        if not answer:
            return Fraction(0)
        key = presentation["key"]
        if sorted(answer) != sorted(key):
            raise AnswerError(NOT_THE_ITEMS)
        positions = [key[value] for value in answer]
        kept = sum(1 for a, b in pairwise(positions) if b == a + 1)
        return Fraction(kept, len(positions) - 1)

    def form_values(self, presentation, getlist, prefix):
        """One position select per item, named ``prefix-<item id>``; the ids by position.

        No position at all is no answer; some positions, a position given twice or one
        that is not on the list is an ``AnswerError`` naming the items concerned."""
        items = presentation["items"]
        places = {
            item["id"]: next((v for v in getlist(f"{prefix}-{item['id']}") if v), "")
            for item in items
        }
        given = {item: place for item, place in places.items() if place}
        if not given:
            return []  # not answered yet
        allowed = {str(number) for number in range(1, len(items) + 1)}
        strange = [item for item, place in given.items() if place not in allowed]
        if strange:
            raise AnswerError(NOT_THE_ITEMS, strange)
        by_place: dict[str, list[str]] = {}
        for item, place in given.items():
            by_place.setdefault(place, []).append(item)
        shared = sorted((place for place, ids in by_place.items() if len(ids) > 1), key=int)
        if shared:
            clashing = by_place[shared[0]]
            message = (
                _l(
                    "Two items have the same position (%(place)s). "
                    "Give each item its own position.",
                    place=shared[0],
                )
                if len(clashing) == 2
                else _l(
                    "%(count)d items have the same position (%(place)s). "
                    "Give each item its own position.",
                    count=len(clashing),
                    place=shared[0],
                )
            )
            raise AnswerError(message, clashing)
        if len(given) < len(items):
            raise AnswerError(
                _l(
                    "Give every item a position (%(given)d of %(total)d have one), "
                    "or clear them all.",
                    given=len(given),
                    total=len(items),
                ),
                [item for item, place in places.items() if not place],
            )
        return [given_item for _, given_item in sorted((int(p), i) for i, p in given.items())]

    def max_points(self, definition, points):
        return points

    def regradable(self, old_definition, new_definition):
        """The same items; their right order (the key) may change."""
        return (
            moved(old_definition.get("items") or [], new_definition.get("items") or []) is not None
        )

    def rekey(self, old_definition, new_definition, presentation):
        where = moved(old_definition["items"], new_definition["items"])
        key = {item: where[index] for item, index in presentation["key"].items()}
        return {**presentation, "key": key}


TYPE = Ordering()
