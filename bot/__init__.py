"""Telegram bot of the Regional Association of Women in Border and Law Enforcement Agencies."""

import os as _os

# The ``single_thread_blas`` speed tweak (see bot/speed.py): it must be set before NumPy is
# first imported, and every import of the application passes through here first.
_OFF = {name.strip() for name in _os.environ.get("BOT_SPEED_TWEAKS_OFF", "").split(",")}
if "single_thread_blas" not in _OFF:
    _os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
