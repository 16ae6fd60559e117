"""What the quizzes feature announces, for subscribers it does not know (mail, jobs).

Sent only after the change is committed, with the app as sender:

- ``attempt_marked(app, attempt=..., by=...)``: a trainer's score for the last written answer
  waiting in ``attempt`` completed its result (the attempt is graded; ``attempt.passed`` is
  known); ``by`` is that trainer. Scoring a written answer while another still waits sends
  nothing; a refused score sends nothing.
"""

from __future__ import annotations

from blinker import Namespace

_signals = Namespace()

attempt_marked = _signals.signal("attempt-marked")
