"""Checking a course read from files: ``course.yml``, one Markdown file per module with YAML
front matter, ``images/`` and ``materials/``. Strict and all-or-nothing: every problem is
reported with its file and line, and nothing is returned unless the whole course is sound.

Translations (issue 19) sit in one folder per language, named by its code (``ru/``, ``kk/``):
``<lang>/course.yml`` may give ``title``, ``summary`` and ``cover``, and ``<lang>/<module
file>.md`` (the same name as the module's file) a front matter ``title`` and the translated
text as its body. A folder for a language the site does not offer, or for the course's own
language, and any other key are refused. They become ``translations`` (``{locale: {field:
text}}``, the fields of courses.translations) of the course and of each module."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field

import frontmatter
import yaml
from flask import current_app

from courses import authoring, files, module_criteria
from courses.content_archive import ImportFailed, Problem
from courses.models import CourseStatus
from lms.service_error import ServiceError
from lms.text_limits import COURSE_COVER, MODULE_SOURCE
from lms.yaml_files import load_yaml, yaml_error

MODULE_FILE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]*\.md$")
ASSET_FILE = re.compile(r"^[a-z0-9][a-z0-9._-]{0,118}\.[a-z0-9]{2,5}$")
COURSE_KEYS = {"slug", "title", "language", "summary", "cover", "status", "modules", "materials"}
FRONT_MATTER_KEYS = {"title", "slug", "minutes", "criteria"}
# A translation's keys in the files -> the translated field (courses.translations).
COURSE_TRANSLATION_KEYS = {"title": "title", "summary": "summary", "cover": "cover_source"}
MODULE_TRANSLATION_KEYS = {"title": "title"}
LANGUAGE_FOLDER = re.compile(r"^[a-z]{2,3}(-[A-Za-z0-9]{2,8})?$")
TRANSLATION_LIMITS = {"title": 200, "summary": 500, "cover_source": COURSE_COVER}
EXTENSIONS_OF = {"jpg": {"jpg", "jpeg"}}


@dataclass
class ModuleFile:
    filename: str
    title: str
    slug: str
    minutes: int | None
    source: str
    slug_line: int | None = None
    body_offset: int = 0  # lines before the body, to report body problems at their line
    translations: dict[str, dict[str, str]] = field(default_factory=dict)
    criteria: list[str] | None = None  # codes taught; None: the file does not say


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
    translations: dict[str, dict[str, str]] = field(default_factory=dict)


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


def parse_bundle(
    entries: dict[str, bytes], on_module: Callable[[int, int], None] | None = None
) -> CourseBundle:
    """Check every file of a course and return its content, or raise ImportFailed.
    ``on_module(done, total)`` is called after each module file listed in course.yml."""
    problems: list[Problem] = []
    raw = entries.get("course.yml")
    if raw is None:
        raise ImportFailed([Problem("course.yml", None, "is missing")])
    text = _text("course.yml", raw, problems)
    if text is None:
        raise ImportFailed(problems)
    try:
        meta = load_yaml(text)
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
    for done, name in enumerate(module_names, start=1):
        if on_module is not None and done > 1:
            on_module(done - 1, len(module_names))
        line = _key_line(text, "modules")
        if not isinstance(name, str) or not MODULE_FILE.match(name):
            # Not the YAML value itself when it is not text: aliases of aliases ("billion
            # laughs") print exponentially long.
            shown = name if isinstance(name, str) else type(name).__name__
            problems.append(Problem("course.yml", line, f"module file name “{shown}” is not valid"))
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
    if on_module is not None and module_names:
        on_module(len(module_names), len(module_names))
    listed = {name for name in module_names if isinstance(name, str)}
    for name in sorted(entries):
        if "/" not in name and name.endswith(".md") and name not in listed:
            problems.append(Problem(name, None, "is not listed in course.yml “modules”"))
    translated = {
        name: data
        for name, data in entries.items()
        if "/" in name and LANGUAGE_FOLDER.match(name.split("/", 1)[0])
    }
    assets = {name: data for name, data in entries.items() if name not in translated}
    _collect_assets(assets, meta.get("materials") or [], text, bundle, problems)
    _parse_translations(translated, bundle, problems)
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
    criteria = _criteria(name, text, meta, problems)
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
        criteria=criteria,
    )


def _criteria(name: str, text: str, meta: dict, problems: list[Problem]) -> list[str] | None:
    """The front matter's ``criteria``: a list of criterion codes (courses.module_criteria)."""
    if "criteria" not in meta:
        return None
    codes = meta["criteria"] if meta["criteria"] is not None else []
    line = _key_line(text, "criteria")
    if not isinstance(codes, list) or len(codes) > module_criteria.MAX_CODES:
        limit = module_criteria.MAX_CODES
        message = f"“criteria” must be a list of at most {limit} criterion codes"
        problems.append(Problem(name, line, message))
        return None
    wrong = [
        code for code in codes if not isinstance(code, str) or not module_criteria.CODE.match(code)
    ]
    if wrong:
        shown = wrong[0] if isinstance(wrong[0], str) else type(wrong[0]).__name__
        message = f"“{shown[:40]}” in “criteria” is not a criterion code (such as C1-LAW)"
        problems.append(Problem(name, line, message))
        return None
    return sorted(set(codes))


