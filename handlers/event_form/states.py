"""The windows of /newevent and of changing a published event.

```mermaid
stateDiagram-v2
    [*] --> title: /newevent
    title --> description --> zone --> day --> time --> duration --> place --> audience
    day --> duration: a day typed with its time (25.12.2026 14:00)
    audience --> expertise: administrators, "Members with an area of expertise"
    audience --> preview
    expertise --> preview
    preview --> change: Edit (any answer, then back to the preview)
    preview --> tr_language: Add a translation
    tr_language --> tr_title --> tr_description --> preview
    preview --> confirm: Publish
    confirm --> [*]: Publish (the role and the start are checked again) / Back
    preview --> [*]: Discard
```
Back goes to the previous question (from an edited answer: to the preview) and changes
nothing; Keep goes on with the answer she gave.

```mermaid
stateDiagram-v2
    [*] --> menu: Edit under an event in /events
    [*] --> cancel: Cancel event
    menu --> text: title, description, place
    menu --> start: typed in the event's zone
    menu --> duration
    menu --> audience
    menu --> tr_language --> tr_title --> tr_description
    text --> confirm
    start --> confirm
    duration --> confirm
    audience --> confirm
    tr_description --> confirm
    confirm --> menu: Save (those who answered are told) / Back
    cancel --> [*]: Cancel the event (those who answered are told) / Keep
```
"""

from aiogram.fsm.state import State, StatesGroup


class EventForm(StatesGroup):
    title = State()
    description = State()
    zone = State()
    day = State()
    time = State()
    duration = State()
    place = State()
    audience = State()
    expertise = State()
    preview = State()
    change = State()
    tr_language = State()
    tr_title = State()
    tr_description = State()
    confirm = State()


class EventEdit(StatesGroup):
    menu = State()
    text = State()
    start = State()
    duration = State()
    audience = State()
    expertise = State()
    tr_language = State()
    tr_title = State()
    tr_description = State()
    confirm = State()
    cancel = State()


STEPS = ("title", "description", "zone", "day", "time", "duration", "place", "audience")
FORM_STATES: dict[str, State] = {name: getattr(EventForm, name) for name in (
    *STEPS, "expertise", "preview", "change", "tr_language", "tr_title", "tr_description",
    "confirm")}
STATE_NAMES: dict[str, str] = {state.state: name for name, state in FORM_STATES.items()}
