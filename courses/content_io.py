"""Courses as files: a folder (or a zip of it) with ``course.yml``, one Markdown file per
module with YAML front matter, and ``images/`` and ``materials/`` folders.

Reading is strict and all-or-nothing: every problem is reported with its file and line, and
nothing reaches the database (or the upload folder) unless the whole course is sound.
Export is deterministic, so export -> import -> export gives byte-identical files.
"""

from __future__ import annotations

import io
import re
import stat
import zipfile
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

import frontmatter
import yaml
from flask import current_app
from sqlalchemy import select, update

from courses import authoring, files, permissions
from courses.models import Course, CourseFile, CourseStatus, Module
from lms import file_storage
from lms.database import utcnow
from lms.extensions import db
from lms.models import User
from lms.service_error import ServiceError
from lms.text_limits import COURSE_COVER, MODULE_SOURCE
from lms.yaml_files import dump_readable, yaml_error

MAX_ENTRIES = 500
MAX_ENTRY_BYTES = 25 * 1024 * 1024
MAX_TOTAL_BYTES = 200 * 1024 * 1024
MAX_RATIO = 100  # uncompressed / compressed, above which an entry looks like a zip bomb
MODULE_FILE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]*\.md$")
ASSET_FILE = re.compile(r"^[a-z0-9][a-z0-9._-]{0,118}\.[a-z0-9]{2,5}$")
COURSE_KEYS = {"slug", "title", "language", "summary", "cover", "status", "modules", "materials"}
FRONT_MATTER_KEYS = {"title", "slug", "minutes"}
ZIP_DATE = (1980, 1, 1, 0, 0, 0)
EXTENSIONS_OF = {"jpg": {"jpg", "jpeg"}}
# Files that operating systems add to archives by themselves; never part of a course.
JUNK = re.compile(r"(^|/)(__MACOSX/|\.DS_Store$|Thumbs\.db$|desktop\.ini$)")


@dataclass(frozen=True)
class Problem:
    file: str
    line: int | None
    message: str

    def __str__(self) -> str:
        where = f"{self.file}:{self.line}" if self.line else self.file
        return f"{where}: {self.message}"


class ImportFailed(ServiceError):
    """The content could not be imported; ``problems`` says where and why."""

    def __init__(self, problems: list[Problem]) -> None:
        self.problems = problems
        super().__init__("; ".join(str(problem) for problem in problems))


@dataclass
class ModuleFile:
    filename: str
    title: str
    slug: str
    minutes: int | None
    source: str
    slug_line: int | None = None
    body_offset: int = 0  # lines before the body, to report body problems at their line


@dataclass
class CourseBundle:
    slug: str
    title: str
    language: str
    summary: str
    cover: str
    status: str
    modules: list[ModuleFile] = field(default_factory=list)
    images: dict[str, bytes] = field(default_factory=dict)
    materials: list[tuple[str, str, bytes]] = field(default_factory=list)  # filename, title, data


# --- reading files safely ----------------------------------------------------------------


@dataclass(frozen=True)
class ImportTooLarge:
    """Why an archive is more than one web import may take (an import runs inside a request)."""

    modules: int
    max_modules: int
    text_kb: int
    max_text_kb: int


