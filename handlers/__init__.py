"""One router per feature; :func:`get_routers` builds them fresh, in the order they are tried.

Routers are made by factories rather than at import time because a router can belong to one
dispatcher only, and the tests start the bot many times in one process.
"""

from aiogram import Router


def get_routers() -> list[Router]:
    from handlers import (
        admin,
        announce,
        chat_language,
        chats,
        coffee,
        common,
        digest,
        directory,
        errors,
        event_form,
        events,
        fallback,
        introductions,
        invites,
        mentorship,
        mentorship_forms,
        onboarding,
        privacy,
        start,
        verification,
    )

    return [
        errors.create_router(),
        common.create_router(),  # /cancel and /help first: they work from any state
        events.create_deep_link_router(),  # /start event-<id>, before /start's own
        start.create_router(),
        privacy.create_router(),
        verification.create_router(),
        invites.create_router(),
        admin.create_router(),
        directory.create_router(),
        chats.create_router(),
        chat_language.create_router(),
        announce.create_router(),
        events.create_router(),
        event_form.create_router(),
        digest.create_router(),
        mentorship.create_router(),
        mentorship_forms.create_router(),
        introductions.create_router(),
        coffee.create_router(),
        onboarding.create_router(),
        fallback.create_router(),  # last: whatever nobody else took
    ]
