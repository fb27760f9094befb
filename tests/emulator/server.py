"""The same module as :mod:`sandbox.emulator.server` (the emulator lives in the product now),
so every ``from tests.emulator.server import …`` and every monkeypatch keeps working."""

import sys

from sandbox.emulator import server as _server

sys.modules[__name__] = _server
