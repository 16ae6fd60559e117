"""What trainers do to courses: create and edit them, write modules, keep revisions, publish.

Every function commits once at its end (``commit=False`` lets the importer batch many into one
all-or-nothing transaction). Markdown is rendered here, when saved, never on page views.
"""

from __future__ import annotations

import difflib
import json
import re
import unicodedata
from dataclasses import dataclass

from flask import current_app, url_for
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select, update

from courses.models import Course, CourseOwner, CourseStatus, Module, ModuleRevision, ModuleState
from lms import accounts
from lms.cleaning import clean_line
from lms.database import commit_or_refuse, utcnow
from lms.extensions import db
from lms.markdown_rendering import RenderedMarkdown, render_markdown
from lms.models import Role, User
from lms.service_error import ServiceError
from lms.text_limits import COURSE_COVER, MODULE_SOURCE, check_length

SLUG_PATTERN = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
# Module slugs share the URL space of a course page with these routes.
RESERVED_MODULE_SLUGS = {"images", "materials", "enrol", "complete", "edit"}
WORDS_PER_MINUTE = 200

_TRANSLITERATION = str.maketrans(
    {
        "а": "a", "ә": "a", "б": "b", "в": "v", "г": "g", "ғ": "g", "д": "d", "е": "e",
        "ё": "e", "ж": "zh", "з": "z", "и": "i", "й": "i", "к": "k", "қ": "q", "л": "l",
        "м": "m", "н": "n", "ң": "n", "о": "o", "ө": "o", "п": "p", "р": "r", "с": "s",
        "т": "t", "у": "u", "ұ": "u", "ү": "u", "ф": "f", "х": "kh", "һ": "h", "ц": "ts",
        "ч": "ch", "ш": "sh", "щ": "shch", "ъ": "", "ы": "y", "і": "i", "ь": "", "э": "e",
        "ю": "iu", "я": "ia",
    }
)  # fmt: skip


def slugify(text: str) -> str:
    """A URL slug from a title in Latin or Cyrillic (Kazakh and Russian letters included)."""
    text = (text or "").lower().translate(_TRANSLITERATION)
    text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "-", text).strip("-")[:80].strip("-")


def check_slug(slug: str, *, reserved: set[str] = frozenset()) -> str:
    slug = (slug or "").strip()
    if not SLUG_PATTERN.match(slug) or len(slug) > 80:
        raise ServiceError(
            _l("Use lowercase Latin letters, digits and single hyphens, e.g. “legal-framework”."),
            field="slug",
        )
    if slug in reserved:
        raise ServiceError(_l("“%(slug)s” is reserved; choose another.", slug=slug), field="slug")
    return slug


def normalise_source(source: str) -> str:
    """Markdown as stored: LF line ends, no surrounding blank space (browsers send CRLF)."""
    return (source or "").replace("\r\n", "\n").replace("\r", "\n").strip()


def reading_minutes(source: str) -> int:
    return max(1, round(len((source or "").split()) / WORDS_PER_MINUTE))


def _check_language(language: str) -> str:
    if language not in current_app.config["LANGUAGES"]:
        raise ServiceError(_l("Choose one of the offered languages."), field="language")
    return language


SLUG_TAKEN = _l("Another course already uses this address (slug).")
MODULE_SLUG_TAKEN = _l("Another module of this course uses this slug.")


# --- courses -----------------------------------------------------------------------------


def create_course(
    owner: User,
    *,
    title: str,
    slug: str = "",
    summary: str = "",
    language: str = "en",
    cover_source: str = "",
    commit: bool = True,
) -> Course:
    title = clean_line(title, field="title", limit=200, required=True)
    language = _check_language(language)
    course = Course(
        title=title,
        slug=check_slug(slug or slugify(title)),
        summary=clean_line(summary, field="summary", limit=500),
        language=language,
        cover_source=check_length(normalise_source(cover_source), COURSE_COVER, "cover_source"),
        cover_html=render_markdown(cover_source, language=language).html,
        status=CourseStatus.DRAFT.value,
    )
    course.ownerships.append(CourseOwner(user_id=owner.id))
    db.session.add(course)
    commit_or_refuse(SLUG_TAKEN, field="slug", commit=commit)
    return course


