"""The one exception services raise when a rule is not met; views show its message."""

from __future__ import annotations


class ServiceError(Exception):
    """A rule of the domain was not met; ``field`` names the form field if any."""

    def __init__(self, message: str, field: str | None = None) -> None:
        super().__init__(str(message))
        self.message = message
        self.field = field
