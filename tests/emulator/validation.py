"""The same module as :mod:`sandbox.emulator.validation` (the emulator lives in the product now),
so every ``from tests.emulator.validation import …`` and every monkeypatch keeps working."""

import sys

from sandbox.emulator import validation as _validation

sys.modules[__name__] = _validation