def _parse_translations(entries: dict[str, bytes], bundle: CourseBundle, problems) -> None:
    """Read the language folders into ``bundle.translations`` and each module's."""
    languages = current_app.config["LANGUAGES"]
    modules = {module.filename: module for module in bundle.modules}
    for name, data in sorted(entries.items()):
        locale, _, filename = name.partition("/")
        if locale not in languages:
            message = (
                f"unknown language “{locale}”: translations may be in "
                f"{', '.join(code for code in languages if code != bundle.language)}"
            )
            problems.append(Problem(name, None, message))
            continue
        if locale == bundle.language:
            message = f"the course is written in “{locale}”: its text goes in the main files"
            problems.append(Problem(name, None, message))
            continue
        text = _text(name, data, problems)
        if text is None:
            continue
        if filename == "course.yml":
            values = _translation_values(name, text, COURSE_TRANSLATION_KEYS, problems)
            if values is not None:
                bundle.translations[locale] = values
        elif filename in modules:
            values = _module_translation(name, text, problems)
            if values is not None:
                modules[filename].translations[locale] = values
                source = values["source"]
                offset = text[: text.find(source)].count("\n") if source else 0
                _check_images(name, source, offset, bundle, problems)
        elif "/" not in filename and filename.endswith(".md"):
            message = "has no module of that name (listed in course.yml “modules”) to translate"
            problems.append(Problem(name, None, message))
        else:
            message = "unexpected file (a language folder holds course.yml and module files)"
            problems.append(Problem(name, None, message))


def _translation_values(name, text, keys, problems, offset=0, meta=None) -> dict | None:
    """The translated fields of a YAML mapping (``course.yml`` or front matter), checked."""
    if meta is None:
        try:
            meta = load_yaml(text)
        except yaml.YAMLError as exc:
            problems.append(_yaml_problem(name, exc, offset))
            return None
    if meta is None:
        meta = {}
    if not isinstance(meta, dict):
        problems.append(Problem(name, 1, "must be a mapping of keys to values"))
        return None
    values: dict[str, str] = {}
    before = len(problems)
    for key in sorted(meta, key=str):
        line = _key_line(text, str(key))
        if key not in keys:
            allowed = ", ".join(f"“{k}”" for k in keys)
            message = f"unknown key “{key}” (a translation may give {allowed})"
            problems.append(Problem(name, line, message))
            continue
        value = meta[key]
        if value is None:
            value = ""
        if not isinstance(value, str):
            problems.append(Problem(name, line, f"“{key}” must be a str"))
            continue
        field_name = keys[key]
        if len(value.strip()) > TRANSLATION_LIMITS[field_name]:
            limit = TRANSLATION_LIMITS[field_name]
            message = f"“{key}” has {len(value.strip())} characters; at most {limit}"
            problems.append(Problem(name, line, message))
            continue
        values[field_name] = value
    return values if len(problems) == before else None


def _module_translation(name: str, text: str, problems: list[Problem]) -> dict | None:
    if not text.lstrip().startswith("---"):
        problems.append(Problem(name, 1, "must start with YAML front matter between --- lines"))
        return None
    try:
        meta, body = frontmatter.parse(text)
    except yaml.YAMLError as exc:
        problems.append(_yaml_problem(name, exc, offset=1))
        return None
    values = _translation_values(name, text, MODULE_TRANSLATION_KEYS, problems, meta=meta)
    if values is None:
        return None
    if len(body) > MODULE_SOURCE:
        message = f"the text has {len(body)} characters; at most {MODULE_SOURCE}"
        problems.append(Problem(name, None, message))
        return None
    values["source"] = body
    return values


def _check_images(name: str, source: str, offset: int, bundle: CourseBundle, problems) -> None:
    for number, line in enumerate(source.splitlines(), start=1):
        for image in re.findall(r"\]\(\s*images/([^)\s]+)", line):
            if image not in bundle.images:
                message = f"uses images/{image}, which is not in the archive"
                problems.append(Problem(name, offset + number, message))


def _collect_assets(entries, materials_meta, course_text, bundle, problems) -> None:
    titles: dict[str, str] = {}
    if not isinstance(materials_meta, list):
        problems.append(
            Problem("course.yml", _key_line(course_text, "materials"), "“materials” must be a list")
        )
        materials_meta = []
    for item in materials_meta:
        if (
            not isinstance(item, dict)
            or not isinstance(item.get("file"), str)
            or isinstance(item.get("title"), list | dict)  # str() of aliases grows exponentially
        ):
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
        _check_images(module.filename, module.source, module.body_offset, bundle, problems)
