"""A trainee's next step in each course: the next module to read, then what the features above
offer once every module is read (the course's quiz, then a seminar, then the certificate).

``courses`` may not import ``quizzes``, ``seminars`` or ``certificates``; they register a
provider here at start-up (``add_next_step_provider``), in order. A provider is given the
user and the courses whose modules are all read, and returns the step it offers per course id
(a course it has nothing for is left out); the first provider with a step for a course wins.
Providers answer for many courses at once in a fixed number of queries, so the dashboard's
"My learning" panel stays constant in its queries however many courses a trainee takes.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass

from flask import Flask, current_app, url_for
from flask_babel import gettext as _

from courses.learning import Progress
from courses.models import Course
from lms import content_translations
from lms.models import User

PROVIDERS_KEY = "courses.next_step_providers"


@dataclass(frozen=True)
class NextStep:
    """What to do next in a course, said in the reader's language, and where."""

    kind: str  # "module", "quiz", "seminar", "certificate", ...
    label: str  # the link's text: "Take the quiz: ..."
    url: str
    details: tuple[str, ...] = ()  # short facts, in numbers: "20 questions", "pass mark 70 %"


Provider = Callable[[User, list[Course]], dict[int, NextStep]]


def add_next_step_provider(app: Flask, provider: Provider, order: int) -> None:
    """Register ``provider`` (quizzes 20, seminars 30, certificates 40)."""
    app.extensions.setdefault(PROVIDERS_KEY, []).append((order, provider))


def title_of(obj) -> str:
    """``obj.title`` in the reader's language where its kind is translatable, else as stored."""
    try:
        return content_translations.text(obj, "title")
    except KeyError:  # a kind not (yet) registered for translation
        return obj.title


def module_step(course: Course, progress: Progress) -> NextStep | None:
    module = progress.next_module
    if module is None or progress.course_completed:
        return None
    url = url_for("courses.module_page", slug=course.slug, module_slug=module.slug)
    if not progress.done:
        label = _("Start with the first module: %(title)s", title=title_of(module))
    else:
        label = _("Next module: %(title)s", title=title_of(module))
    read = _("%(done)d of %(total)d modules read", done=progress.done, total=progress.total)
    return NextStep("module", label, url, (read,))


def next_steps(user: User, rows: Iterable[tuple[Course, Progress]]) -> dict[int, NextStep]:
    """Course id -> the next step of ``user`` in it (none when there is nothing left to do)."""
    steps: dict[int, NextStep] = {}
    finished: list[Course] = []
    for course, progress in rows:
        step = module_step(course, progress)
        if step is not None:
            steps[course.id] = step
        elif progress.course_completed:
            finished.append(course)
    providers = sorted(current_app.extensions.get(PROVIDERS_KEY, []), key=lambda p: p[0])
    for _order, provider in providers:
        if not finished:
            break
        offered = provider(user, finished)
        for course in finished:
            if course.id in offered:
                steps[course.id] = offered[course.id]
        finished = [course for course in finished if course.id not in steps]
    return steps


def next_step(user: User, course: Course, progress: Progress) -> NextStep | None:
    if not user.is_authenticated:
        return None
    return next_steps(user, [(course, progress)]).get(course.id)
