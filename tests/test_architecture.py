"""Dependencies point one way: certificates -> quizzes -> courses -> lms.

A module may import its own layer and the layers below it. ``lms`` imports no feature
package, except inside ``create_app``, the composition root.
"""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
LAYERS = {"lms": 0, "courses": 1, "quizzes": 2, "certificates": 3}


def _imported_packages(node: ast.AST) -> list[tuple[str, int]]:
    found = []
    if isinstance(node, ast.Import):
        found = [(alias.name.split(".")[0], node.lineno) for alias in node.names]
    elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
        found = [(node.module.split(".")[0], node.lineno)]
    return [(name, line) for name, line in found if name in LAYERS]


def _functions_named(tree: ast.AST, name: str) -> set[int]:
    """Ids of the import nodes inside functions called ``name``."""
    allowed = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.FunctionDef) and node.name == name:
            allowed |= {id(inner) for inner in ast.walk(node)}
    return allowed


def violations(root: Path) -> list[str]:
    problems = []
    for package, level in LAYERS.items():
        for path in sorted((root / package).rglob("*.py")):
            tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
            composition_root = _functions_named(tree, "create_app") if package == "lms" else set()
            for node in ast.walk(tree):
                for imported, line in _imported_packages(node):
                    if LAYERS[imported] <= level:
                        continue
                    if id(node) in composition_root:
                        continue
                    where = f"{path.relative_to(root)}:{line}"
                    problems.append(f"{where} imports {imported} (a higher layer than {package})")
    return problems


def test_layers_only_import_downwards():
    assert violations(ROOT) == []


def test_checker_catches_an_upward_import(tmp_path):
    for package in LAYERS:
        (tmp_path / package).mkdir()
        (tmp_path / package / "__init__.py").write_text("")
    (tmp_path / "courses" / "models.py").write_text("from quizzes.models import Quiz\n")
    (tmp_path / "lms" / "views.py").write_text("import certificates\n")
    (tmp_path / "lms" / "__init__.py").write_text(
        "def create_app():\n    import courses\n\ndef helper():\n    from quizzes import x\n"
    )
    (tmp_path / "certificates" / "ok.py").write_text(
        "from lms.extensions import db\nimport quizzes\n"
    )
    assert violations(tmp_path) == [
        "lms/__init__.py:5 imports quizzes (a higher layer than lms)",
        "lms/views.py:1 imports certificates (a higher layer than lms)",
        "courses/models.py:1 imports quizzes (a higher layer than courses)",
    ]
