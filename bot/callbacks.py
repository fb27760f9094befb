"""Every inline button's data, in one place: short versioned prefixes, integer ids or codes.

Button data is never trusted: handlers re-check who is pressing and whether the action is
still possible. Prefixes carry a version so that old buttons can be retired cleanly.
"""

from __future__ import annotations

from enum import Enum
from typing import Annotated

from aiogram.filters.callback_data import CallbackData
from pydantic import Field


# Numbers in button data: a forged value outside SQLite's integers is not a valid button
# (rather than an error deep in a query).
RowId = Annotated[int, Field(ge=0, lt=2**63)]
ChatId = Annotated[int, Field(ge=-(2**63), lt=2**63)]  # groups have negative ids


class LanguageCb(CallbackData, prefix="l1"):
    code: str


class WizardAction(str, Enum):
    ACCEPT = "a"
    DECLINE = "d"
    PICK = "p"
    TOGGLE = "t"
    DONE = "k"
    BACK = "b"
    SKIP = "s"
    EDIT = "e"
    SUBMIT = "u"


class WizardCb(CallbackData, prefix="w1"):
    action: WizardAction
    step: str
    value: str = ""


class ReviewAction(str, Enum):
    APPROVE = "a"
    REJECT = "r"
    ASK = "q"
    REASON = "n"
    SUSPEND = "s"
    REINSTATE = "i"
    APPOINT = "c"
    DISMISS = "x"
    MANAGE = "m"
    REGION_ON = "g"
    REGION_OFF = "h"
    BACK = "b"  # from the reason or question prompt back to the card
    ANSWER = "w"  # the applicant's "Answer the coordinator"
    ANSWER_SEND = "y"  # she typed without pressing it: "Send answer" confirms
    ANSWER_DROP = "z"  # ... or "Don't send"
    KEEP = "k"  # a role change not confirmed: back to the member's card
    APPOINT_ASK = "C"  # "Make coordinator" asks first; APPOINT is its Confirm
    DISMISS_ASK = "X"  # "Remove as coordinator" asks first; DISMISS is its Confirm
    REINSTATE_ASK = "I"  # "Reinstate" asks first; REINSTATE is its Confirm
    SHOW = "o"  # /pending: bring up this application's card


class ReviewCb(CallbackData, prefix="r1"):
    action: ReviewAction
    member_id: RowId
    value: str = ""
    version: RowId = 0  # the profile version the card showed


class PrivacyAction(str, Enum):
    DELETE = "delete"  # confirmed
    KEEP = "keep"


class PrivacyCb(CallbackData, prefix="p1"):
    action: PrivacyAction
    value: str = ""  # the token of the one deletion question it answers (claimed once)


PageNumber = Annotated[int, Field(ge=0, lt=100_000)]  # page × size stays a small integer


class PageView(str, Enum):
    """Which paged list a « Previous / Next » button turns: one handler per view."""

    AUDIT = "audit"  # /audit
    MEMBERS = "members"  # /members results
    PENDING = "pending"  # /pending


class PageCb(CallbackData, prefix="g1"):
    view: PageView
    page: PageNumber


class DirectoryAction(str, Enum):
    INTRODUCE = "intro"  # "Ask for an introduction" to the member at a place on the page


class DirectoryCb(CallbackData, prefix="y1"):
    action: DirectoryAction
    place: Annotated[int, Field(ge=1, le=100)]  # her place on the page shown, never her id
    view: RowId = 0  # which page view it belongs to (a newer page makes it stale)


class FilterKind(str, Enum):
    COUNTRY = "country"  # a field: no value opens its options, a value picks one ("*": any)
    AGENCY = "agency"
    EXPERTISE = "expertise"
    LANGUAGE = "language"
    SEARCH = "search"
    CLEAR = "clear"
    MENU = "menu"  # « Back from the results to the filters (the same message)


class FilterCb(CallbackData, prefix="f1"):
    kind: FilterKind
    value: str = ""


class InviteAction(str, Enum):
    COUNTRY = "country"
    USES = "uses"
    DAYS = "days"
    REVOKE = "revoke"  # asks to confirm
    CONFIRM_REVOKE = "revoke_yes"
    KEEP = "keep"


class InviteCb(CallbackData, prefix="i1"):
    action: InviteAction
    value: str = ""
    code_id: RowId = 0


