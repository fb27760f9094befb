"""Every kind of message the delivery engine sends, in one place.

A broadcast row stores its kind; at send time the engine asks the renderer registered for that
kind (each feature registers its own, ``renderers(...)`` in its handlers module) to render the
message in the recipient's language. A ``StrEnum``, so a kind is stored and compared as the
plain string it always was (rows queued before this enum existed still match), while a typo in
a feature is an ``AttributeError`` at import instead of a message that never renders.
"""

from __future__ import annotations

from enum import StrEnum


class MessageKind(StrEnum):
    ANNOUNCEMENT = "announcement"
    # to the author of a scheduled one: it goes now (becomes its progress report) / it did not
    SCHEDULED_GOING = "scheduled_going"
    SCHEDULED_NOT_SENT = "scheduled_not_sent"
    # "Scheduled: it goes to N members on …" with Withdraw; edited once sent, withdrawn or not
    SCHEDULED_CONFIRMED = "scheduled_confirmed"
    EVENT = "event"
    EVENT_REMINDER = "event_reminder"
    EVENT_CANCELLED = "event_cancelled"
    EVENT_CHANGED = "event_changed"
    EVENT_CARD = "event_card"  # edit: the card she has, as the event is now (or cancelled)
    EVENT_FEEDBACK = "event_feedback"
    EVENT_CALENDAR = "event_calendar"  # the updated .ics to whoever took one
    EVENT_WITHDRAWN = "event_withdrawn"  # a narrowed audience left her out, after she answered
    EVENT_CHAT_POST = "event_chat_post"  # edit: the card posted in a chat, as it is now
    DIGEST = "digest"
    MENTOR_PROPOSAL = "mentor_proposal"
    MENTOR_ROUND_ASKED = "mentor_round_asked"
    MENTOR_CONTACTS = "mentor_contacts"
    MENTOR_NEXT = "mentor_next"
    MENTOR_CHECKIN = "mentor_checkin"
    MENTOR_SILENT = "mentor_silent"
    MENTOR_ENDED = "mentor_ended"
    MENTOR_RATE = "mentor_rate"
    MENTOR_PAUSED = "mentor_paused"  # the other side paused or resumed the pair
    MENTOR_REMINDER = "mentor_reminder"  # a day before a proposal lapses
    MENTOR_WITHDRAWN = "mentor_withdrawn"  # edit: the proposal was taken back, or it lapsed
    MENTOR_FIRST = "mentor_first"  # the suggested first message, copyable (not protected)
    MENTOR_PARTNER_LEFT = "mentor_partner_left"  # the partner deleted her data
    MENTOR_HELD = "mentor_held"  # the partner was suspended (on hold) or reinstated (goes on)
    INTRO_REQUEST = "intro_request"
    INTRO_CONTACTS = "intro_contacts"
    INTRO_NEXT = "intro_next"
    INTRO_WITHDRAWN = "intro_withdrawn"  # edit: the requester took her request back
    INTRO_ANSWERED = "intro_answered"  # edit: she answered it from "My introductions"
    INTRO_OPENER = "intro_opener"  # to the requester: a first message to copy (not protected)
    COFFEE_NOTICE = "coffee_notice"
    COFFEE_MATCH = "coffee_match"
    COFFEE_FOLLOWUP = "coffee_followup"
    INVITATION_USED = "invitation_used"  # to whoever made it: someone joined with it
    # verification (handlers/verification.py; sent by bot/services/review_cards.py)
    REVIEW_CARD = "review_card"  # an application to a reviewer, with its buttons
    REVIEW_WITHDRAWN = "review_withdrawn"  # edit: the application changed or moved
    REVIEW_REOPENED = "review_reopened"  # edit: she opened the application again below
    REVIEW_LOST_ROLE = "review_lost_role"  # edit: the reviewer can no longer decide
    REVIEW_DECIDED = "review_decided"  # edit: the outcome, who decided and when
    REVIEW_OUTCOME = "review_outcome"  # to the applicant: approved, rejected or a question
    REVIEW_REMINDER = "review_reminder"  # applications waiting for more than 7 days
    PROFILE_CHANGED = "profile_changed"  # to her coordinators: a new name or agency
    # roles (handlers/admin.py)
    ROLE_SUSPENDED = "role_suspended"
    ROLE_REINSTATED = "role_reinstated"
    ROLE_APPOINTED = "role_appointed"
    ROLE_DISMISSED = "role_dismissed"
    ROLE_REGION_EVENTS = "role_region_events"  # she may (or may no longer) publish region-wide
    STAFF_CARD_CLOSED = "staff_card_closed"  # edit: she can no longer manage this member
    # the association's chats (handlers/chats.py)
    CHAT_UNBOUND = "chat_unbound"  # to the administrators: the bot was removed from a chat
    CHAT_BIND_OFFER = "chat_bind_offer"  # to the administrator who added the bot
    CHAT_CHECK = "chat_check"  # the daily check's strangers
    CHAT_REMOVALS = "chat_removals"  # whom the removals took out of which chats