def update_course(
    course: Course,
    *,
    title: str,
    slug: str,
    summary: str,
    language: str,
    cover_source: str,
    commit: bool = True,
) -> Course:
    course.title = clean_line(title, field="title", limit=200, required=True)
    course.slug = check_slug(slug)
    course.summary = clean_line(summary, field="summary", limit=500)
    course.language = _check_language(language)
    cover_source = check_length(normalise_source(cover_source), COURSE_COVER, "cover_source")
    if cover_source != course.cover_source:
        course.cover_source = cover_source
        course.cover_html = render_markdown(cover_source, language=course.language).html
    commit_or_refuse(SLUG_TAKEN, field="slug", commit=commit)
    return course


def set_status(course: Course, status: CourseStatus | str) -> Course:
    status = CourseStatus(status)
    if status == course.status:
        return course
    if course.is_published and has_draft(course):
        raise ServiceError(
            _l(
                "This course has unpublished changes: publish them as a new edition or "
                "discard them first."
            )
        )
    if status == CourseStatus.PUBLISHED:
        count = db.session.scalar(
            select(func.count(Module.id)).where(Module.course_id == course.id)
        )
        if not count:
            raise ServiceError(_l("Add at least one module before publishing the course."))
        course.published_at = course.published_at or utcnow()
        course.edition = course.edition or 1
    course.status = status.value
    db.session.commit()
    return course


def add_owner(course: Course, email: str) -> User:
    user = accounts.get_user_by_email(email)
    if user is None or user.role not in (Role.TRAINER, Role.ADMIN) or not user.active:
        raise ServiceError(_l("No active trainer has this email address."), field="email")
    if any(ownership.user_id == user.id for ownership in course.ownerships):
        raise ServiceError(_l("This trainer already edits the course."), field="email")
    course.ownerships.append(CourseOwner(user_id=user.id))
    db.session.commit()
    return user


def remove_owner(course: Course, user_id: int) -> None:
    remaining = [o for o in course.ownerships if o.user_id != user_id]
    if len(remaining) == len(course.ownerships):
        raise ServiceError(_l("This person does not edit the course."))
    if not remaining:
        raise ServiceError(_l("A course needs at least one trainer."))
    course.ownerships[:] = remaining
    db.session.commit()


# --- where course Markdown's relative links point -----------------------------------------


def course_folder_url(course: Course) -> str:
    """The address a course's Markdown is written relative to, as in its exported folder:
    ``images/x.png`` means ``/courses/<slug>/images/x.png``. Module pages live in this folder
    (``/courses/<slug>/<module>``), so the stored HTML keeps its relative links (a new slug
    or an export never breaks them); other pages render with ``render_for_page``."""
    return url_for("courses.course_page", slug=course.slug) + "/"


def render_for_page(course: Course, source: str, language: str | None = None) -> RenderedMarkdown:
    """Course Markdown for a page at another address (the editor's preview), its relative
    links and images resolved against ``course_folder_url``: the same targets as on the
    module's own page. ``language`` is the text's (a translation's), else the course's."""
    return render_markdown(
        source, base_url=course_folder_url(course), language=language or course.language
    )


# --- modules -----------------------------------------------------------------------------


def render_into(module: Module, language: str) -> None:
    """Render on save, in the course's language (the label of a hidden model answer)."""
    rendered = render_markdown(module.source, language=language)
    module.html = rendered.html
    module.toc_json = json.dumps(rendered.toc, ensure_ascii=False)


def _check_minutes(minutes: int | None, source: str) -> int:
    if minutes is None:
        return reading_minutes(source)
    if not 1 <= minutes <= 600:
        raise ServiceError(_l("Reading time must be between 1 and 600 minutes."), field="minutes")
    return minutes


