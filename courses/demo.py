"""Demo courses for `flask seed-demo`, loaded from courses/demo_content with the importer,
with their translations: every language folder present (``<course>/ru/``, ``<course>/kk/``:
``course.yml`` and the module files) is read by ``content_bundle`` like any course's."""

from __future__ import annotations

from pathlib import Path

from courses import content_archive, content_bundle, content_io

DEMO_CONTENT = Path(__file__).resolve().parent / "demo_content"


def seed_demo(app, users: dict, **_) -> None:
    """Import (or update, making no new version when unchanged) every demo course folder."""
    owner = users["trainer1"]
    for folder in sorted(p for p in DEMO_CONTENT.iterdir() if p.is_dir()):
        bundle = content_bundle.parse_bundle(content_archive.read_folder(folder))
        content_io.import_bundle(bundle, owner=owner, update=True)
