"""Translations of content, each linked to one original (issue 19).

A course, module, question, quiz, criterion, rubric, seminar or qualification is written in one
language, its *original* (the row in its own table, in the language the object declares). A
translation is one field of one object in another language, a row of ``content_translations``
(``ContentTranslation``). It records the SHA-256 of the original field's text it was made from,
so a translation whose original changed since is reported *out of date* until a translator
saves it again.

Results never depend on the language: a question, criterion or module is the same object in
every language, only the words shown differ. Where a field has no translation in the reader's
language, the original is shown (and the page can say so).

The package that owns a model registers it (``register_kind``) with the fields that may be
translated, how to find the object's original language and, for Markdown fields, how to render
them (the same sanitiser and base address as the original). lms knows no feature's models.

Reading: ``text(obj, field, locale)`` and ``html(obj, field, locale)``; the first read of an
object loads all its translations in that locale with one query, and ``preload`` loads those
of many objects with one query (lists, to avoid one query per row). The cache lives for one
request (or one application context outside requests). Writing: ``save`` (validated, in the
caller's transaction), ``export``/``import_values`` for the import and export formats.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime

from flask import current_app, g
from flask_babel import force_locale, get_locale
from flask_babel import lazy_gettext as _l
from sqlalchemy import (
    ForeignKey,
    Index,
    String,
    Text,
    UniqueConstraint,
    bindparam,
    delete,
    event,
    select,
)
from sqlalchemy.orm import Mapped, mapped_column

from lms.cleaning import clean_line, clean_text
from lms.database import TimestampMixin, UTCDateTime, utcnow
from lms.extensions import db
from lms.service_error import ServiceError


class ContentTranslation(TimestampMixin, db.Model):
    """One field of one object in one language other than the object's original."""

    __tablename__ = "content_translations"
    __table_args__ = (
        UniqueConstraint("kind", "object_id", "field", "locale", name="uq_content_translation"),
        Index("ix_content_translations_object", "kind", "object_id", "locale"),
    )

    kind: Mapped[str] = mapped_column(String(40))
    object_id: Mapped[int]
    field: Mapped[str] = mapped_column(String(40))
    locale: Mapped[str] = mapped_column(String(8))
    text: Mapped[str] = mapped_column(Text)
    # Markdown fields: the sanitised HTML and its table of contents, rendered on save.
    html: Mapped[str] = mapped_column(Text, default="")
    toc_json: Mapped[str] = mapped_column(Text, default="[]")
    # SHA-256 of the original's text this translation was made from (out of date when differs).
    source_digest: Mapped[str] = mapped_column(String(64))
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
    updated_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))


@dataclass(frozen=True)
class Field:
    """A translatable field: ``name`` is the attribute holding the original text."""

    name: str
    label: object  # a lazy string
    limit: int
    multiline: bool = False
    markdown: bool = False
    required: bool = False  # a translation of this field may not be blank once the object has one
    # Structured fields (e.g. a JSON list of option texts): (object, cleaned text) -> the text
    # to store, normalised; raises ServiceError when it does not fit the original.
    check: Callable[[object, str], str] | None = None


@dataclass(frozen=True)
class Kind:
    name: str
    model: type
    fields: tuple[Field, ...]
    original_language: Callable[[object], str]
    # Markdown fields: (object, text) -> lms.markdown_rendering.RenderedMarkdown
    render: Callable[[object, str], object] | None = None
    # The original's rendered HTML of a Markdown field: (object, field name) -> str
    original_html: Callable[[object, str], str] | None = None

    def field(self, name: str) -> Field:
        for candidate in self.fields:
            if candidate.name == name:
                return candidate
        raise KeyError(f"{self.name} has no translatable field {name!r}")


_KINDS: dict[str, Kind] = {}
_KIND_OF_MODEL: dict[type, Kind] = {}


