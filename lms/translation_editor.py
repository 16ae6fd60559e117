"""The side-by-side translation editor's rows and its save (lms.content_translations).

A feature's editor page lists *items*, ``(prefix, heading, obj)``: one registered object
(a seminar, each of its sessions; a rubric, each of its lines) and the prefix of its inputs
(``<prefix>-<field>``). ``groups`` gives what the template shows, the original on the left
and the translation on the right with its state; ``save_items`` stores a posted form in one
transaction, or nothing when any field is refused (the errors keyed by input name). A text
posted as it was stored is left alone, so an out-of-date translation stays marked until a
translator changes it or ticks that it still matches the original.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from lms import content_translations as ct
from lms.cleaning import clean_line, clean_text
from lms.extensions import db
from lms.service_error import ServiceError


@dataclass
class Row:
    name: str  # the input's name and id
    field: ct.Field
    original: str
    original_language: str
    translation: str | None
    outdated: bool
    value: str  # what the input shows: the posted text after a refusal, else the translation
    error: str | None = None


@dataclass
class Group:
    heading: str
    obj: object
    rows: list[Row] = field(default_factory=list)


def offered_locales(objects) -> list[str]:
    """The languages a translation of ``objects`` may be in: the site's, but the original's."""
    originals = {ct.kind_of(o).original_language(o) for o in objects if o is not None}
    return [loc for loc in ct.languages() if loc not in originals]


def groups(items, locale: str, posted=None, errors: dict[str, str] | None = None) -> list[Group]:
    errors = errors or {}
    result = []
    for prefix, heading, obj in items:
        kind = ct.kind_of(obj)
        group = Group(str(heading), obj)
        for state in ct.states(obj, locale):
            name = f"{prefix}-{state.field.name}"
            value = state.translation or ""
            if posted is not None and name in posted:
                value = posted.get(name, "")
            group.rows.append(
                Row(
                    name,
                    state.field,
                    state.original,
                    kind.original_language(obj),
                    state.translation,
                    state.outdated,
                    value,
                    errors.get(name),
                )
            )
        result.append(group)
    return result


def _unchanged(f: ct.Field, posted: str, state: ct.FieldState) -> bool:
    """Whether ``posted`` is the stored translation again (so saving it would only claim,
    unchecked, that it matches the original as it reads now)."""
    cleaner = clean_text if (f.multiline or f.markdown) else clean_line
    try:
        cleaned = cleaner(posted, field=f.name, limit=f.limit)
    except ServiceError:
        return False  # ``save`` reports it
    return cleaned == (state.translation or "")


def save_items(items, locale: str, posted, *, user=None) -> tuple[list[str], dict[str, str]]:
    """Store the translations of ``items`` posted in ``posted`` (a form: only the inputs it
    holds). A text posted unchanged is left as it was (an out-of-date one stays out of
    date) unless ``<input>-confirm`` says it still matches the original. Returns the changed
    inputs and the refusals; commits when there is none, else rolls everything back."""
    changed: list[str] = []
    errors: dict[str, str] = {}
    for prefix, _heading, obj in items:
        kind = ct.kind_of(obj)
        values = {}
        for state in ct.states(obj, locale):
            name = f"{prefix}-{state.field.name}"
            if name not in posted:
                continue
            text = posted.get(name, "")
            confirmed = state.outdated and posted.get(f"{name}-confirm") == "y"
            if _unchanged(state.field, text, state) and not confirmed:
                continue
            values[state.field.name] = text
        if not values:
            continue
        try:
            changed += [f"{prefix}-{name}" for name in ct.save(obj, locale, values, user=user)]
        except ServiceError as error:
            if error.field == "locale":
                raise
            known = {f.name for f in kind.fields}
            errors[f"{prefix}-{error.field}" if error.field in known else prefix] = str(
                error.message
            )
    if errors:
        db.session.rollback()
        return [], errors
    db.session.commit()
    return changed, errors
