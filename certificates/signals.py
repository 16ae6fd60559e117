"""What certificates tell the rest of the site (blinker signals; receivers' order does not
matter). Each is sent only after its change was committed, never for a refused or rolled-back
one, with the app as sender.

- ``certificate_issued``: one send per certificate made now (a single issue, a claim, each
  certificate of a bulk issue after its one commit), keyword ``certificate``. Not for an
  issue that returned the holder's existing certificate, nor for a reissue or renewal.
"""

from __future__ import annotations

from blinker import Namespace

signals = Namespace()

certificate_issued = signals.signal("certificate-issued")
