"""The weekly round's engine in a process of its own: ``python -m bot.services.matching_worker``.

SciPy's maximum flow and graph search hold the GIL while they run, step after step, so a large
round in a thread would keep taking it from the replies. This process reads the pickled inputs
of :func:`bot.services.matching.assign` (mentees, mentors, excluded pairs, seed) from stdin and
writes the pickled matches to stdout, lists in slices (one pickling call holds the GIL, so the
bot pickles a few hundred at a time); it imports only the engine (NumPy and SciPy), not the bot.
"""

from __future__ import annotations

import pickle
import sys

from collections.abc import Sequence
from typing import Any

from bot.services.matching import assign

SLICE = 500  # items pickled per call: each call holds the GIL, so the bot's side stays short


def dumps_in_slices(items: Sequence[Any]) -> list[bytes]:
    return [pickle.dumps(list(items[start:start + SLICE]), pickle.HIGHEST_PROTOCOL)
            for start in range(0, len(items), SLICE)]


def loads_slices(slices: Sequence[bytes]) -> list[Any]:
    return [item for piece in slices for item in pickle.loads(piece)]


def main() -> None:
    mentees, mentors, excluded, seed = pickle.load(sys.stdin.buffer)
    matches = assign(loads_slices(mentees), loads_slices(mentors), excluded, seed=seed)
    pickle.dump(dumps_in_slices(matches), sys.stdout.buffer, protocol=pickle.HIGHEST_PROTOCOL)
    sys.stdout.buffer.flush()


if __name__ == "__main__":
    main()
