"""The weekly round's engine in a process of its own: ``python -m bot.services.matching_worker``.

SciPy's maximum flow and graph search hold the GIL while they run, step after step, so a large
round in a thread would keep taking it from the replies. This process reads the pickled inputs
of :func:`bot.services.matching.assign` (mentees, mentors, excluded pairs, seed) from stdin and
writes the pickled matches to stdout; it imports only the engine (NumPy and SciPy), not the bot.
"""

from __future__ import annotations

import pickle
import sys

from bot.services.matching import assign


def main() -> None:
    mentees, mentors, excluded, seed = pickle.load(sys.stdin.buffer)
    matches = assign(mentees, mentors, excluded, seed=seed)
    pickle.dump(matches, sys.stdout.buffer, protocol=pickle.HIGHEST_PROTOCOL)
    sys.stdout.buffer.flush()


if __name__ == "__main__":
    main()
