"""What each window of the profile dialog shows, read from her profile through the service.

Getters translate what depends on data (reference labels, her answers, the one-line reason
of a refused answer) and HTML-escape everything she typed; fixed texts are in ``dialog.py``.
"""

from __future__ import annotations

from html import escape
from typing import Any

from aiogram.utils.i18n import gettext as _
from aiogram_dialog import DialogManager

from bot.db.repositories.profiles import Profile
from bot.dialogs import N_
from bot.services.onboarding import (
    EDITABLE,
    MULTI_STEPS,
    OPTIONAL_STEPS,
    TEXT_STEPS,
    VISIBLE_FIELDS,
    OnboardingService,
    current_answer,
    may_edit,
    previous_step,
    wizard_steps,
)
from bot.services.profile_input import InputProblem
from bot.services.reference import ReferenceData
from bot.services.roles import Actor
from bot.texts import agency_text, field_label, problem_text, profile_card
from handlers.onboarding.states import STATE_STEPS

SIGNUP, EDIT = "signup", "edit"  # dialog_data "mode": the whole wizard, or one answer

FIELD_TITLES = {
    "name": N_("Name"), "country": N_("Country"), "agency": N_("Agency"),
    "agency_other": N_("Agency name"), "position": N_("Position or rank"),
    "years": N_("Years of service"), "expertise": N_("Expertise"),
    "languages": N_("Languages"), "bio": N_("About me"), "visibility": N_("Visible to others"),
}


def question(step: str, profile: Profile) -> str:
    if step == "country" and profile.status == "approved":
        return _("Which country do you serve in?") + "\n\n" + _(
            "⚠️ If you choose another country, your membership is verified again by that "
            "country's coordinator. Until then member features are paused and you leave your "
            "current country's chats.")
    return {
        "name": _("What is your full name?"),
        "country": _("Which country do you serve in?"),
        "agency": _("Which agency do you work for?"),
        "agency_other": _("Please type the name of your agency."),
        "position": _("What is your position or rank? (optional)"),
        "years": _("How many years have you served? Send a number from 0 to 45."),
        "expertise": _("Choose your areas of expertise (one or more), then press Done."),
        "languages": _("Which languages do you speak? Choose one or more, then press Done."),
        "bio": _("Tell other members a little about yourself (optional, up to 500 characters)."),
        "visibility": _(
            "Which parts of your profile may other members see? Your country is always "
            "visible. Contacts are never shown without your consent. Press Done when ready."
        ),
    }[step]


def error_text(error: dict[str, Any] | None) -> str:
    """The one-line reason an answer was not taken (kept as a code: shown in her language)."""
    if not error:
        return ""
    code = error.get("code")
    if code == "use_buttons":
        return _("Please use the buttons below.")
    if code == "not_text":
        return _("Please answer with a text message.")
    return problem_text(InputProblem(code), int(error.get("limit") or 0))


def note_text(note: str | None, data: dict[str, Any], ref: ReferenceData, locale: str) -> str:
    code = data.get("note_country")
    country = escape(ref.country(code, locale)) if code else ""
    if note == "continue":
        return _("Let's continue where you stopped.")
    if note == "missing":
        return _("Some required answers are missing. Let's fill them in.")
    if note == "saved":
        return _("Saved.")
    if note == "reverify":
        return _("Your country is now {country}. Your membership is verified again by its "
                 "coordinator; until then member features are paused.").format(
            country=country)
    if note == "rerouted":
        return _("Your country is now {country}. Your application went to its "
                 "coordinator.").format(country=country)
    if note == "invite_lapsed":
        return _("Your invitation can no longer be used (it was withdrawn, used up or has "
                 "expired). Your country was taken from it: {country}. Check it, then send "
                 "your application; your country's coordinator will review it.").format(
            country=country)
    if note == "country_changed":
        return _("Your country is now {country}.").format(country=country)
    return ""


def answer_text(step: str, profile: Profile, ref: ReferenceData, locale: str) -> str:
    """Her answer as she reads it (escaped), or "" when there is none yet."""
    value = current_answer(step, profile)
    if value is None or value == []:
        return ""
    if step == "country":
        return escape(ref.country(profile.country_code or "", locale))
    if step == "agency":
        return agency_text(profile, ref, locale)
    if step == "expertise":
        return ", ".join(escape(ref.expertise(c, locale)) for c in profile.expertise)
    if step == "languages":
        return ", ".join(escape(ref.language(c, locale)) for c in profile.languages)
    if step == "visibility":
        return ", ".join(field_label(n) for n in VISIBLE_FIELDS if profile.shows(n)) or "—"
    return escape(str(value))


