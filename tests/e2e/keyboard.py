"""Keyboard helpers of the browser tests: move the focus with Tab and check that it shows.

A focus "shows" when the focused element has an outline or a box shadow, lies in the
viewport once the page has scrolled to it (waiting a little: Bootstrap scrolls smoothly
unless the browser asks for reduced motion), and no ancestor that clips its overflow cuts
the ring off.
"""

from __future__ import annotations

FOCUS_STYLE = """() => {
  const element = document.activeElement;
  if (!element || element === document.body) {
    return {outline: false, shadow: false, clipped: false};
  }
  const style = getComputedStyle(element);
  const ring = style.outlineStyle !== 'none' ? parseFloat(style.outlineWidth) || 0 : 0;
  const reach = ring + Math.max(0, parseFloat(style.outlineOffset) || 0);
  const box = element.getBoundingClientRect();
  let clipped = false;
  for (let parent = element.parentElement; parent; parent = parent.parentElement) {
    const overflow = getComputedStyle(parent);
    if (overflow.overflowX === 'visible' && overflow.overflowY === 'visible') { continue; }
    const frame = parent.getBoundingClientRect();
    const side = overflow.overflowX !== 'visible'
      && (box.left - reach < frame.left - 0.5 || box.right + reach > frame.right + 0.5);
    const edge = overflow.overflowY !== 'visible'
      && (box.top - reach < frame.top - 0.5 || box.bottom + reach > frame.bottom + 0.5);
    if (side || edge) { clipped = parent.tagName + '.' + parent.className; break; }
  }
  return {
    outline: ring > 0,
    shadow: style.boxShadow !== 'none',
    clipped: clipped,
  };
}"""

IN_VIEW = """() => {
  const element = document.activeElement;
  if (!element || element === document.body) { return false; }
  const box = element.getBoundingClientRect();
  if (box.width <= 0 || box.height <= 0) { return false; }
  const width = document.documentElement.clientWidth;
  const height = document.documentElement.clientHeight;
  const across = box.width <= width
    ? box.left >= -1 && box.right <= width + 1 : box.left < width && box.right > 0;
  const down = box.height <= height
    ? box.top >= -1 && box.bottom <= height + 1 : box.top < height && box.bottom > 0;
  return across && down;
}"""


def focus_problem(page) -> str | None:
    """Why the focus does not show, or None when it does."""
    from playwright.sync_api import TimeoutError as PlaywrightTimeout

    if page.evaluate("!document.activeElement || document.activeElement === document.body"):
        return "nothing on the page has the focus"
    try:
        # Up to 5 s: on a loaded machine (the suite on every core) the smooth scroll to a
        # link at the foot of the page has taken over 2 s.
        page.wait_for_function(IN_VIEW, timeout=5_000)
    except PlaywrightTimeout:
        box = page.evaluate(
            """() => { const b = document.activeElement.getBoundingClientRect();
              return [b.left, b.top, b.right, b.bottom].map(Math.round).join(', '); }"""
        )
        return f"the focused element is not in view (its box: {box})"
    style = page.evaluate(FOCUS_STYLE)
    if not (style["outline"] or style["shadow"]):
        return "the focused element has neither an outline nor a shadow"
    if style["clipped"]:
        return f"the focus ring is cut off by {style['clipped']}"
    return None


def focus_is_visible(page) -> bool:
    return focus_problem(page) is None


def describe_focus(page) -> str:
    return page.evaluate(
        """() => { const e = document.activeElement;
          return e.tagName.toLowerCase() + (e.id ? '#' + e.id : '') + ' “'
            + (e.getAttribute('aria-label') || e.value || e.textContent || '').trim().slice(0, 40)
            + '”'; }"""
    )


def assert_focus_visible(page) -> None:
    problem = focus_problem(page)
    assert problem is None, f"{describe_focus(page)}: {problem}"


def _is_focused(page, target) -> bool:
    if isinstance(target, str):
        return page.evaluate("document.activeElement.id") == target
    return target.evaluate("element => element === document.activeElement")


def tab_to(page, target, *, limit: int = 40, backwards: bool = False) -> None:
    """Press Tab (Shift+Tab with ``backwards``) until ``target`` has the focus, checking
    that the focus shows at every stop of the page on the way and there. ``target`` is an
    element id or a Playwright locator."""
    key = "Shift+Tab" if backwards else "Tab"
    for _ in range(limit):
        page.keyboard.press(key)
        if page.evaluate("document.activeElement === document.body"):
            continue  # past the last control: the browser's own interface, then round again
        assert_focus_visible(page)
        if _is_focused(page, target):
            return
    raise AssertionError(f"{key} never reached {target} (pressed {limit} times)")


def press(page, key: str) -> None:
    """Press ``key`` where the focus is, and check that the focus still shows."""
    page.keyboard.press(key)
    assert_focus_visible(page)
