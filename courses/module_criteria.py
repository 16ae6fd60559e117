"""Which qualification criteria a module teaches (issue 20): trainers mark them in the module
editor, course files carry them (front matter ``criteria: [C1-LAW, ...]``) and a quiz's
review links each criterion to the modules that teach it.

Criteria belong to ``quizzes``, above this package, so a link is stored as the criterion's
*code*: a course file travels between sites and is imported before the quiz side creates
its criteria (seed-demo imports courses first), so a file may name a code no criterion has
yet; readers simply find no criterion for it. The editor offers the site's criteria, which
``quizzes`` hands over at start-up (:func:`set_criteria_source`). Links are not course
content: like a module's slug or reading time, they change at once, not with an edition.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable

from flask import Flask, current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import ForeignKey, String, UniqueConstraint, select
from sqlalchemy.orm import Mapped, mapped_column, relationship

from courses.models import Course, CourseStatus, Module, ModuleState
from lms.database import TimestampMixin
from lms.extensions import db
from lms.service_error import ServiceError

# The shape of a criterion's code (quizzes.models.Criterion.code: at most 20 characters).
CODE = re.compile(r"^[A-Z0-9][A-Z0-9_.-]{0,19}$")
MAX_CODES = 20


class ModuleCriterion(TimestampMixin, db.Model):
    """A module teaches the criterion with this code."""

    __tablename__ = "module_criteria"
    __table_args__ = (UniqueConstraint("module_id", "code"),)

    module_id: Mapped[int] = mapped_column(ForeignKey("modules.id", ondelete="CASCADE"))
    code: Mapped[str] = mapped_column(String(20), index=True)

    module: Mapped[Module] = relationship(
        backref=db.backref(
            "criterion_links",
            order_by="ModuleCriterion.code",
            cascade="all, delete-orphan",
            passive_deletes=True,
        )
    )


# --- the site's criteria, handed over by quizzes -----------------------------------------------


def set_criteria_source(app: Flask, source: Callable[[], dict[str, str]]) -> None:
    """``source()`` gives the active criteria as ``{code: title in the reader's language}``."""
    app.extensions["module_criteria_source"] = source


def known_criteria() -> dict[str, str]:
    source = current_app.extensions.get("module_criteria_source")
    return dict(source()) if source is not None else {}


# --- reading and writing -----------------------------------------------------------------------


def codes_of(module: Module) -> list[str]:
    return [link.code for link in module.criterion_links]


def clean_codes(codes: Iterable[object], allowed: Iterable[str] | None = None) -> list[str]:
    """The codes sorted and without repeats. A code of the wrong shape, or one not in
    ``allowed`` (the editor's choices) when given, is a ``ServiceError``."""
    offered = None if allowed is None else set(allowed)
    cleaned: set[str] = set()
    for code in codes:
        text = code.strip() if isinstance(code, str) else ""
        if not CODE.match(text):
            shown = code if isinstance(code, str | int) else type(code).__name__
            raise ServiceError(
                _l("“%(code)s” is not a criterion code (such as C1-LAW).", code=str(shown)[:40]),
                field="criteria",
            )
        if offered is not None and text not in offered:
            raise ServiceError(_l("There is no criterion “%(code)s”.", code=text), field="criteria")
        cleaned.add(text)
    if len(cleaned) > MAX_CODES:
        raise ServiceError(
            _l("A module may teach at most %(n)d criteria.", n=MAX_CODES), field="criteria"
        )
    return sorted(cleaned)


def set_codes(module: Module, codes: Iterable[object], *, commit: bool = True) -> bool:
    """Make ``codes`` the criteria the module teaches (committing, with whatever else the
    caller changed, unless ``commit=False``); returns whether the links changed."""
    wanted = clean_codes(codes)
    current = {link.code: link for link in module.criterion_links}
    changed = sorted(current) != wanted
    for code, link in current.items():
        if code not in wanted:
            module.criterion_links.remove(link)
    for code in wanted:
        if code not in current:
            module.criterion_links.append(ModuleCriterion(code=code))
    db.session.flush()
    if commit:
        db.session.commit()
    return changed


def teaching_modules(codes: Iterable[str]) -> dict[str, list[Module]]:
    """Per code, the modules trainees can read that teach it: live modules of published
    courses, by course title and module position (one query)."""
    wanted = set(codes)
    found: dict[str, list[Module]] = {code: [] for code in wanted}
    if not wanted:
        return found
    rows = db.session.execute(
        select(ModuleCriterion.code, Module)
        .join(Module, Module.id == ModuleCriterion.module_id)
        .join(Course, Course.id == Module.course_id)
        .where(
            ModuleCriterion.code.in_(wanted),
            Course.status == CourseStatus.PUBLISHED.value,
            Module.state != ModuleState.ADDED.value,
        )
        .order_by(Course.title, Course.id, Module.position)
    ).all()
    for code, module in rows:
        found[code].append(module)
    return found
