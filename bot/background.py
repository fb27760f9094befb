"""Heavy background work (a matching round, a coffee pairing) beside the replies.

The work itself runs in a worker thread; :func:`replies_first` keeps the interpreter from
making replies wait behind it while it runs.
"""

from __future__ import annotations

import gc
import sys
from collections.abc import Iterator
from contextlib import contextmanager

_running = 0
_settings_before: tuple[bool, float] = (True, 0.005)


@contextmanager
def replies_first() -> Iterator[None]:
    """While heavy work runs in a worker thread, replies must not queue behind it.

    - It allocates tens of thousands of short-lived objects; each brings the cyclic
      collector's full pass nearer, and a full pass holds the GIL for tens of milliseconds.
      They are freed by reference counting anyway, so the collector rests meanwhile.
    - A reply passes the GIL back and forth between the event loop and the database thread
      several times; the interpreter takes it from a busy thread only every switch
      interval (5 ms by default), so meanwhile it is 1 ms.

    The first such work to start saves the settings and the last to end restores them.
    """
    global _running, _settings_before
    if _running == 0:
        _settings_before = (gc.isenabled(), sys.getswitchinterval())
        gc.disable()
        sys.setswitchinterval(min(_settings_before[1], 0.001))
    _running += 1
    try:
        yield
    finally:
        _running -= 1
        if _running == 0:
            was_enabled, interval = _settings_before
            sys.setswitchinterval(interval)
            if was_enabled:
                gc.enable()
