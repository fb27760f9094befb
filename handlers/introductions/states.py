"""The windows of /introduce, one live message.

```mermaid
stateDiagram-v2
    [*] --> menu: /introduce (approved members with a profile only)
    menu --> country: Ask to meet someone (refused in place when 5 were sent this week)
    country --> expertise --> language --> reason
    reason --> people: her reason (checked; a wrong one is explained in place)
    reason --> menu: nobody fits (said in the menu)
    people --> sent: Ask member N (counts now; she has 3 days)
    menu --> mine: My introductions
    mine --> mine: Contact N (sent again, protected)
    mine --> withdraw: Withdraw N (her request still waiting)
    withdraw --> mine: Yes, withdraw (the member's copy says so)
    mine --> answer: Answer N (a request to her: the card she got, to answer here)
    answer --> mine: Agree / Not now (as on the card: contacts only if she agrees)
    answer --> answer_block: Block this person (asks first)
    answer_block --> mine: Yes, block her
    menu --> blocked: Blocked people
    blocked --> blocked: Unblock N
    menu --> menu: requests to me on / off
```
Back never loses an answer; /cancel or any command closes it.
"""

from aiogram.fsm.state import State, StatesGroup


class IntroForm(StatesGroup):
    menu = State()
    country = State()
    expertise = State()
    language = State()
    reason = State()
    people = State()
    sent = State()
    mine = State()
    blocked = State()
    withdraw = State()
    answer = State()
    answer_block = State()
