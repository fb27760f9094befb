"""The windows of /announce.

```mermaid
stateDiagram-v2
    [*] --> audience: /announce (administrators: all or one country; coordinators: theirs)
    audience --> audience: a country with nobody to receive it: said at once
    audience --> text
    text --> preview: her text (formatting kept)
    preview --> tr_language: Add a translation
    tr_language --> tr_text --> preview
    preview --> confirm: Send now
    preview --> zone: Schedule
    zone --> day --> time --> confirm
    confirm --> [*]: Yes, send (the role asked again; a scheduled one waits in the database)
    preview --> [*]: Discard
```
"""

from aiogram.fsm.state import State, StatesGroup


class AnnounceForm(StatesGroup):
    audience = State()
    text = State()
    preview = State()
    tr_language = State()
    tr_text = State()
    zone = State()
    day = State()
    time = State()
    confirm = State()
