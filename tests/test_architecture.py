"""The packages form a dependency graph that points one way, and modules keep their privates.

```
lms  <-  courses  <-  seminars  <-  assessments  <-  certificates
                  <-  quizzes   <-  assessments
```

A package may import itself and the packages it depends on (transitively), nothing else:
``seminars`` and ``quizzes`` are siblings that never import each other. ``lms`` imports no
feature package, except inside ``create_app``, the composition root. No module imports a
private name (``_name``) of another module, or reaches into one as ``module._name``.
"""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

# Each package and the packages it may import directly (besides itself).
DEPENDS_ON = {
    "lms": set(),
    "courses": {"lms"},
    "seminars": {"courses"},
    "quizzes": {"courses"},
    "assessments": {"seminars", "quizzes"},
    "certificates": {"assessments"},
}


def allowed(package: str) -> set[str]:
    """``package`` and everything below it in the graph."""
    seen, todo = {package}, [package]
    while todo:
        for below in DEPENDS_ON[todo.pop()]:
            if below not in seen:
                seen.add(below)
                todo.append(below)
    return seen


def _module_name(root: Path, path: Path) -> str:
    parts = list(path.relative_to(root).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _functions_named(tree: ast.AST, name: str) -> set[int]:
    """Ids of the nodes inside functions called ``name``."""
    inside = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.FunctionDef) and node.name == name:
            inside |= {id(inner) for inner in ast.walk(node)}
    return inside


def _private(name: str) -> bool:
    return name.startswith("_") and not name.startswith("__")


# Private names of other libraries imported on purpose, each with its reason. certificates/pdf.py
# embeds fonts exactly as fpdf2 2.8.9's OutputProducer does (issued PDFs are rendered again
# byte for byte), with two of its helpers: fpdf2 is pinned to that version (pyproject.toml)
# and tests/certificates/test_pdf_golden.py holds the bytes.
ALLOWED_PRIVATE_IMPORTS = {
    ("certificates/pdf.py", "fpdf.output", "_build_cmap_blocks"),
    ("certificates/pdf.py", "fpdf.output", "_tt_font_widths"),
}


def violations(root: Path) -> list[str]:
    problems = []
    for package in DEPENDS_ON:
        may_import = allowed(package)
        for path in sorted((root / package).rglob("*.py")):
            tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
            here = _module_name(root, path)
            composition_root = _functions_named(tree, "create_app") if package == "lms" else set()
            imported_modules: dict[str, str] = {}  # local name -> module
            for node in ast.walk(tree):
                where = f"{path.relative_to(root)}:{getattr(node, 'lineno', 0)}"
                targets: list[str] = []
                if isinstance(node, ast.Import):
                    targets = [alias.name for alias in node.names]
                    for alias in node.names:
                        imported_modules[alias.asname or alias.name.split(".")[0]] = alias.name
                elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                    targets = [node.module]
                    for alias in node.names:
                        imported_modules[alias.asname or alias.name] = f"{node.module}.{alias.name}"
                        allowed_here = (str(path.relative_to(root)), node.module, alias.name)
                        if (
                            _private(alias.name)
                            and node.module != here
                            and allowed_here not in ALLOWED_PRIVATE_IMPORTS
                        ):
                            problems.append(
                                f"{where} imports the private {alias.name} of {node.module}"
                            )
                for target in targets:
                    top = target.split(".")[0]
                    if (
                        top in DEPENDS_ON
                        and top not in may_import
                        and id(node) not in composition_root
                    ):
                        problems.append(f"{where} imports {top} (not below {package})")
            for node in ast.walk(tree):
                if (
                    isinstance(node, ast.Attribute)
                    and isinstance(node.value, ast.Name)
                    and _private(node.attr)
                    and node.value.id in imported_modules
                    and imported_modules[node.value.id].split(".")[0] in DEPENDS_ON
                    and imported_modules[node.value.id] != here
                ):
                    module = imported_modules[node.value.id]
                    problems.append(
                        f"{path.relative_to(root)}:{node.lineno} uses the private "
                        f"{node.attr} of {module}"
                    )
    return problems


