"""The steps of the customer's forms, in one place: a flow may start any of them."""

from __future__ import annotations

from aiogram.fsm.state import State, StatesGroup


class ReturnForm(StatesGroup):
    """The steps of a return."""

    item = State()
    when = State()
    reason = State()
    photo = State()
    amount = State()


class ComplaintForm(StatesGroup):
    """The steps of a complaint."""

    text = State()
    photos = State()


class CallbackForm(StatesGroup):
    """Waiting for the customer's phone number."""

    phone = State()


class RatingForm(StatesGroup):
    """Waiting for an optional comment on the rating."""

    comment = State()