def check_import_size(data: bytes, *, max_modules: int, max_text_kb: int) -> ImportTooLarge | None:
    """Count the module files of a course zip from its directory alone, before reading any
    of them; ``None`` if the import fits the limits (or the zip is not readable: read_zip
    says why). The sizes are what the directory declares; read_zip never reads more."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            infos = archive.infolist()
    except (zipfile.BadZipFile, ValueError):
        return None
    names = [info for info in infos if not info.is_dir() and not JUNK.search(info.filename)]
    tops = {info.filename.split("/", 1)[0] for info in names}
    nested = len(tops) == 1 and not any(info.filename == "course.yml" for info in names)
    modules = [
        info
        for info in names
        if info.filename.endswith(".md") and info.filename.count("/") == (1 if nested else 0)
    ]
    text_kb = -(-sum(info.file_size for info in modules) // 1024)
    if len(modules) > max_modules or text_kb > max_text_kb:
        return ImportTooLarge(len(modules), max_modules, text_kb, max_text_kb)
    return None


def read_zip(data: bytes) -> dict[str, bytes]:
    """The files of a course zip, refusing anything unsafe; paths are relative to course.yml."""
    problems: list[Problem] = []
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except (zipfile.BadZipFile, ValueError):
        raise ImportFailed([Problem("(archive)", None, "not a valid .zip file")]) from None
    entries: dict[str, bytes] = {}
    total = 0
    with archive:
        infos = archive.infolist()
        if len(infos) > MAX_ENTRIES:
            raise ImportFailed([Problem("(archive)", None, f"more than {MAX_ENTRIES} entries")])
        for info in infos:
            name = info.filename
            if JUNK.search(name):
                continue
            problem = _unsafe_entry(info)
            if problem:
                problems.append(Problem(name, None, problem))
                continue
            if info.is_dir():
                continue
            if name in entries:
                problems.append(Problem(name, None, "appears twice in the archive"))
                continue
            try:
                content = _read_capped(archive, info)
            except ValueError as exc:
                problems.append(Problem(name, None, str(exc)))
                continue
            except (zipfile.BadZipFile, RuntimeError, NotImplementedError, OSError) as exc:
                problems.append(Problem(name, None, f"cannot be read ({exc})"))
                continue
            total += len(content)
            if total > MAX_TOTAL_BYTES:
                raise ImportFailed([Problem(name, None, "the archive unpacks to too much data")])
            entries[name] = content
    if problems:
        raise ImportFailed(problems)
    return _strip_top_folder(entries)


def _unsafe_entry(info: zipfile.ZipInfo) -> str | None:
    name = info.filename
    mode = info.external_attr >> 16
    if stat.S_ISLNK(mode):
        return "symbolic links are not allowed"
    if info.flag_bits & 0x1:
        return "encrypted entries are not allowed"
    if "\\" in name or name.startswith("/") or re.match(r"^[A-Za-z]:", name) or "\x00" in name:
        return "absolute or malformed path"
    if any(part in ("..", "") for part in PurePosixPath(name).parts) or ".." in name.split("/"):
        return "path leaves the course folder (..)"
    if info.file_size > MAX_ENTRY_BYTES:
        return "entry is too large"
    if (
        info.compress_size
        and info.file_size / info.compress_size > MAX_RATIO
        and info.file_size > 1024 * 1024
    ):
        return "suspicious compression ratio (zip bomb?)"
    return None


def _read_capped(archive: zipfile.ZipFile, info: zipfile.ZipInfo) -> bytes:
    """Read at most MAX_ENTRY_BYTES, whatever the header claims."""
    with archive.open(info) as handle:
        content = handle.read(MAX_ENTRY_BYTES + 1)
    if len(content) > MAX_ENTRY_BYTES:
        raise ValueError("entry is too large")
    return content


def _strip_top_folder(entries: dict[str, bytes]) -> dict[str, bytes]:
    if "course.yml" in entries:
        return entries
    tops = {name.split("/", 1)[0] for name in entries}
    if len(tops) == 1:
        top = tops.pop()
        if f"{top}/course.yml" in entries:
            return {name[len(top) + 1 :]: data for name, data in entries.items()}
    raise ImportFailed([Problem("course.yml", None, "not found at the top of the archive")])


def read_folder(folder: Path) -> dict[str, bytes]:
    """The files of a course folder; symbolic links and oversized files are refused."""
    if not folder.is_dir():
        raise ImportFailed([Problem(str(folder), None, "is not a folder")])
    problems: list[Problem] = []
    entries: dict[str, bytes] = {}
    total = 0
    for path in sorted(folder.rglob("*")):
        relative = path.relative_to(folder).as_posix()
        if path.is_symlink():
            problems.append(Problem(relative, None, "symbolic links are not allowed"))
            continue
        if path.is_dir():
            continue
        if len(entries) >= MAX_ENTRIES:
            raise ImportFailed([Problem(str(folder), None, f"more than {MAX_ENTRIES} files")])
        size = path.stat().st_size
        if size > MAX_ENTRY_BYTES:
            problems.append(Problem(relative, None, "file is too large"))
            continue
        total += size
        if total > MAX_TOTAL_BYTES:
            raise ImportFailed([Problem(str(folder), None, "the folder holds too much data")])
        entries[relative] = path.read_bytes()
    if problems:
        raise ImportFailed(problems)
    return entries


# --- parsing -------------------------------------------------------------------------------


def _text(name: str, data: bytes, problems: list[Problem]) -> str | None:
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        problems.append(Problem(name, line, "is not valid UTF-8 text"))
        return None


def _yaml_problem(name: str, exc: yaml.YAMLError, offset: int = 0) -> Problem:
    line, reason = yaml_error(exc, offset)
    return Problem(name, line, f"invalid YAML: {reason}")


def _key_line(text: str, key: str, offset: int = 0) -> int | None:
    for number, line in enumerate(text.splitlines(), start=1):
        if re.match(rf"^\s*-?\s*{re.escape(key)}\s*:", line):
            return number + offset
    return None


def parse_bundle(entries: dict[str, bytes]) -> CourseBundle:
    """Check every file of a course and return its content, or raise ImportFailed."""
    problems: list[Problem] = []
    raw = entries.get("course.yml")
    if raw is None:
        raise ImportFailed([Problem("course.yml", None, "is missing")])
    text = _text("course.yml", raw, problems)
    if text is None:
        raise ImportFailed(problems)
    try:
        meta = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise ImportFailed([_yaml_problem("course.yml", exc)]) from None
    if not isinstance(meta, dict):
        raise ImportFailed([Problem("course.yml", 1, "must be a mapping of keys to values")])

    def need(key: str, kind: type, required: bool = True):
        value = meta.get(key)
        if value is None:
            if required:
                problems.append(Problem("course.yml", None, f"“{key}” is missing"))
            return None
        if not isinstance(value, kind):
            problems.append(
                Problem("course.yml", _key_line(text, key), f"“{key}” must be a {kind.__name__}")
            )
            return None
        return value

    for key in sorted(set(meta) - COURSE_KEYS, key=str):
        problems.append(Problem("course.yml", _key_line(text, str(key)), f"unknown key “{key}”"))
    slug = need("slug", str) or ""
    if slug and not authoring.SLUG_PATTERN.match(slug):
        problems.append(Problem("course.yml", _key_line(text, "slug"), "slug is not valid"))
    language = need("language", str) or "en"
    if language not in current_app.config["LANGUAGES"]:
        problems.append(
            Problem(
                "course.yml",
                _key_line(text, "language"),
                f"language must be one of {', '.join(current_app.config['LANGUAGES'])}",
            )
        )
    status = need("status", str, required=False) or CourseStatus.DRAFT.value
    if status not in {s.value for s in CourseStatus}:
        problems.append(Problem("course.yml", _key_line(text, "status"), "unknown status"))
    bundle = CourseBundle(
        slug=slug,
        title=need("title", str) or "",
        language=language,
        summary=need("summary", str, required=False) or "",
        cover=need("cover", str, required=False) or "",
        status=status,
    )
    if len(bundle.cover) > COURSE_COVER:
        message = f"“cover” has {len(bundle.cover)} characters; at most {COURSE_COVER}"
        problems.append(Problem("course.yml", _key_line(text, "cover"), message))
    module_names = need("modules", list) or []
    if not module_names and status == CourseStatus.PUBLISHED:
        problems.append(
            Problem(
                "course.yml",
                _key_line(text, "status"),
                "a published course needs at least one module",
            )
        )
    seen_slugs: dict[str, str] = {}
    for name in module_names:
        line = _key_line(text, "modules")
        if not isinstance(name, str) or not MODULE_FILE.match(name):
            problems.append(Problem("course.yml", line, f"module file name “{name}” is not valid"))
            continue
        if name not in entries:
            problems.append(Problem(name, None, "is listed in course.yml but missing"))
            continue
        module = _parse_module(name, entries[name], problems)
        if module is None:
            continue
        if module.slug in seen_slugs:
            also = seen_slugs[module.slug]
            message = f"duplicate slug “{module.slug}” (also in {also})"
            problems.append(Problem(name, module.slug_line, message))
            continue
        seen_slugs[module.slug] = name
        bundle.modules.append(module)
    listed = set(module_names)
    for name in sorted(entries):
        if "/" not in name and name.endswith(".md") and name not in listed:
            problems.append(Problem(name, None, "is not listed in course.yml “modules”"))
    _collect_assets(entries, meta.get("materials") or [], text, bundle, problems)
    if problems:
        raise ImportFailed(problems)
    return bundle


def _parse_module(name: str, data: bytes, problems: list[Problem]) -> ModuleFile | None:
    text = _text(name, data, problems)
    if text is None:
        return None
    if not text.lstrip().startswith("---"):
        problems.append(Problem(name, 1, "must start with YAML front matter between --- lines"))
        return None
    try:
        meta, body = frontmatter.parse(text)
    except yaml.YAMLError as exc:
        problems.append(_yaml_problem(name, exc, offset=1))
        return None
    before = len(problems)
    for key in sorted(set(meta) - FRONT_MATTER_KEYS, key=str):
        problems.append(
            Problem(name, _key_line(text, str(key)), f"unknown front matter key “{key}”")
        )
    title, slug, minutes = meta.get("title"), meta.get("slug"), meta.get("minutes")
    if not isinstance(title, str) or not title.strip():
        problems.append(Problem(name, _key_line(text, "title") or 2, "“title” is missing"))
    elif len(title.strip()) > 200:
        problems.append(
            Problem(name, _key_line(text, "title"), "“title” is longer than 200 characters")
        )
    if (
        not isinstance(slug, str)
        or not authoring.SLUG_PATTERN.match(slug)
        or slug in authoring.RESERVED_MODULE_SLUGS
    ):
        problems.append(
            Problem(name, _key_line(text, "slug") or 2, "“slug” is missing or not valid")
        )
    if minutes is not None and (
        not isinstance(minutes, int) or isinstance(minutes, bool) or not 1 <= minutes <= 600
    ):
        problems.append(Problem(name, _key_line(text, "minutes"), "“minutes” must be 1 to 600"))
    if len(problems) > before:
        return None
    offset = text[: text.find(body)].count("\n") if body else 0
    if len(body) > MODULE_SOURCE:
        message = f"the text has {len(body)} characters; at most {MODULE_SOURCE}"
        problems.append(Problem(name, offset + 1, message))
        return None
    return ModuleFile(
        name,
        title.strip(),
        slug,
        minutes,
        body,
        slug_line=_key_line(text, "slug"),
        body_offset=offset,
    )


def _collect_assets(entries, materials_meta, course_text, bundle, problems) -> None:
    titles: dict[str, str] = {}
    if not isinstance(materials_meta, list):
        problems.append(
            Problem("course.yml", _key_line(course_text, "materials"), "“materials” must be a list")
        )
        materials_meta = []
    for item in materials_meta:
        if not isinstance(item, dict) or not isinstance(item.get("file"), str):
            problems.append(
                Problem(
                    "course.yml",
                    _key_line(course_text, "materials"),
                    "each material needs a “file” (and may have a “title”)",
                )
            )
            continue
        titles[item["file"]] = str(item.get("title") or item["file"])
    for name, data in sorted(entries.items()):
        folder, _, filename = name.partition("/")
        if folder not in ("images", "materials") or not filename:
            if "/" in name:
                problems.append(
                    Problem(
                        name,
                        None,
                        "unexpected file (only images/ and materials/ folders are allowed)",
                    )
                )
            continue
        if not ASSET_FILE.match(filename):
            problems.append(
                Problem(
                    name,
                    None,
                    "file name must be lowercase letters, digits, dots, hyphens or underscores",
                )
            )
            continue
        try:
            checked = files.check_image(data) if folder == "images" else files.check_material(data)
        except ServiceError as error:
            problems.append(Problem(name, None, str(error.message)))
            continue
        if filename.rsplit(".", 1)[-1] not in EXTENSIONS_OF.get(
            checked.extension, {checked.extension}
        ):
            problems.append(
                Problem(
                    name,
                    None,
                    f"content is {checked.extension.upper()}, but the name says otherwise",
                )
            )
            continue
        if folder == "images":
            bundle.images[filename] = data
        else:
            bundle.materials.append((filename, titles.pop(filename, filename), data))
    for missing in titles:
        problems.append(
            Problem(
                "course.yml",
                _key_line(course_text, "materials"),
                f"material “{missing}” is not in the materials/ folder",
            )
        )
    for module in bundle.modules:
        for number, line in enumerate(module.source.splitlines(), start=1):
            for image in re.findall(r"\]\(\s*images/([^)\s]+)", line):
                if image not in bundle.images:
                    message = f"uses images/{image}, which is not in the archive"
                    problems.append(Problem(module.filename, module.body_offset + number, message))


# --- writing to the database ---------------------------------------------------------------


@dataclass
class ImportResult:
    course: Course
    created: bool
    new_versions: int
    kept_modules: list[str]


def import_bundle(bundle: CourseBundle, *, owner: User, update: bool = False) -> ImportResult:
    """Create or update the course in one transaction; on any error nothing is kept."""
    existing = db.session.scalar(select(Course).where(Course.slug == bundle.slug))
    if existing is not None and not update:
        raise ImportFailed(
            [
                Problem(
                    "course.yml",
                    None,
                    f"a course with slug “{bundle.slug}” "
                    "already exists; import with update to add new revisions",
                )
            ]
        )
    if existing is not None and not permissions.can_edit(owner, existing):
        raise ImportFailed(
            [Problem("course.yml", None, f"you may not edit the existing course “{bundle.slug}”")]
        )
    stored: list[str] = []
    replaced: list[str] = []
    try:
        result = _write(bundle, existing, owner, stored, replaced)
        db.session.commit()
    except ServiceError as error:
        db.session.rollback()
        _forget(stored)
        if isinstance(error, ImportFailed):
            raise
        raise ImportFailed([Problem("course.yml", None, str(error.message))]) from None
    except Exception:
        db.session.rollback()
        _forget(stored)
        raise
    _forget(replaced)  # only now that the new rows are committed
    return result


def _forget(stored: list[str]) -> None:
    for name in stored:
        file_storage.delete(name)


def _write(
    bundle: CourseBundle, course: Course | None, owner: User, stored: list[str], replaced: list[str]
):
    created = course is None
    details = {
        "title": bundle.title,
        "slug": bundle.slug,
        "summary": bundle.summary,
        "language": bundle.language,
        "cover_source": bundle.cover,
        "commit": False,
    }
    if course is None:
        course = authoring.create_course(owner, **details)
    else:
        authoring.update_course(course, **details)
    by_slug = {module.slug: module for module in course.modules}
    new_versions = 0
    ordered_ids = []
    for item in bundle.modules:
        module = by_slug.pop(item.slug, None)
        if module is None:
            module = authoring.create_module(
                course,
                owner,
                title=item.title,
                slug=item.slug,
                source=item.source,
                minutes=item.minutes,
                commit=False,
            )
        elif authoring.update_module(
            module,
            owner,
            title=item.title,
            slug=item.slug,
            source=item.source,
            minutes=item.minutes,
            note="Imported",
            commit=False,
        ):
            new_versions += 1
        ordered_ids.append(module.id)
    kept = [module.title for module in by_slug.values()]
    db.session.flush()
    _replace_files(course, bundle, owner, stored, replaced)
    _set_order(course, ordered_ids + [module.id for module in by_slug.values()])
    if bundle.status == CourseStatus.PUBLISHED:
        course.published_at = course.published_at or utcnow()
    course.status = bundle.status
    return ImportResult(course, created, new_versions, kept)


def _set_order(course: Course, ids: list[int]) -> None:
    db.session.execute(
        update(Module).where(Module.course_id == course.id).values(position=-Module.position - 1000)
    )
    for position, module_id in enumerate(ids, start=1):
        db.session.execute(update(Module).where(Module.id == module_id).values(position=position))
    db.session.expire(course, ["modules"])


def _replace_files(
    course: Course, bundle: CourseBundle, owner: User, stored: list[str], replaced: list[str]
) -> None:
    current = {
        (f.kind, f.filename): f
        for f in db.session.scalars(select(CourseFile).where(CourseFile.course_id == course.id))
    }
    wanted = [("image", name, name, data) for name, data in sorted(bundle.images.items())]
    wanted += [("material", name, title, data) for name, title, data in bundle.materials]
    for kind, filename, title, data in wanted:
        old = current.get((kind, filename))
        if old is not None:
            # Images are stored without their metadata: compare with what would be stored.
            wanted_bytes = files.strip_image_metadata(data) if kind == "image" else data
            same_bytes = file_storage.read_bytes(old.stored_name) == wanted_bytes
            if same_bytes and (kind == "image" or old.title == title):
                continue  # image titles are set on the web; the files do not carry them
            replaced.append(old.stored_name)
            if kind == "image":
                title = old.title
            db.session.delete(old)
            db.session.flush()
        record = files.add_file(
            course,
            kind=kind,
            data=data,
            original_name=filename,
            uploaded_by=owner,
            title=title,
            commit=False,
        )
        stored.append(record.stored_name)
        if record.filename != filename:
            record.filename = filename


# --- export ----------------------------------------------------------------------------------


def export_files(course: Course) -> dict[str, bytes]:
    """The course as files (relative path -> bytes), always the same bytes for the same course."""
    output: dict[str, bytes] = {}
    module_names = []
    for module in course.modules:
        name = f"{module.position:02d}-{module.slug}.md"
        module_names.append(name)
        head = dump_readable(
            {"title": module.title, "slug": module.slug, "minutes": module.minutes}
        )
        output[name] = f"---\n{head}---\n\n{module.source}\n".encode()
    records = db.session.scalars(
        select(CourseFile)
        .where(CourseFile.course_id == course.id)
        .order_by(CourseFile.kind, CourseFile.filename)
    )
    materials = []
    for record in records:
        folder = "images" if record.kind == "image" else "materials"
        output[f"{folder}/{record.filename}"] = file_storage.read_bytes(record.stored_name)
        if record.kind == "material":
            materials.append({"file": record.filename, "title": record.title})
    meta = {
        "slug": course.slug,
        "title": course.title,
        "language": course.language,
        "summary": course.summary,
        "status": course.status,
        "cover": course.cover_source,
        "modules": module_names,
    }
    if materials:
        meta["materials"] = materials
    output["course.yml"] = dump_readable(meta).encode()
    return dict(sorted(output.items()))


def export_zip(course: Course) -> bytes:
    """A zip whose entries sit in a folder named after the course, with fixed timestamps."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for name, data in export_files(course).items():
            info = zipfile.ZipInfo(f"{course.slug}/{name}", date_time=ZIP_DATE)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16
            archive.writestr(info, data)
    return buffer.getvalue()


def export_folder(course: Course, target: Path) -> Path:
    folder = target / course.slug
    if folder.exists() and any(folder.iterdir()):
        raise ServiceError(f"{folder} exists and is not empty")
    for name, data in export_files(course).items():
        path = folder / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
    return folder
