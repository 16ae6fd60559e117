"""Reading a course's files safely, from a zip or a folder: limits on entries, sizes and
compression ratio, no links or paths outside the course; every problem with its file.

Part of courses as files (``content_bundle`` checks what is read, ``content_io`` imports and
exports)."""

from __future__ import annotations

import io
import re
import stat
import zipfile
import zlib
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from lms.service_error import ServiceError

MAX_ENTRIES = 500
MAX_ENTRY_BYTES = 25 * 1024 * 1024
MAX_TOTAL_BYTES = 200 * 1024 * 1024
MAX_RATIO = 100  # uncompressed / compressed, above which an entry looks like a zip bomb
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
    except (zipfile.BadZipFile, ValueError, NotImplementedError, EOFError):
        return None
    names = [
        info
        for info in infos
        if info.filename and not info.is_dir() and not JUNK.search(info.filename)
    ]
    tops = {info.filename.split("/", 1)[0] for info in names}
    nested = len(tops) == 1 and not any(info.filename == "course.yml" for info in names)
    modules = [
        info
        for info in names
        if info.filename.endswith(".md") and info.filename.count("/") == (1 if nested else 0)
    ]
    # Translations (``<lang>/<module>.md``) are text to import too, though not modules.
    depth = 1 if nested else 0
    texts = [
        info
        for info in names
        if info.filename.endswith(".md") and info.filename.count("/") in (depth, depth + 1)
    ]
    text_kb = -(-sum(info.file_size for info in texts) // 1024)
    if len(modules) > max_modules or text_kb > max_text_kb:
        return ImportTooLarge(len(modules), max_modules, text_kb, max_text_kb)
    return None


def _open(data: bytes) -> zipfile.ZipFile:
    """The zip, with no more than ``MAX_ENTRIES`` entries (its directory only is read)."""
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except (zipfile.BadZipFile, ValueError, NotImplementedError, EOFError):
        raise ImportFailed([Problem("(archive)", None, "not a valid .zip file")]) from None
    if len(archive.infolist()) > MAX_ENTRIES:
        archive.close()
        raise ImportFailed([Problem("(archive)", None, f"more than {MAX_ENTRIES} entries")])
    return archive


def check_zip(data: bytes) -> None:
    """The cheap part of ``read_zip``, from the zip's directory alone: raise ImportFailed
    with the same problems if it is not a zip or holds too many entries."""
    _open(data).close()


def read_zip(data: bytes) -> dict[str, bytes]:
    """The files of a course zip, refusing anything unsafe; paths are relative to course.yml."""
    problems: list[Problem] = []
    archive = _open(data)
    entries: dict[str, bytes] = {}
    total = 0
    with archive:
        for info in archive.infolist():
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
            except (
                zipfile.BadZipFile,
                RuntimeError,
                NotImplementedError,
                OSError,
                EOFError,  # a truncated entry (issue 18: found by fuzzing)
                zlib.error,
            ) as exc:
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
    if (
        not name
        or "\\" in name
        or name.startswith("/")
        or re.match(r"^[A-Za-z]:", name)
        or "\x00" in name
    ):
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