def choices(step: str, profile: Profile, ref: ReferenceData, locale: str
            ) -> list[tuple[str, str]]:
    def mark(chosen: bool) -> str:
        return "✓ " if chosen else ""

    if step == "country":
        return [(c, mark(c == profile.country_code) + ref.country(c, locale))
                for c in ref.country_codes]
    if step == "agency":
        return [(c, mark(c == profile.agency_code) + ref.agency(c, locale))
                for c in ref.agency_codes]
    if step == "expertise":
        return [(c, mark(c in profile.expertise) + ref.expertise(c, locale))
                for c in ref.expertise_codes]
    if step == "languages":
        return [(c, mark(c in profile.languages) + ref.language(c, locale))
                for c in ref.language_codes]
    if step == "visibility":
        return [(n, ("✓ " if profile.shows(n) else "✗ ") + field_label(n))
                for n in VISIBLE_FIELDS]
    return []


async def _profile(manager: DialogManager) -> tuple[Profile | None, Actor, ReferenceData]:
    data = manager.middleware_data
    actor: Actor = data["actor"]
    onboarding: OnboardingService = data["onboarding"]
    return await onboarding.profile(actor.user_id), actor, data["ref"]


def _common(manager: DialogManager, ref: ReferenceData, locale: str) -> dict[str, Any]:
    dialog_data = manager.dialog_data
    error = error_text(dialog_data.get("error"))
    note = note_text(dialog_data.get("note"), dialog_data, ref, locale)
    return {"error": error, "note": note}


async def question_getter(dialog_manager: DialogManager, **_kwargs: Any) -> dict[str, Any]:
    profile, actor, ref = await _profile(dialog_manager)
    step = STATE_STEPS[dialog_manager.current_context().state.state]
    data = _common(dialog_manager, ref, actor.locale)
    if profile is None:  # erased meanwhile: the window says nothing more
        return {**data, "question": "", "answer": "", "has_answer": False, "signup": False,
                "editing": False, "can_back": False, "can_keep": False, "choices": [],
                "step_no": 0, "total": 0, "field": "", "optional_filled": False,
                "optional_empty": False}
    editing = dialog_manager.dialog_data.get("mode") == EDIT
    steps = wizard_steps(profile, ref.other_agency_codes)
    answer = answer_text(step, profile, ref, actor.locale)
    optional = step in OPTIONAL_STEPS
    return {
        **data,
        "signup": not editing,
        "editing": editing,
        "step_no": steps.index(step) + 1 if step in steps else len(steps),
        "total": len(steps),
        "field": _(FIELD_TITLES[step]),
        "question": question(step, profile),
        "answer": answer,
        "has_answer": bool(answer),
        # Keep: go on with the answer she gave (a multiple choice has its Done)
        "can_keep": bool(answer) and step not in MULTI_STEPS,
        "can_back": editing or previous_step(step, profile, ref.other_agency_codes) is not None,
        "optional_filled": optional and bool(answer),
        "optional_empty": optional and not answer,
        "choices": choices(step, profile, ref, actor.locale),
        "is_text": step in TEXT_STEPS,
    }


def edit_label(step: str) -> str:
    return {
        "name": _("Edit name"), "country": _("Edit country"), "agency": _("Edit agency"),
        "position": _("Edit position"), "years": _("Edit years"),
        "expertise": _("Edit expertise"), "languages": _("Edit languages"),
        "bio": _("Edit about me"), "visibility": _("Edit visibility"),
    }[step]


def edit_choices(profile: Profile) -> list[tuple[str, str]]:
    return [(s, edit_label(s)) for s in EDITABLE if may_edit(s, profile)]


async def summary_getter(dialog_manager: DialogManager, **_kwargs: Any) -> dict[str, Any]:
    profile, actor, ref = await _profile(dialog_manager)
    data = _common(dialog_manager, ref, actor.locale)
    if profile is None:
        return {**data, "card": "", "edits": [], "may_resubmit": False}
    return {
        **data,
        "card": profile_card(profile, ref, actor.locale),
        "edits": edit_choices(profile),
    }


async def profile_getter(dialog_manager: DialogManager, **_kwargs: Any) -> dict[str, Any]:
    profile, actor, ref = await _profile(dialog_manager)
    data = _common(dialog_manager, ref, actor.locale)
    if profile is None:
        return {**data, "card": "", "edits": [], "may_resubmit": False}
    return {
        **data,
        "card": profile_card(profile, ref, actor.locale, with_status=True),
        "edits": edit_choices(profile),
        "may_resubmit": profile.status in ("needs_info", "rejected"),
    }


async def country_confirm_getter(dialog_manager: DialogManager, **_kwargs: Any
                                 ) -> dict[str, Any]:
    profile, actor, ref = await _profile(dialog_manager)
    new = dialog_manager.dialog_data.get("new_country") or ""
    old = profile.country_code if profile is not None else None
    status = profile.status if profile is not None else ""
    return {
        "new_country": escape(ref.country(new, actor.locale)) if new else "",
        "old_country": escape(ref.country(old, actor.locale)) if old else "—",
        "member": status == "approved",
        "waiting": status == "pending",
        "other": status not in ("approved", "pending"),
    }
