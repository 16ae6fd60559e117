"""What the seminars feature announces, for subscribers it does not know (mail, jobs).

Sent only after the change is committed, with the app as sender:

- ``registration_promoted(app, registration=..., seminar=...)``: a waitlisted registration got
  a seat (a seat was freed by a cancellation, or the capacity was raised); one send per
  promoted registration.
"""

from __future__ import annotations

from blinker import Namespace

_signals = Namespace()

registration_promoted = _signals.signal("registration-promoted")
