"""The web process's heap, settled once the application is built.

A worker holds about 200,000 objects the garbage collector tracks (the code, its libraries,
the URL map, Babel's data). They live as long as the process, yet each full collection walks
all of them: 115-145 ms on the benchmark's machines, a pause that lands on whichever request
is running (one in about 4,500 requests of the benchmark's mix). Freezing them after start
(``gc.freeze``: moved to a generation the collector never walks) leaves the full collections
with what requests made since (20,000 objects, about 6 ms), and is what gunicorn's and CPython's
documentation suggest for pre-forked servers. Reference counting frees what requests allocate as
before: nothing here turns collection off.

``wsgi.py`` calls it (gunicorn, ``flask run``); tests do their own (``tests/conftest.py``).
"""

from __future__ import annotations

import gc


def settle() -> int:
    """Collect what start-up left behind, then freeze the rest; returns how many objects
    the collector no longer walks."""
    gc.collect()
    gc.freeze()
    return gc.get_freeze_count()
