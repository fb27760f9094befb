"""The two /mentorship wizards as one aiogram-dialog: "Offer to mentor" (places, areas, time)
and "Find a mentor" (goals, her own words, where from), each "Step 2 of 3 · Areas" with the
answer she already gave and Keep, Back that never deletes, a wrong typed answer explained in
the same message. Started from the /mentorship menu's buttons; ``states.py`` draws the flow,
``dialog.py`` the windows, ``getters.py`` what they show, ``actions.py`` what they do. The
dialog's stack is kept in the bot's SQLite FSM storage (a restart keeps it); /cancel or any
command closes it (``bot.dialogs.close_open_dialog``).
"""

from __future__ import annotations

from aiogram import F, Router


def create_router() -> Router:
    from bot.callbacks import MentorAction as A
    from bot.callbacks import MentorCb
    from handlers.mentorship_forms import actions
    from handlers.mentorship_forms.dialog import create_dialog

    router = Router(name="mentorship-forms")
    on = router.callback_query.register
    on(actions.cb_offer, MentorCb.filter(F.action == A.OFFER))
    on(actions.cb_seek, MentorCb.filter(F.action == A.SEEK))
    on(actions.earlier_wizard_button, MentorCb.filter(F.action.in_({
        A.CAPACITY, A.AREA, A.AREAS_DONE, A.AVAILABILITY, A.GOAL, A.GOALS_DONE,
        A.PREFERENCE})))
    router.include_router(create_dialog())
    return router
