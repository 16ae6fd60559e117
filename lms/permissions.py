"""Permission checks as named decorators, so a route without one stands out."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import TypeVar

from flask import abort
from flask_login import current_user, login_required

from lms.models import Role

F = TypeVar("F", bound=Callable)


def role_required(*roles: Role) -> Callable[[F], F]:
    """Signed-in users with one of ``roles`` only: others get 403, strangers the login page."""

    def decorator(view: F) -> F:
        @wraps(view)
        @login_required
        def wrapped(*args, **kwargs):
            if not current_user.has_role(*roles):
                abort(403)
            return view(*args, **kwargs)

        return wrapped  # type: ignore[return-value]

    return decorator


admin_required = role_required(Role.ADMIN)
trainer_required = role_required(Role.TRAINER, Role.ADMIN)
