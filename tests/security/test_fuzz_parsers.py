"""Parsers fed hostile input with hypothesis (issue 18): certificate numbers, course imports
(zip and YAML), roster imports and Markdown. Each answers with its result or its own refusal
(NumberError, ImportFailed, ServiceError), never another exception, and its work is bounded
by the input: output sizes, entry counts, and Markdown's deterministic scan-step counter (no
wall-clock assertions)."""

from __future__ import annotations

import io
import stat
import zipfile

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from certificates import numbers
from courses import content_archive, content_bundle
from courses.content_archive import ImportFailed
from lms import markdown_rendering
from lms.markdown_limits import SCAN_STEPS_FLOOR, SCAN_STEPS_PER_CHARACTER
from lms.service_error import ServiceError
from seminars import roster


def fixture_ok(examples: int) -> settings:
    return settings(
        max_examples=examples,
        deadline=None,
        database=None,
        suppress_health_check=[HealthCheck.function_scoped_fixture],
    )


# --- certificate numbers -------------------------------------------------------------------

number_like = st.one_of(
    st.text(max_size=300),
    st.text(
        alphabet="0123456789ABCDEFGHJKMNPQRSTVWXYZOILoil*~$=U -_.\u2212ＫＺＭ－７", max_size=40
    ),
    st.builds(numbers.new_number, st.sampled_from(["KZM", "", "kz-m"])),
)


@settings(max_examples=500, deadline=None, database=None)
@given(text=number_like, prefix=st.sampled_from(["KZM", "", "kz m", "ＫＺＭ"]))
@example(text="ﷺ" * 200, prefix="KZM")  # NFKC makes 18 characters of each
def test_a_typed_number_is_read_or_refused_as_a_number_error(text, prefix):
    try:
        number = numbers.parse(text, prefix)
    except numbers.NumberError as error:
        assert error.kind in {"format", "check"}
        return
    assert len(number.body) == numbers.SYMBOLS
    assert numbers.parse(str(number), prefix) == number  # the canonical form reads back


# --- course zips ---------------------------------------------------------------------------

name_part = st.sampled_from(
    ["course.yml", "a.md", "images", "x.png", "..", ".", "", "C:", "\\", "materials", "top"]
) | st.text(min_size=1, max_size=8)
entry_name = st.lists(name_part, min_size=1, max_size=4).map("/".join)
entry = st.tuples(
    entry_name,
    st.binary(max_size=300),
    st.sampled_from([0, stat.S_IFLNK | 0o777, stat.S_IFREG | 0o644, stat.S_IFDIR | 0o755]),
    st.sampled_from([zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED]),
)


def _zip(entries) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        for name, data, mode, compression in entries:
            info = zipfile.ZipInfo(name)
            info.external_attr = mode << 16
            info.compress_type = compression
            archive.writestr(info, data)
    return out.getvalue()


def _mutated(data: bytes, flips: list[tuple[int, int]]) -> bytes:
    buffer = bytearray(data)
    for position, value in flips:
        if buffer:
            buffer[position % len(buffer)] = value
    return bytes(buffer)


zips = st.one_of(
    st.binary(max_size=500),
    st.lists(entry, max_size=8).map(_zip),
    st.builds(
        _mutated,
        st.lists(entry, min_size=1, max_size=4).map(_zip),
        st.lists(st.tuples(st.integers(0, 10_000), st.integers(0, 255)), max_size=6),
    ),
)


def _patched(offset: int, value: bytes) -> bytes:
    """A one-entry course zip whose central directory entry has ``value`` at ``offset``."""
    data = bytearray(_zip([("course.yml", b"title: x\n", 0, zipfile.ZIP_STORED)]))
    start = data.rfind(b"PK\x01\x02") + offset
    data[start : start + len(value)] = value
    return bytes(data)


@pytest.mark.filterwarnings("ignore:Duplicate name")
@settings(max_examples=300, deadline=None, database=None)
@given(data=zips)
# Each raised an unexpected exception (a 500 on import) until issue 18's fuzzing:
@example(data=_zip([("", b"x", 0, zipfile.ZIP_STORED)]))  # IndexError: an empty name
@example(data=_patched(6, (64).to_bytes(2, "little")))  # NotImplementedError: version 6.4
@example(data=_patched(20, (60_000).to_bytes(4, "little") * 2))  # EOFError: truncated entry
def test_a_course_zip_is_read_safely_or_refused_with_its_problems(data):
    assert content_archive.check_import_size(data, max_modules=50, max_text_kb=512) is None or True
    try:
        entries = content_archive.read_zip(data)
    except ImportFailed as failed:
        assert failed.problems
        return
    assert len(entries) <= content_archive.MAX_ENTRIES
    assert sum(map(len, entries.values())) <= content_archive.MAX_TOTAL_BYTES
    assert sum(map(len, entries.values())) <= len(data) * content_archive.MAX_RATIO + 2**20
    for name in entries:
        assert not name.startswith("/") and "\\" not in name
        assert ".." not in name.split("/")


# --- course YAML ---------------------------------------------------------------------------

