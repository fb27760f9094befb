"""The profile dialog's windows: one State per question, the two hubs and the confirmation.

```mermaid
stateDiagram-v2
    [*] --> name: I agree (sign-up)
    [*] --> first_unanswered: /start or /profile with an unfinished profile
    [*] --> profile: /profile (application sent, member)
    name --> country --> agency --> position --> years --> expertise
    agency --> agency_other: "Other"
    agency_other --> position
    expertise --> languages --> bio --> visibility --> summary
    summary --> any_question: Edit (answer, then back to summary)
    profile --> any_question: Edit (answer, then back to profile)
    profile --> country_confirm: a new country picked
    country_confirm --> profile: Confirm (re-verification) or Keep
    summary --> [*]: Send application
```
Back goes to the previous question (or to the hub when editing) and changes nothing.
"""

from aiogram.fsm.state import State, StatesGroup


class ProfileDialog(StatesGroup):
    name = State()
    country = State()
    agency = State()
    agency_other = State()
    position = State()
    years = State()
    expertise = State()
    languages = State()
    bio = State()
    visibility = State()
    summary = State()  # sign-up: her card, Edit per field, Send application
    profile = State()  # /profile after sign-up: her card with status, Edit per field
    country_confirm = State()  # "Change your country to …?" Confirm / Keep


STEP_STATES: dict[str, State] = {
    step: getattr(ProfileDialog, step) for step in (
        "name", "country", "agency", "agency_other", "position", "years", "expertise",
        "languages", "bio", "visibility", "summary", "profile", "country_confirm")
}
STATE_STEPS: dict[str, str] = {state.state: step for step, state in STEP_STATES.items()}
