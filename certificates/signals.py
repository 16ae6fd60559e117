"""What certificates tell the rest of the site (blinker signals; receivers' order does not
matter). Each is sent only after its change was committed, never for a refused or rolled-back
one, with the app as sender.

- ``certificate_issued``: one send per certificate made now (a single issue, a claim, each
  certificate of a bulk issue after its one commit), keyword ``certificate``. Not for an
  issue that returned the holder's existing certificate, nor for a reissue or renewal.
- ``certificate_status_changed``: one send per committed suspension, reinstatement or
  revocation (``lifecycle.suspend`` / ``reinstate`` / ``revoke``, whoever calls them: the
  register's action page, the demo), keywords ``certificate``, ``action`` (``"suspend"``,
  ``"reinstate"`` or ``"revoke"``), ``reason`` (the public reason code of a suspension or
  revocation, ``status_reasons.STATUS_REASONS``; ``""`` for a reinstatement, whose reason is the
  trainer's note for staff only) and ``by`` (the staff member). Not for a refused change
  (another trainer changed the status first, or the change does not apply).
- ``certificate_replaced``: one send per committed reissue or renewal, keywords ``old`` (the
  superseded certificate), ``new`` (its replacement, with a new number) and ``action``
  (``"reissue"`` or ``"renew"``).
"""

from __future__ import annotations

from blinker import Namespace

signals = Namespace()

certificate_issued = signals.signal("certificate-issued")
certificate_status_changed = signals.signal("certificate-status-changed")
certificate_replaced = signals.signal("certificate-replaced")
