"""Answers in the chat being handled wait for the commit; everything else goes at once."""

from __future__ import annotations

from typing import Any

from aiogram import Bot
from aiogram.methods import AnswerCallbackQuery, EditMessageText, SendMessage, TelegramMethod

from bot.telegram.after_commit import SendAfterCommit, holding, send_held
from bot.telegram.call_context import CallContext, ChatOwner, current, making_calls

CUSTOMER, OTHER, STAFF_CHAT = 1001, 2002, -100123


class Recorder:
    """Stands in for the rest of the request chain."""

    def __init__(self) -> None:
        self.sent: list[TelegramMethod[Any]] = []

    async def __call__(self, _bot: Bot, method: TelegramMethod[Any]) -> str:
        self.sent.append(method)
        return "sent"


BOT = Bot("123456:" + "A" * 35)


async def test_messages_to_the_customer_wait_until_the_commit() -> None:
    chain, middleware = Recorder(), SendAfterCommit()
    owner = ChatOwner(CUSTOMER, 1, 1)
    with holding(CUSTOMER) as calls:
        calls.owner = owner  # what the context middleware adds
        answer = SendMessage(chat_id=CUSTOMER, text="Delivery takes 2 days")
        assert await middleware(chain, BOT, answer) is None
        # Other chats, and edits (whose failure the handler must see), go at once.
        assert await middleware(chain, BOT, SendMessage(chat_id=OTHER, text="x")) == "sent"
        edit = EditMessageText(chat_id=CUSTOMER, message_id=5, text="y")
        assert await middleware(chain, BOT, edit) == "sent"
    assert [m.chat_id for m in chain.sent] == [OTHER, CUSTOMER]  # type: ignore[attr-defined]
    assert calls.held == [(answer, owner)]  # sent later, still logged as this customer's
    assert current() is None


async def test_staff_answers_and_button_answers_wait_too() -> None:
    chain, middleware = Recorder(), SendAfterCommit()
    with holding(STAFF_CHAT) as calls:  # a staff command: no customer owns the chat
        reply = SendMessage(chat_id=STAFF_CHAT, text="Resolved", message_thread_id=7)
        assert await middleware(chain, BOT, reply) is None
        answer = AnswerCallbackQuery(callback_query_id="q1", text="Saved.")
        assert await middleware(chain, BOT, answer) is True
    assert chain.sent == []
    assert calls.held == [(reply, None), (answer, None)]


async def test_outside_an_update_everything_goes_at_once() -> None:
    chain, middleware = Recorder(), SendAfterCommit()
    assert await middleware(chain, BOT, SendMessage(chat_id=CUSTOMER, text="x")) == "sent"
    # An owner but nothing held (an answer sent after its commit, the outbox): sent now.
    with making_calls(CallContext(owner=ChatOwner(CUSTOMER, 1, 1))):
        assert await middleware(chain, BOT, SendMessage(chat_id=CUSTOMER, text="y")) == "sent"
    assert len(chain.sent) == 2


async def test_held_answers_go_in_order_and_a_failure_does_not_stop_the_rest() -> None:
    sent: list[tuple[str, CallContext | None]] = []

    class FlakyBot:
        async def __call__(self, method: SendMessage) -> None:
            if method.text == "boom":
                raise RuntimeError("Telegram said no")
            sent.append((method.text, current()))

    owner = ChatOwner(CUSTOMER, 1, 1)
    held: list[tuple[TelegramMethod[Any], ChatOwner | None]] = [
        (SendMessage(chat_id=CUSTOMER, text=t), owner) for t in ("one", "boom", "two")
    ]
    await send_held(FlakyBot(), held)  # type: ignore[arg-type]
    assert [text for text, _ in sent] == ["one", "two"]
    # Each is logged as the customer's, in a transaction of its own (no session given).
    assert all(c == CallContext(owner=owner) for _, c in sent)