def register_kind(
    name: str,
    model: type,
    fields: Iterable[Field],
    *,
    original_language: Callable[[object], str],
    render: Callable[[object, str], object] | None = None,
    original_html: Callable[[object, str], str] | None = None,
) -> Kind:
    """Declare ``model``'s translatable fields. Called once per kind, at import time of the
    owning package; deleting an object deletes its translations."""
    kind = Kind(name, model, tuple(fields), original_language, render, original_html)
    if any(f.markdown for f in kind.fields) and render is None:
        raise ValueError(f"{name}: Markdown fields need a render function")
    existing = _KINDS.get(name)
    if existing is not None and existing.model is not model:
        raise ValueError(f"translation kind {name!r} is already registered")
    _KINDS[name] = kind
    _KIND_OF_MODEL[model] = kind
    if not event.contains(model, "after_delete", _delete_translations):
        event.listen(model, "after_delete", _delete_translations)
    return kind


def kinds() -> dict[str, Kind]:
    return dict(_KINDS)


def kind_of(obj_or_model) -> Kind:
    model = obj_or_model if isinstance(obj_or_model, type) else type(obj_or_model)
    try:
        return _KIND_OF_MODEL[model]
    except KeyError:
        raise KeyError(f"{model.__name__} is not registered for translation") from None


def _delete_translations(mapper, connection, target) -> None:
    kind = _KIND_OF_MODEL.get(type(target))
    if kind is not None:
        connection.execute(
            delete(ContentTranslation).where(
                ContentTranslation.kind == kind.name, ContentTranslation.object_id == target.id
            )
        )


def digest(text: str | None) -> str:
    return hashlib.sha256((text or "").encode("utf-8")).hexdigest()


def languages() -> tuple[str, ...]:
    return tuple(current_app.config["LANGUAGES"])


def current_locale() -> str:
    locale = get_locale()
    return str(locale) if locale is not None else current_app.config["BABEL_DEFAULT_LOCALE"]


# ---------------------------------------------------------------- reading


def _cache() -> dict:
    cache = g.get("_content_translations")
    if cache is None:
        cache = g._content_translations = {}
    return cache


# Built once: every page that shows content reads translations this way.
_TRANSLATIONS_OF = select(ContentTranslation).where(
    ContentTranslation.kind.in_(bindparam("kinds", expanding=True)),
    ContentTranslation.locale == bindparam("locale"),
    ContentTranslation.object_id.in_(bindparam("ids", expanding=True)),
)


def _load(ids_by_kind: dict[str, Iterable[int]], locale: str) -> None:
    """Cache the translations in ``locale`` of the objects not cached yet, of every kind at
    once: one query (per 500 ids). Rows of an id wanted under another kind only are skipped."""
    cache = _cache()
    wanted = {
        (name, object_id)
        for name, ids in ids_by_kind.items()
        for object_id in ids
        if object_id is not None and (name, object_id, locale) not in cache
    }
    if not wanted:
        return
    for name, object_id in wanted:
        cache[(name, object_id, locale)] = {}
    kinds = sorted({name for name, _ in wanted})
    ids = sorted({object_id for _, object_id in wanted})
    for chunk_start in range(0, len(ids), 500):
        rows = db.session.execute(
            _TRANSLATIONS_OF,
            {"kinds": kinds, "locale": locale, "ids": ids[chunk_start : chunk_start + 500]},
        ).scalars()
        for row in rows:
            if (row.kind, row.object_id) in wanted:
                cache[(row.kind, row.object_id, locale)][row.field] = row


def preload(objects: Iterable[object], locale: str | None = None) -> None:
    """Load the translations of many objects (of one or several kinds) with one query, so
    that reading them afterwards costs nothing. Objects in ``locale`` need none."""
    locale = locale or current_locale()
    ids_by_kind: dict[str, list[int]] = {}
    for obj in objects:
        if obj is None:
            continue
        kind = kind_of(obj)
        if kind.original_language(obj) == locale:
            continue
        ids_by_kind.setdefault(kind.name, []).append(obj.id)
    _load(ids_by_kind, locale)


def _row(obj, field: str, locale: str, current_only: bool = False) -> ContentTranslation | None:
    kind = kind_of(obj)
    if obj.id is None or kind.original_language(obj) == locale:
        return None
    key = (kind.name, obj.id, locale)
    cache = _cache()
    if key not in cache:
        _load({kind.name: [obj.id]}, locale)
    row = cache[key].get(field)
    if row is not None and current_only and row.source_digest != digest(getattr(obj, field)):
        return None  # out of date: the caller wants the original rather than a stale text
    return row