yaml_scalar = st.one_of(
    st.sampled_from(["a.md", "b.md", "x", "published", "draft", "en", "kk", "~", "[", "]", "{",
                     "&a", "*a", "!!binary", "!!python/object:os.system", "? ", "- ", ": "]),
    st.integers(-5, 700).map(str),
    st.text(max_size=12),
)  # fmt: skip
yaml_line = st.tuples(
    st.sampled_from(sorted(content_bundle.COURSE_KEYS | {"other", "- file", "  title"})),
    st.lists(yaml_scalar, max_size=4).map(" ".join),
).map(lambda pair: f"{pair[0]}: {pair[1]}")
course_yml = st.one_of(
    st.lists(yaml_line, max_size=10).map("\n".join),
    st.text(max_size=200),
)
module_md = st.one_of(
    st.lists(
        st.sampled_from(["title: T", "slug: a-b", "minutes: 5", "minutes: true", "slug: [1]",
                         "title: &t [x, *t]", "x: y", "body", "![i](images/x.png)"]),
        max_size=6,
    ).map(lambda lines: "---\n" + "\n".join(lines) + "\n---\nText\n"),
    st.text(max_size=120),
)  # fmt: skip


def _laughs(depth: int) -> str:
    lines = ['a0: &a0 ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
    lines += [f"a{i}: &a{i} [" + ",".join([f"*a{i - 1}"] * 9) + "]" for i in range(1, depth)]
    last = f"*a{depth - 1}"
    return "\n".join(
        [*lines, f"modules: [{last}, {last}]", f"materials: [{{file: x, title: {last}}}]"]
    )


@fixture_ok(300)
@given(course=course_yml, module=module_md, raw=st.binary(max_size=40))
@example(course=_laughs(9), module="", raw=b"")  # 9**9 "lol"s if anything expanded them
@example(course="modules: " + "[" * 5_000 + "]" * 5_000, module="", raw=b"")
@example(course="title: x\nmodules: [a.md]", module="---\ntitle: " + "[" * 5_000, raw=b"")
@example(course="modules: [[a.md], a.md]", module="", raw=b"")  # was a TypeError
def test_a_course_bundle_is_checked_or_refused_with_bounded_problems(app, course, module, raw):
    entries = {"course.yml": course.encode(), "a.md": module.encode(), "b.md": raw}
    size = sum(map(len, entries.values()))
    try:
        bundle = content_bundle.parse_bundle(entries)
    except ImportFailed as failed:
        # Problems are reported per line or value written: never more than the text allows.
        assert len(failed.problems) <= 10 * (size + 10)
        assert len(str(failed)) <= 400 * (size + 10)
        return
    assert len(bundle.modules) <= 2


# --- rosters -------------------------------------------------------------------------------

roster_cell = st.one_of(
    st.sampled_from(["Әсел Төлеуова", "a@example.kz", "A@Example.KZ", "email", '"', ";", ",",
                     "\t", "=cmd|' /C calc'!A0", "x" * 300, "\x00", "\r"]),
    st.text(max_size=20),
)  # fmt: skip
roster_text = st.lists(
    st.lists(roster_cell, max_size=5).map(lambda cells: ";".join(cells)), max_size=12
).map("\n".join)
roster_bytes = st.one_of(
    roster_text.flatmap(
        lambda text: st.sampled_from(["utf-8", "utf-8-sig", "cp1251", "koi8_r", "utf-16"]).map(
            lambda codec: text.encode(codec, errors="replace")
        )
    ),
    st.binary(max_size=200),
)


@fixture_ok(200)
@given(data=roster_bytes, encoding=st.sampled_from([None, "utf-8", "cp1251", "latin-9"]))
@example(data="Әсел Төлеуова\r;a\rb@example.kz\n".encode(), encoding=None)  # was csv.Error
@example(data=b'"' + b"x" * 200_000 + b'"', encoding=None)  # a field over csv's limit
def test_a_roster_is_previewed_or_refused_as_a_service_error(app, data, encoding):
    try:
        preview = roster.parse_roster(data, encoding)
    except ServiceError:
        return
    assert preview.codec in roster.ENCODINGS
    assert 0 < len(preview.lines) <= roster.MAX_ROWS
    assert len(preview.lines) <= data.count(b"\n") + data.count(b"\r") + 1


def test_a_roster_of_too_many_lines_stops_at_the_limit(app):
    data = "\n".join(f"Name {i} Surname;p{i}@example.kz" for i in range(5_000)).encode()
    with pytest.raises(ServiceError):
        roster.parse_roster(data)


# --- Markdown ------------------------------------------------------------------------------

markdown_text = st.one_of(
    st.text(max_size=400),
    st.lists(
        st.sampled_from(["[", "]", "(", ")", "![", "*[", "`", "```", "\n", "\n\n", "# ", "> ",
                         "- ", "1. ", "|", "---", ": ", "<script>", "&", "*", "_", "\"", "x",
                         "javascript:", "[^1]", "    "]),
        max_size=300,
    ).map("".join),
)  # fmt: skip


@fixture_ok(300)
@given(source=markdown_text, repeat=st.sampled_from([1, 1, 50]))
def test_markdown_renders_any_text_with_work_and_output_bounded_by_its_length(
    monkeypatch_scope, source, repeat
):
    source = source * repeat
    made = []
    original = markdown_rendering._markdown

    def recording(**kwargs):
        made.append(original(**kwargs))
        return made[-1]

    with monkeypatch_scope() as patch:
        patch.setattr(markdown_rendering, "_markdown", recording)
        rendered = markdown_rendering.render_markdown(source)
    budget = SCAN_STEPS_FLOOR + SCAN_STEPS_PER_CHARACTER * len(source)
    assert made[0].scan_budget.spent <= budget  # link scanning: the deterministic cost counter
    assert len(rendered.html) <= 60 * len(source) + 200
    assert "<script" not in rendered.html.lower()


@pytest.fixture
def monkeypatch_scope():
    return pytest.MonkeyPatch.context
