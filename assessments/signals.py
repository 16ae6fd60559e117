"""What the assessments feature announces, for subscribers it does not know (mail, jobs).

Sent only after the change is committed, with the app as sender:

- ``assessment_marked(app, assessment=..., by=...)``: a trainer signed ``assessment`` off, so
  its scores are final and the trainee sees them on "My assessments"; ``by`` is that trainer.
  Saving scores on a draft sheet sends nothing (the sheet may still change); a refused
  sign-off sends nothing; a signed-off assessment is never signed off again.
"""

from __future__ import annotations

from blinker import Namespace

_signals = Namespace()

assessment_marked = _signals.signal("assessment-marked")
"""A practical assessment was signed off: its result is final and visible to the trainee."""
