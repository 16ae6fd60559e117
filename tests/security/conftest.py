"""The browser fixtures of tests/e2e, for the XSS test that runs in chromium."""

from tests.e2e.conftest import browser, live_server  # noqa: F401
