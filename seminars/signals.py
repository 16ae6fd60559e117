"""What the seminars feature announces, for subscribers it does not know (mail, jobs).

Sent only after the change is committed, with the app as sender:

- ``registration_created(app, registration=..., seminar=...)``: a registration was made, by
  the trainee or by staff (by hand or a roster), with a seat or on the waitlist (its status
  says which); one send per registration made, none when the person was already registered
  or waiting.
- ``registration_promoted(app, registration=..., seminar=...)``: a waitlisted registration got
  a seat (a seat was freed by a cancellation, or the capacity was raised); one send per
  promoted registration.
- ``registration_cancelled(app, registration=..., seminar=..., by=...)``: a registration (a
  seat or a place on the waitlist) was cancelled; ``by`` is who did it: the trainee
  themselves, a member of staff from the participants page, or None when unknown (a script).
  Sent before the ``registration_promoted`` its freed seat causes.
- ``seminar_cancelled(app, seminar=...)``: staff cancelled the whole seminar (its status
  became "cancelled"); the registrations keep their status, so no ``registration_cancelled``
  is sent for them.
"""

from __future__ import annotations

from blinker import Namespace

_signals = Namespace()

registration_created = _signals.signal("registration-created")
registration_promoted = _signals.signal("registration-promoted")
registration_cancelled = _signals.signal("registration-cancelled")
seminar_cancelled = _signals.signal("seminar-cancelled")