def text(obj, field: str, locale: str | None = None, *, current_only: bool = False) -> str:
    """The field in ``locale`` (the reader's by default), else the original. With
    ``current_only`` a translation whose original changed since counts as none (exam
    questions show the original rather than a translation of other words)."""
    row = _row(obj, field, locale or current_locale(), current_only)
    return row.text if row is not None else getattr(obj, field)


def html(obj, field: str, locale: str | None = None, *, current_only: bool = False) -> str:
    """A Markdown field's sanitised HTML in ``locale``, else the original's."""
    row = _row(obj, field, locale or current_locale(), current_only)
    if row is not None:
        return row.html
    kind = kind_of(obj)
    return kind.original_html(obj, field) if kind.original_html else ""


def toc(obj, field: str, locale: str | None = None) -> list | None:
    """A translated Markdown field's table of contents, or None when the original is shown."""
    row = _row(obj, field, locale or current_locale())
    return json.loads(row.toc_json or "[]") if row is not None else None


def shown_language(
    obj, field: str, locale: str | None = None, *, current_only: bool = False
) -> str:
    """The language the reader sees ``field`` in: ``locale`` where translated, else the
    original's."""
    locale = locale or current_locale()
    if _row(obj, field, locale, current_only) is not None:
        return locale
    return kind_of(obj).original_language(obj)


@dataclass(frozen=True)
class FieldState:
    field: Field
    original: str
    translation: str | None
    outdated: bool


def states(obj, locale: str) -> list[FieldState]:
    """Each translatable field: the original, its translation in ``locale`` (None if none) and
    whether the original changed since the translation was saved."""
    kind = kind_of(obj)
    rows = {
        row.field: row
        for row in db.session.scalars(
            select(ContentTranslation).where(
                ContentTranslation.kind == kind.name,
                ContentTranslation.object_id == obj.id,
                ContentTranslation.locale == locale,
            )
        )
    }
    result = []
    for f in kind.fields:
        original = getattr(obj, f.name) or ""
        row = rows.get(f.name)
        result.append(
            FieldState(
                f,
                original,
                row.text if row else None,
                bool(row) and row.source_digest != digest(original),
            )
        )
    return result


@dataclass(frozen=True)
class Coverage:
    locale: str
    translated: int  # fields with a translation
    total: int  # fields with an original text
    outdated: int

    @property
    def complete(self) -> bool:
        return self.translated >= self.total and not self.outdated


def coverage(
    objects: Iterable[object], locales: Iterable[str] | None = None
) -> dict[str, Coverage]:
    """For each language other than the objects' original: how many of their non-empty fields
    are translated and how many translations are out of date. One query per kind."""
    objects = [o for o in objects if o is not None]
    locales = tuple(locales or languages())
    counts = {loc: [0, 0, 0] for loc in locales}
    by_kind: dict[str, tuple[Kind, list]] = {}
    for obj in objects:
        by_kind.setdefault(kind_of(obj).name, (kind_of(obj), []))[1].append(obj)
    for kind, group in by_kind.values():
        rows: dict[tuple[int, str, str], ContentTranslation] = {}
        ids = [o.id for o in group]
        for start in range(0, len(ids), 500):
            for row in db.session.scalars(
                select(ContentTranslation).where(
                    ContentTranslation.kind == kind.name,
                    ContentTranslation.object_id.in_(ids[start : start + 500]),
                )
            ):
                rows[(row.object_id, row.locale, row.field)] = row
        for obj in group:
            original_locale = kind.original_language(obj)
            for f in kind.fields:
                original = getattr(obj, f.name) or ""
                if not original.strip():
                    continue
                for loc in locales:
                    if loc == original_locale:
                        continue
                    counts[loc][1] += 1
                    row = rows.get((obj.id, loc, f.name))
                    if row is not None:
                        counts[loc][0] += 1
                        if row.source_digest != digest(original):
                            counts[loc][2] += 1
    return {
        loc: Coverage(loc, *values)
        for loc, values in counts.items()
        if values[1] or loc not in {kind_of(o).original_language(o) for o in objects}
    }


# ---------------------------------------------------------------- writing


def _check_locale(kind: Kind, obj, locale: str) -> None:
    if locale not in languages():
        raise ServiceError(_l("This language is not offered on the site."), field="locale")
    if locale == kind.original_language(obj):
        raise ServiceError(
            _l("This is the original's language: edit the original instead."), field="locale"
        )


