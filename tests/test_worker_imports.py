"""What a web worker loads at start (issue 17: < 150 MB per worker). The heavy libraries of
issuing, PDFs, passwords and credentials are imported where they are first used, so a worker
that serves pages and verifications never holds them."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
LAZY = ("pyld", "requests", "fpdf", "fontTools", "zxcvbn", "pypdf", "icalendar")


def test_a_new_worker_loads_none_of_the_heavy_libraries():
    code = (
        "import json, sys\n"
        "from lms import create_app\n"
        "create_app('testing')\n"
        f"print(json.dumps([m for m in {LAZY!r} if m in sys.modules]))\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True
    )
    assert json.loads(result.stdout.strip().splitlines()[-1]) == []


def test_the_placeholder_base_is_pylds():
    from pyld import jsonld

    from certificates.ob3 import safe

    assert safe.PLACEHOLDER_BASE == jsonld.DEFAULT_BASE_IRI
