"""The weekly round's engine in a process of its own: ``python -m bot.services.matching_worker``.

SciPy's maximum flow and graph search hold the GIL while they run, step after step, so a large
round in a thread would keep taking it from the replies. This process reads the pickled inputs
of :func:`bot.services.matching.assign` (mentees, mentors, excluded pairs, seed) from stdin and
writes the pickled matches to stdout, lists in slices (one pickling call holds the GIL, so the
bot pickles a few hundred at a time); it imports only the engine (NumPy and SciPy), not the
bot. It runs at a lower priority, so on a machine with few cores the solver never takes a core
the replies need.
"""

from __future__ import annotations

import os
import pickle
import sys

from collections.abc import Sequence
from typing import Any

from bot.services.matching import assign

NICENESS = 10  # the round yields the CPU to the bot's replies (two cores here, a weekly job)
SLICE = 500  # items pickled per call: each call holds the GIL, so the bot's side stays short


def dumps_in_slices(items: Sequence[Any]) -> list[bytes]:
    return [pickle.dumps(list(items[start:start + SLICE]), pickle.HIGHEST_PROTOCOL)
            for start in range(0, len(items), SLICE)]


def loads_slices(slices: Sequence[bytes]) -> list[Any]:
    return [item for piece in slices for item in pickle.loads(piece)]


def yield_the_cpu() -> None:
    """A weekly round can wait a few milliseconds; a member waiting for a reply should not."""
    if "nice_round" in os.environ.get("BOT_SPEED_TWEAKS_OFF", "").split(","):
        return  # weighed against its absence (bot/speed.py); the bot's env reaches this process
    try:
        os.nice(NICENESS)
    except (AttributeError, OSError):  # not on this platform, or not allowed: run as is
        pass


def main() -> None:
    yield_the_cpu()
    mentees, mentors, excluded, seed = pickle.load(sys.stdin.buffer)
    matches = assign(loads_slices(mentees), loads_slices(mentors), excluded, seed=seed)
    pickle.dump(dumps_in_slices(matches), sys.stdout.buffer, protocol=pickle.HIGHEST_PROTOCOL)
    sys.stdout.buffer.flush()


if __name__ == "__main__":
    main()
