"""End-to-end: after the flows of issue 11, every button that was ever on screen and is no
longer (its message was edited on, or lost its keyboard) is pressed again. Nothing in the
database changes, no message is sent, and each press gets a short popup (issue 11's
acceptance: "presses every button of every earlier message").

The flows run in four languages: the applicant in kk, the KZ coordinator in ru, the
administrator in en, a member in uz. Buttons still on screen afterwards are left alone: they
are live by design (a directory page, a member's card, an introduction request she has not
answered yet, /chats) and other tests cover them.
"""

from __future__ import annotations

from aiogram.utils.i18n import gettext

from bot.i18n import use_locale
from tests.emulator.server import SentMessage, UserHandle
from tests.flows import onboard, seed_member, t
from tests.harness import ADMIN_ID, BotHarness
from tests.test_e2e_attacks_sweep import diff, snapshot
from tests.test_e2e_chats import join, setup_chats
from tests.test_e2e_invitations_ux import days_label

# Popups a replayed button may give: each says the button is no longer what it was.
STALE_MSGIDS = (
    "This button is from an earlier message.",
    "This has already been handled.",
    "This is no longer open.",
    "This button is no longer valid.",
    "This question is no longer open.",
    "This card is out of date: the application changed after it was sent. "
    "Please decide on the newer card.",
)


def stale_texts(harness: BotHarness, locale: str) -> set[str]:
    assert harness.app is not None
    with use_locale(harness.app.i18n, locale):
        return {gettext(msgid) for msgid in STALE_MSGIDS}


async def run_flows(harness: BotHarness, buttons: ButtonsSeen
                    ) -> dict[str, tuple[UserHandle, str]]:
    admin, kz_chat, _kg, _region = await setup_chats(harness)
    coordinator = await seed_member(harness, 500, "KZ", coordinator=True, locale="ru",
                                    name="Aigerim Coordinator")
    member = await seed_member(harness, 601, "KZ", locale="uz", name="Malika Member")
    await seed_member(harness, 602, "KZ", locale="kk", name="Dana Colleague")
    applicant = harness.user(1001, "Aigul", language_code="kk")
    buttons.watch(admin, coordinator, member, applicant)

    # Verification: a question, her answer through the button, approval.
    await onboard(harness, applicant, "kk", name="Aigul Bekova", country="KZ")
    await coordinator.press(t(harness, "ru", "Ask for more information"))
    await coordinator.send("Which unit do you serve in?")
    await applicant.press(t(harness, "kk", "Answer the coordinator"))
    await applicant.send("The Almaty border unit")
    await coordinator.press(t(harness, "ru", "Approve"))
    await harness.deliver()

    # Roles: the administrator appoints the member (after a confirmation), then dismisses her.
    await admin.send("/members")
    await admin.press("Search")
    page = admin.last
    number = next(f"⚙ {n}" for n, block in enumerate((page.text or "").split("\n\n")[1:], 1)
                  if "Malika Member" in block)
    await admin.press(number, page)
    member_card = admin.last
    await admin.press("Make coordinator", member_card)
    await admin.press("Confirm", member_card)
    await admin.send("/coordinators")
    dismiss = next(label for label in admin.last.button_labels() if "Malika" in label)
    await admin.press(dismiss)
    await admin.press("Confirm")
    # Invitations: made, then withdrawn after a confirmation.
    await coordinator.send("/invite")
    await coordinator.press("5")
    await coordinator.press(days_label(harness, "ru", 30))
    await coordinator.send("/invites")
    withdraw = next(label for label in coordinator.last.button_labels()
                    if label.startswith(t(harness, "ru", "Withdraw {hint}…", hint="")[:5]))
    await coordinator.press(withdraw)
    await coordinator.press(t(harness, "ru", "Yes, withdraw"))

    # Chats, the directory with an introduction request, /mydata.
    await join(member, kz_chat, "Kazakhstan officers")
    await member.send("/members")
    await member.press(t(harness, "uz", "Search"))
    meet = next(label for label in member.last.button_labels() if label.startswith("🤝"))
    await member.press(meet)
    await member.send("We both work on the same border crossing.")
    await member.send("/mydata")
    await applicant.send("/mydata")
    await harness.deliver()
    people = {"admin": (admin, "en"), "coordinator": (coordinator, "ru"),
              "member": (member, "uz"), "applicant": (applicant, "kk")}
    for user, _locale in people.values():
        await user.send("/help")
    return people


class ButtonsSeen:
    """Every callback button each user has had on screen, recorded after each of her steps."""

    def __init__(self) -> None:
        self.seen: dict[int, dict[tuple[int, str], tuple[SentMessage, str]]] = {}

    def record(self, user: UserHandle) -> None:
        mine = self.seen.setdefault(user.id, {})
        for message in user.bot_messages:
            for button in message.buttons():
                if "callback_data" in button:
                    key = (message.message_id, button["callback_data"])
                    mine.setdefault(key, (message, button["text"]))

    def watch(self, *users: UserHandle) -> None:
        """Record after every send and press of these users (and of everyone watched, since
        one person's step changes what others see)."""
        everyone = list(users)
        for user in users:
            for method in ("send", "press", "press_data"):
                original = getattr(user, method)

                async def step(*args, __original=original,  # type: ignore[no-untyped-def]
                               **kwargs):
                    result = await __original(*args, **kwargs)
                    for each in everyone:
                        self.record(each)
                    return result

                setattr(user, method, step)

    def gone(self, user: UserHandle) -> list[tuple[SentMessage, str, str]]:
        """Buttons she saw that are no longer on screen: (message, label, data)."""
        out = []
        for (_message_id, data), (message, label) in self.seen.get(user.id, {}).items():
            if data not in [b.get("callback_data") for b in message.buttons()]:
                out.append((message, label, data))
        return out


async def test_every_earlier_button_is_stale_and_changes_nothing(harness: BotHarness) -> None:
    buttons = ButtonsSeen()
    people = await run_flows(harness, buttons)
    before = await snapshot(harness)
    pressed = 0
    for name, (user, locale) in people.items():
        stale = stale_texts(harness, locale)
        for message, label, data in buttons.gone(user):
            sent_before = len(user.bot_messages)
            answer = await user.press_data(data, message)
            await harness.deliver()
            pressed += 1
            assert answer is not None and answer.get("text") in stale, (name, label, answer)
            assert len(user.bot_messages) == sent_before, (name, label)
            assert diff(before, await snapshot(harness)) == {}, (name, label)
    assert pressed >= 30  # every flow left buttons behind