def save(
    obj, locale: str, values: dict[str, str | None], *, user=None, refresh: bool = True
) -> list[str]:
    """Store translations of ``obj`` in ``locale``: ``values`` maps field names to text; a blank
    value removes that field's translation (the original is shown again). Validated like the
    original (lengths, NUL), Markdown rendered and sanitised. Returns the names of the fields
    that changed. The caller commits.

    Saving records the original's current text as the one translated (``refresh``: a
    translator saving says the translation matches it). With ``refresh=False`` (imports) a
    text equal to the stored one is left alone, out-of-date mark included."""
    kind = kind_of(obj)
    _check_locale(kind, obj, locale)
    existing = {
        row.field: row
        for row in db.session.scalars(
            select(ContentTranslation).where(
                ContentTranslation.kind == kind.name,
                ContentTranslation.object_id == obj.id,
                ContentTranslation.locale == locale,
            )
        )
    }
    changed: list[str] = []
    for name, value in values.items():
        f = kind.field(name)
        cleaner = clean_text if (f.multiline or f.markdown) else clean_line
        cleaned = cleaner(value, field=f.name, limit=f.limit)
        if cleaned and f.check is not None:
            cleaned = f.check(obj, cleaned)
        original = getattr(obj, f.name) or ""
        row = existing.get(f.name)
        if not cleaned:
            if row is not None:
                db.session.delete(row)
                changed.append(f.name)
            continue
        source_digest = digest(original)
        if (
            row is not None
            and row.text == cleaned
            and (row.source_digest == source_digest or not refresh)
        ):
            continue
        if row is None:
            row = ContentTranslation(kind=kind.name, object_id=obj.id, field=f.name, locale=locale)
            db.session.add(row)
        row.text = cleaned
        row.source_digest = source_digest
        row.updated_by_id = getattr(user, "id", None)
        if f.markdown:
            # Rendered in the translation's language: words the renderer adds (the label of
            # a hidden model answer) are in the language of the text around them.
            with force_locale(locale):
                rendered = kind.render(obj, cleaned)
            row.html = rendered.html
            row.toc_json = json.dumps(rendered.toc, ensure_ascii=False)
        changed.append(f.name)
    cache = g.get("_content_translations")
    if cache is not None:
        cache.pop((kind.name, obj.id, locale), None)
    return changed


def export(obj) -> dict[str, dict[str, str]]:
    """Every translation of ``obj``: ``{locale: {field: text}}`` (for the export formats)."""
    kind = kind_of(obj)
    result: dict[str, dict[str, str]] = {}
    for row in db.session.scalars(
        select(ContentTranslation)
        .where(ContentTranslation.kind == kind.name, ContentTranslation.object_id == obj.id)
        .order_by(ContentTranslation.locale, ContentTranslation.field)
    ):
        result.setdefault(row.locale, {})[row.field] = row.text
    return result


def import_values(obj, translations: dict | None, *, user=None, refresh: bool = True) -> None:
    """Store ``{locale: {field: text}}`` as read from an import file; an unknown language or
    field is refused with a message naming it. ``refresh``: as for ``save``."""
    if not translations:
        return
    if not isinstance(translations, dict):
        raise ServiceError(_l("Translations must map languages to fields."), field="translations")
    kind = kind_of(obj)
    names = {f.name for f in kind.fields}
    for locale, values in translations.items():
        if not isinstance(values, dict) or not all(isinstance(v, str) for v in values.values()):
            raise ServiceError(
                _l("Translations into %(language)s must map fields to text.", language=locale),
                field="translations",
            )
        unknown = sorted(set(values) - names)
        if unknown:
            raise ServiceError(
                _l("Unknown field to translate: %(field)s.", field=", ".join(map(str, unknown))),
                field="translations",
            )
        save(obj, str(locale), values, user=user, refresh=refresh)


def init_app(app) -> None:
    """Templates read translations with ``tr(obj, 'title')`` and ``tr_html(obj, 'source')``."""
    app.add_template_global(text, "tr")
    app.add_template_global(html, "tr_html")
    app.add_template_global(shown_language, "tr_language")
