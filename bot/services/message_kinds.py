"""Every kind of message the delivery engine sends, in one place.

A broadcast row stores its kind; at send time the engine asks the renderer registered for that
kind (each feature registers its own, ``renderers(app)`` in its handlers module) to render the
message in the recipient's language. A ``StrEnum``, so a kind is stored and compared as the
plain string it always was (rows queued before this enum existed still match), while a typo in
a feature is an ``AttributeError`` at import instead of a message that never renders.
"""

from __future__ import annotations

from enum import StrEnum


class MessageKind(StrEnum):
    ANNOUNCEMENT = "announcement"
    EVENT = "event"
    EVENT_REMINDER = "event_reminder"
    EVENT_CANCELLED = "event_cancelled"
    EVENT_CHANGED = "event_changed"
    EVENT_FEEDBACK = "event_feedback"
    EVENT_CALENDAR = "event_calendar"  # the updated .ics to whoever took one
    DIGEST = "digest"
    MENTOR_PROPOSAL = "mentor_proposal"
    MENTOR_ROUND_ASKED = "mentor_round_asked"
    MENTOR_CONTACTS = "mentor_contacts"
    MENTOR_NEXT = "mentor_next"
    MENTOR_CHECKIN = "mentor_checkin"
    MENTOR_SILENT = "mentor_silent"
    MENTOR_ENDED = "mentor_ended"
    MENTOR_RATE = "mentor_rate"
    INTRO_REQUEST = "intro_request"
    INTRO_CONTACTS = "intro_contacts"
    INTRO_NEXT = "intro_next"
    COFFEE_NOTICE = "coffee_notice"
    COFFEE_MATCH = "coffee_match"
    COFFEE_FOLLOWUP = "coffee_followup"
    INVITATION_USED = "invitation_used"  # to whoever made it: someone joined with it