def create_module(
    course: Course,
    author: User | None,
    *,
    title: str,
    slug: str = "",
    source: str = "",
    minutes: int | None = None,
    commit: bool = True,
) -> Module:
    title = clean_line(title, field="title", limit=200, required=True)
    source = check_length(normalise_source(source), MODULE_SOURCE, "source")
    last = db.session.scalar(select(func.max(Module.position)).where(Module.course_id == course.id))
    module = Module(
        course_id=course.id,
        position=(last or 0) + 1,
        title=title,
        slug=check_slug(slug or slugify(title), reserved=RESERVED_MODULE_SLUGS),
        source=source,
        minutes=_check_minutes(minutes, source),
        version=1,
        # In a published course a new module waits for the next edition.
        state=ModuleState.ADDED.value if course.is_published else ModuleState.LIVE.value,
        edition=course.edition,
    )
    render_into(module, course.language)
    module.revisions.append(
        ModuleRevision(version=1, title=title, source=module.source, author_id=_id(author))
    )
    db.session.add(module)
    commit_or_refuse(MODULE_SLUG_TAKEN, field="slug", commit=commit)
    return module


def _id(user: User | None) -> int | None:
    return user.id if user is not None else None


def update_module(
    module: Module,
    author: User | None,
    *,
    title: str,
    slug: str,
    source: str,
    minutes: int | None = None,
    note: str = "",
    commit: bool = True,
) -> bool:
    """Save a module; a change of title or text makes a new version. Returns whether it did.

    In a published course (a module trainees see) the new version is *pending*: one draft
    revision, rewritten by further saves, that the next edition publishes (see
    ``courses.editions``); trainees keep the current text until then. The slug and reading
    time apply at once."""
    title = clean_line(title, field="title", limit=200, required=True)
    source = check_length(normalise_source(source), MODULE_SOURCE, "source")
    module.slug = check_slug(slug, reserved=RESERVED_MODULE_SLUGS)
    module.minutes = _check_minutes(minutes, source)
    if module.course.is_published and module.state != ModuleState.ADDED:
        changed = _save_pending(module, author, title, source, note)
        commit_or_refuse(MODULE_SLUG_TAKEN, field="slug", commit=commit)
        return changed
    changed = title != module.title or source != module.source
    if changed:
        module.title = title
        module.source = source
        module.version += 1
        render_into(module, module.course.language)
        module.revisions.append(
            ModuleRevision(
                version=module.version,
                title=title,
                source=module.source,
                author_id=_id(author),
                note=(note or "")[:200],
            )
        )
    commit_or_refuse(MODULE_SLUG_TAKEN, field="slug", commit=commit)
    return changed


def pending_revision(module: Module) -> ModuleRevision | None:
    if module.pending_version is None:
        return None
    return revision(module, module.pending_version)


def draft_text(module: Module) -> tuple[str, str]:
    """The title and text a trainer edits: the pending revision's, else the current ones."""
    pending = pending_revision(module)
    if pending is not None:
        return pending.title, pending.source
    return module.title, module.source


def draft_version(module: Module) -> int:
    return module.pending_version or module.version


def _save_pending(module: Module, author: User | None, title: str, source: str, note: str) -> bool:
    pending = pending_revision(module)
    if pending is not None and (pending.title, pending.source) == (title, source):
        return False
    if pending is None and (module.title, module.source) == (title, source):
        return False
    if (module.title, module.source) == (title, source):  # back to what trainees read
        db.session.delete(pending)
        module.pending_version = None
        return True
    if pending is None:
        module.pending_version = module.version + 1
        module.revisions.append(
            ModuleRevision(
                version=module.pending_version,
                title=title,
                source=source,
                author_id=_id(author),
                note=(note or "")[:200],
            )
        )
    else:
        pending.title, pending.source = title, source
        pending.author_id, pending.note = _id(author), (note or "")[:200]
    return True


def has_draft(course: Course) -> bool:
    """Whether a published course has changes waiting for its next edition (one query)."""
    if course.draft_order is not None:
        return True
    return (
        db.session.scalar(
            select(Module.id)
            .where(
                Module.course_id == course.id,
                (Module.state != ModuleState.LIVE.value) | Module.pending_version.is_not(None),
            )
            .limit(1)
        )
        is not None
    )


def draft_modules(course: Course) -> list[Module]:
    """Every module of the course in the order the trainer edits (the pending order if any)."""
    modules = list(course.all_modules)
    if course.draft_order is None:
        return modules
    order = {module_id: index for index, module_id in enumerate(json.loads(course.draft_order))}
    return sorted(modules, key=lambda m: (order.get(m.id, len(order)), m.position))


