"""axe-core (shipped inside axe-playwright-python, so it works offline) on a loaded page."""

from __future__ import annotations

from axe_playwright_python.sync_playwright import Axe

_AXE = Axe()


def serious_violations(page) -> list[tuple[str, str]]:
    """The serious or critical problems axe finds on the page, as (rule id, impact)."""
    return [
        (violation["id"], violation["impact"])
        for violation in _AXE.run(page).response["violations"]
        if violation["impact"] in ("serious", "critical")
    ]


def assert_accessible(page) -> None:
    problems = serious_violations(page)
    assert problems == [], f"{page.url}: {problems}"
