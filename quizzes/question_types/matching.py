"""Match each left item to a right item. Score: the share of left items matched correctly."""

from __future__ import annotations

from fractions import Fraction

from flask_babel import lazy_gettext as _l

from quizzes.question_types.base import AnswerError, Problems, check_text, moved, opaque_ids


def _sides(definition: dict) -> tuple[list, list]:
    pairs = [pair for pair in definition.get("pairs") or [] if isinstance(pair, dict)]
    return [pair.get("left") for pair in pairs], [pair.get("right") for pair in pairs]


NOT_A_PAIR = _l("Choose each match from the list shown.")


class Matching:
    name = "matching"
    label = "Matching pairs"
    manual = False

    def validate(self, definition: dict) -> list[str]:
        problems = Problems()
        pairs = definition.get("pairs")
        if not isinstance(pairs, list) or not 2 <= len(pairs) <= 10:
            problems.add("pairs", "needs 2 to 10 pairs")
            return problems.items
        for number, pair in enumerate(pairs, start=1):
            if not isinstance(pair, dict):
                problems.add(f"pairs[{number}]", "must have left and right")
                continue
            check_text(problems, f"pairs[{number}].left", pair.get("left"), 500)
            check_text(problems, f"pairs[{number}].right", pair.get("right"), 500)
        rights = [p.get("right") for p in pairs if isinstance(p, dict)]
        if len(set(map(str, rights))) != len(rights):
            problems.add("pairs", "every right-hand item must be different")
        return problems.items

    def present(self, definition, rng, shuffle):
        pairs = definition["pairs"]
        lefts, rights = list(range(len(pairs))), list(range(len(pairs)))
        rng.shuffle(rights)  # always shuffled, or the answer would be the order shown
        if shuffle:
            rng.shuffle(lefts)
        left_ids, right_ids = opaque_ids(len(pairs)), opaque_ids(len(pairs))
        return {
            "lefts": [
                {"id": left_ids[i], "text": pairs[index]["left"]} for i, index in enumerate(lefts)
            ],
            "rights": [
                {"id": right_ids[i], "text": pairs[index]["right"]}
                for i, index in enumerate(rights)
            ],
            "key": {
                "left": {left_ids[i]: index for i, index in enumerate(lefts)},
                "right": {right_ids[i]: index for i, index in enumerate(rights)},
            },
        }

    def parse(self, presentation, values):
        """Values are "left-id:right-id" strings, one per matched left item."""
        key = presentation["key"]
        answer: dict[str, str] = {}
        for value in values:
            if not value:
                continue
            left, _, right = value.partition(":")
            if not right:
                continue  # this left item was left unmatched
            if left not in key["left"] or right not in key["right"] or left in answer:
                raise AnswerError(NOT_A_PAIR, [left] if left in key["left"] else [])
            answer[left] = right
        return answer

    def grade(self, definition, presentation, answer):
        key = presentation["key"]
        right_count = 0
        for left, right in (answer or {}).items():
            if left not in key["left"] or right not in key["right"]:
                raise AnswerError(NOT_A_PAIR)
            right_count += key["left"][left] == key["right"][right]
        return Fraction(right_count, len(definition["pairs"]))

    def form_values(self, presentation, getlist, prefix):
        """One select per left item, named ``prefix-<left id>``, choosing a right id."""
        values = []
        for left in presentation["lefts"]:
            chosen = [v for v in getlist(f"{prefix}-{left['id']}") if v]
            if chosen:
                values.append(f"{left['id']}:{chosen[0]}")
        return values

    def max_points(self, definition, points):
        return points

    def _moves(self, old_definition, new_definition):
        old_left, old_right = _sides(old_definition)
        new_left, new_right = _sides(new_definition)
        return moved(old_left, new_left), moved(old_right, new_right)

    def regradable(self, old_definition, new_definition):
        """The same left and right items; which left goes with which right may change."""
        return None not in self._moves(old_definition, new_definition)

    def rekey(self, old_definition, new_definition, presentation):
        lefts, rights = self._moves(old_definition, new_definition)
        key = presentation["key"]
        return {
            **presentation,
            "key": {
                "left": {item: lefts[index] for item, index in key["left"].items()},
                "right": {item: rights[index] for item, index in key["right"].items()},
            },
        }


TYPE = Matching()