def revision(module: Module, version: int) -> ModuleRevision | None:
    return db.session.scalar(
        select(ModuleRevision).where(
            ModuleRevision.module_id == module.id, ModuleRevision.version == version
        )
    )


def restore_revision(module: Module, version: int, author: User | None) -> Module:
    """Restoring makes a new version with the old text; history is never rewritten."""
    old = revision(module, version)
    if old is None:
        raise ServiceError(_l("There is no such version."))
    if (old.title, old.source) == draft_text(module):
        raise ServiceError(_l("The module already has this text."))
    update_module(
        module,
        author,
        title=old.title,
        slug=module.slug,
        source=old.source,
        minutes=None,
        note=str(_l("Restored version %(version)d", version=version)),
    )
    return module


@dataclass(frozen=True)
class DiffLine:
    kind: str  # "add", "remove", "context" or "hunk"
    text: str


def diff_revisions(older: ModuleRevision, newer: ModuleRevision) -> list[DiffLine]:
    """Line diff of two versions' text (title changes shown as the first line)."""
    before = [f"# {older.title}", *older.source.splitlines()]
    after = [f"# {newer.title}", *newer.source.splitlines()]
    lines = []
    for line in difflib.unified_diff(before, after, lineterm="", n=2):
        if line.startswith(("---", "+++")):
            continue
        if line.startswith("@@"):
            lines.append(DiffLine("hunk", line))
        elif line.startswith("+"):
            lines.append(DiffLine("add", line[1:]))
        elif line.startswith("-"):
            lines.append(DiffLine("remove", line[1:]))
        else:
            lines.append(DiffLine("context", line[1:]))
    return lines


def reorder_modules(course: Course, ordered_ids: list[int]) -> None:
    """Give the course's modules the order of ``ordered_ids`` (every module exactly once);
    in a published course, as the pending order of the next edition."""
    current = {module.id for module in course.all_modules}
    if sorted(ordered_ids) != sorted(current):
        raise ServiceError(_l("The new order must list every module of the course once."))
    if course.is_published:
        by_position = [module.id for module in course.all_modules]
        course.draft_order = None if ordered_ids == by_position else json.dumps(ordered_ids)
        db.session.commit()
        return
    apply_order(course, ordered_ids)
    db.session.commit()
    db.session.expire(course)


def apply_order(
    course: Course, ordered_ids: list[int]
) -> None:  # Two steps so that the unique (course, position) constraint holds at every moment.
    db.session.execute(
        update(Module).where(Module.course_id == course.id).values(position=-Module.position)
    )
    for position, module_id in enumerate(ordered_ids, start=1):
        db.session.execute(update(Module).where(Module.id == module_id).values(position=position))


def move_module(module: Module, offset: int) -> None:
    """Move a module ``offset`` places up (negative) or down (positive), within bounds."""
    ids = [m.id for m in draft_modules(module.course)]
    index = ids.index(module.id)
    target = min(max(index + offset, 0), len(ids) - 1)
    if target == index:
        return
    ids.insert(target, ids.pop(index))
    reorder_modules(module.course, ids)


def delete_module(module: Module) -> None:
    """Delete a module; in a published course, one trainees see is only marked for removal
    by the next edition (``keep_module`` takes the mark back)."""
    course = module.course
    if course.is_published and module.state != ModuleState.ADDED:
        module.state = ModuleState.REMOVED.value
        db.session.commit()
        return
    order = [m.id for m in draft_modules(course) if m.id != module.id]
    db.session.delete(module)
    db.session.flush()
    if course.is_published:
        course.draft_order = json.dumps(order) if course.draft_order is not None else None
        db.session.commit()
        db.session.expire(course)
        return
    remaining = [m.id for m in course.all_modules if m.id != module.id]
    db.session.expire(course)
    if remaining:
        reorder_modules(course, remaining)
    else:
        db.session.commit()


def keep_module(module: Module) -> None:
    """Take back a pending removal: the module stays in the next edition."""
    if module.state == ModuleState.REMOVED:
        module.state = ModuleState.LIVE.value
        db.session.commit()
