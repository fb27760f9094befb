"""The windows of the two mentorship wizards, one live message each (started from the
/mentorship menu's message, which it takes over).

```mermaid
stateDiagram-v2
    [*] --> places: Offer to mentor / Change my offer (her answers pre-filled)
    places --> areas: 1-5 or Keep
    areas --> time: Done (one area at least)
    time --> [*]: a choice or Keep (the offer is saved; thanks, « Mentorship)
    [*] --> goals: Find a mentor / Change my request (her answers pre-filled)
    goals --> words: Done (one goal at least)
    words --> where: her words (checked; a wrong one is explained in place) or Keep
    where --> [*]: a choice or Keep (the request is saved; the suggestions, in place)
```
Back goes one step back and loses nothing (from the first step: the menu again); /cancel
or any command closes it and changes nothing that was saved.
"""

from aiogram.fsm.state import State, StatesGroup


class MentorshipForm(StatesGroup):
    places = State()
    areas = State()
    time = State()
    goals = State()
    words = State()
    where = State()


OFFER_STEPS = ("places", "areas", "time")
SEEK_STEPS = ("goals", "words", "where")