class ChatAction(str, Enum):
    BIND = "bind"
    SCOPE = "scope"
    UNBIND = "unbind"  # asks to confirm
    CONFIRM_UNBIND = "unbind_yes"
    KEEP = "keep"
    JOIN = "join"
    POST = "post"
    PUBLISH = "publish"
    DROP = "drop"
    REMOVE = "remove"
    LANGUAGE = "lang"  # the language the bot writes in a bound chat (handlers.chat_language)


class ChatCb(CallbackData, prefix="c1"):
    action: ChatAction
    chat_id: ChatId
    value: str = ""
    user_id: RowId = 0


class ScheduledAction(str, Enum):
    WITHDRAW = "w"


class ScheduledCb(CallbackData, prefix="s1"):
    """Under "Scheduled: it goes to N members on …": its author takes it back."""

    action: ScheduledAction
    item_id: RowId


class EventAction(str, Enum):
    """The event buttons outside the /newevent and edit dialogs (values as before, so cards
    already in chats keep working)."""

    RSVP = "rsvp"
    ICS = "ics"
    RATE = "rate"
    STATS = "stats"
    CSV = "csv"
    TO_CHATS = "tochats"
    EDIT = "edit"  # opens the edit dialog
    CANCEL = "cancel"  # opens the edit dialog at "Cancel the event and tell N people?"
    NOT_THERE = "away"  # under "How was it?": she did not come
    COMMENT = "comment"  # after her mark: "Add a comment"


class EventCb(CallbackData, prefix="e1"):
    action: EventAction
    event_id: RowId = 0
    value: str = ""


class DigestCb(CallbackData, prefix="d1"):
    action: str  # on, off (the /digest switch), stop (under the digest itself)


class MentorAction(str, Enum):
    """/mentorship's buttons (values as before, so buttons already in chats keep working);
    one handler each in handlers.mentorship."""

    OFFER = "offer"
    CAPACITY = "cap"
    AREA = "area"
    AREAS_DONE = "areas_ok"
    AVAILABILITY = "avail"
    SEEK = "seek"
    GOAL = "goal"
    GOALS_DONE = "goals_ok"
    PREFERENCE = "pref"
    SUGGEST = "suggest"
    SEEK_PAUSE = "seek_pause"
    SEEK_RESUME = "seek_resume"
    SEEK_WITHDRAW = "seek_withdraw"
    OFFER_PAUSE = "offer_pause"
    OFFER_RESUME = "offer_resume"
    OFFER_WITHDRAW = "offer_withdraw"
    PAIRS = "pairs"
    OVERVIEW = "overview"
    MENU = "menu"  # back to the menu (from a confirmation)
    ASK = "ask"
    CANCEL_ASK = "cancel_ask"  # the mentee takes back her pending proposal
    ACCEPT = "accept"
    DECLINE = "decline"
    MET = "met"
    NOT_YET = "notyet"
    PAUSE = "pause"
    RESUME = "resume"
    DONE = "done"  # "Goals reached": asks first
    DONE_YES = "done_yes"
    END = "end"  # "End mentorship": asks first
    END_YES = "end_yes"
    KEEP = "keep"  # not confirmed: the pair's card again
    REMATCH = "rematch"
    RATE = "rate"
    NO_COMMENT = "nocomment"


class MentorCb(CallbackData, prefix="m1"):
    action: MentorAction
    value: str = ""  # a choice, or a place (1–3) in a suggestion list: never a member's id
    pair_id: RowId = 0
    list_id: RowId = 0


class IntroAction(str, Enum):
    """The buttons of introduction messages outside the /introduce dialog (values as before,
    so a request already in a chat keeps working)."""

    ASK = "ask"  # the requester asks one of the people offered again (after a refusal)
    AGREE = "agree"
    DECLINE = "decline"
    BLOCK = "block"  # asks to confirm
    BLOCK_YES = "block_yes"
    BLOCK_NO = "block_no"  # back to the request


class IntroCb(CallbackData, prefix="n1"):
    action: IntroAction
    value: str = ""  # a place (1–3) among the people offered: never a member's id
    intro_id: RowId = 0


class CoffeeAction(str, Enum):
    JOIN = "join"
    LEAVE = "leave"
    SKIP = "skip"
    UNSKIP = "unskip"  # the undo of a skip, while the round is not paired
    MET = "met"  # value: yes or no


class CoffeeCb(CallbackData, prefix="k1"):
    action: CoffeeAction
    value: str = ""
    round_id: RowId = 0
    group_id: RowId = 0