def test_packages_only_import_down_the_graph_and_keep_their_privates():
    assert violations(ROOT) == []


def test_every_package_is_in_the_graph():
    packages = {
        path.parent.name
        for path in ROOT.glob("*/__init__.py")
        if path.parent.name not in {"tests", "migrations", "benchmarks"}
    }
    assert packages == set(DEPENDS_ON)


def test_checker_catches_upward_and_sideways_imports_and_private_names(tmp_path):
    for package in DEPENDS_ON:
        (tmp_path / package).mkdir()
        (tmp_path / package / "__init__.py").write_text("")
    (tmp_path / "courses" / "models.py").write_text("from quizzes.models import Quiz\n")
    (tmp_path / "seminars" / "roster.py").write_text("import quizzes.grading\n")
    (tmp_path / "quizzes" / "views.py").write_text(
        "from courses.authoring import _strip\nfrom quizzes import grading\ngrading._round(1)\n"
    )
    (tmp_path / "lms" / "views.py").write_text("import certificates\n")
    (tmp_path / "lms" / "__init__.py").write_text(
        "def create_app():\n    import courses\n\ndef helper():\n    from quizzes import x\n"
    )
    (tmp_path / "certificates" / "ok.py").write_text(
        "from lms.extensions import db\nimport seminars\nfrom quizzes.grading import grade\n"
    )
    (tmp_path / "assessments" / "ok.py").write_text(
        "from seminars.models import Seminar\nfrom quizzes.models import Criterion\n"
    )
    (tmp_path / "assessments" / "own.py").write_text("from assessments.own import _helper\n")
    assert sorted(violations(tmp_path)) == sorted(
        [
            "lms/__init__.py:5 imports quizzes (not below lms)",
            "lms/views.py:1 imports certificates (not below lms)",
            "courses/models.py:1 imports quizzes (not below courses)",
            "seminars/roster.py:1 imports quizzes (not below seminars)",
            "quizzes/views.py:1 imports the private _strip of courses.authoring",
            "quizzes/views.py:3 uses the private _round of quizzes.grading",
        ]
    )


def _view_modules(root: Path) -> list[Path]:
    return sorted(
        path for package in DEPENDS_ON for path in (root / package / "views").glob("*.py")
    )


def refusals_not_rolled_back(root: Path) -> list[str]:
    """``except ServiceError`` blocks in pages that neither call ``refused`` nor ``show_error``
    (which calls it): the page would show changes the service refused to save."""
    problems = []
    for path in _view_modules(root):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if not isinstance(node, ast.ExceptHandler) or node.type is None:
                continue
            caught = node.type.elts if isinstance(node.type, ast.Tuple) else [node.type]
            if not any(isinstance(name, ast.Name) and name.id == "ServiceError" for name in caught):
                continue
            called = {
                inner.func.id
                for statement in node.body
                for inner in ast.walk(statement)
                if isinstance(inner, ast.Call) and isinstance(inner.func, ast.Name)
            }
            if not called & {"refused", "show_error"}:
                problems.append(f"{path.relative_to(root)}:{node.lineno}")
    return problems


def test_every_refusal_in_a_page_rolls_back_first():
    assert _view_modules(ROOT), "no page modules found"
    assert refusals_not_rolled_back(ROOT) == []


def test_the_refusal_check_finds_a_page_that_forgets(tmp_path):
    (tmp_path / "seminars" / "views").mkdir(parents=True)
    (tmp_path / "seminars" / "views" / "pages.py").write_text(
        "def a():\n    try:\n        go()\n    except ServiceError as error:\n"
        "        flash(error.message)\n\n"
        "def b():\n    try:\n        go()\n    except ServiceError as error:\n"
        "        flash(refused(error))\n"
    )
    assert refusals_not_rolled_back(tmp_path) == ["seminars/views/pages.py:4"]
