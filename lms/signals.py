"""Signals the core sends; feature packages subscribe, the core never imports them."""

from blinker import Namespace

_signals = Namespace()

# Sent by `flask seed-demo` after the demo users exist, with ``app`` and ``users`` (by key),
# so each feature can add its demo content idempotently.
demo_seeded = _signals.signal("demo-seeded")
