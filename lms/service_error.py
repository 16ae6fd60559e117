"""The one exception services raise when a rule is not met, and the one way a view handles it:
``refused`` drops whatever the request changed but did not save before the page is shown."""

from __future__ import annotations


class ServiceError(Exception):
    """A rule of the domain was not met; ``field`` names the form field if any."""

    def __init__(self, message: str, field: str | None = None) -> None:
        super().__init__(str(message))
        self.message = message
        self.field = field


def refused(error: ServiceError) -> str:
    """A service refused: roll the request's session back (the page then shows what is stored,
    never a half-applied change) and give the message to show."""
    from lms.extensions import db

    db.session.rollback()
    return error.message
