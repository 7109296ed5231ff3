"""Property-based fuzzing of the running bot through the emulator: texts, journeys, staff actions.

How hypothesis drives an asynchronous bot: the tests are `async def` functions decorated with
`@given`. pytest-asyncio (1.x) recognises them and runs each generated example's coroutine to
completion on the test's own event loop, the loop on which the function-scoped `harness` fixture
started the polling bot; between examples that loop is idle and the bot waits in its long poll.
So there is one bot and one emulator per test, not per example (HealthCheck.function_scoped_fixture
is suppressed on purpose). Examples stay independent because each one acts as a new customer
(ids from a counter), and every invariant is checked against what changed since the example began:
emulator cursors, the Bot API call log, caplog records and the customer's own database rows.
`derandomize=True` makes the examples the same on every run; `deadline=None` because a round trip
through HTTP, the bot and the database has no fixed duration. Invariants: no ERROR log record and
no Bot API call the emulator rejected; every customer message stored in `messages` and either
answered in the private chat or relayed to the staff chat (an abusive conversation is the one
place where silence is the rule); every button press answered; a main-menu label always starts
its journey, whatever step the customer was in; forged buttons never change anyone's ticket.
"""

from __future__ import annotations

import asyncio
import itertools
import logging
from collections.abc import AsyncIterator, Callable
from typing import Any, cast

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlmodel import col, select

from bot.db import transaction
from bot.i18n import Translations
from bot.services.inbound_log import is_note
from handlers.customer.keyboards import MENU_KEYS
from models import Conversation, Customer, Message, SatisfactionRating, Ticket
from tests.e2e.conftest import (
    MANAGER_ID,
    STAFF_ID,
    Harness,
    bot_settings,
    start_polling,
)
from tgemulator import Emulator

pytestmark = pytest.mark.timeout(180)
Json = dict[str, Any]

fuzz = settings(
    max_examples=25,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
TEXTS = Translations()
MENU_LABELS = {
    TEXTS.get(lang)(key): key for lang in ("en", "ru") for row in MENU_KEYS for key in row
}
# What each main-menu label answers first, in either language.
MENU_ANSWERS = {
    "menu-ask": "faq-ask-prompt",
    "menu-return": "return-start",
    "menu-complaint": "complaint-start",
    "menu-person": "person-connecting",
    "menu-callback": "callback-ask-phone",
    "menu-requests": "requests-none",
}
_ids = itertools.count(771_000)

# ---- strategies --------------------------------------------------------------------------

_ODD = [
    "\u200b",  # zero-width space
    "\u200c\u200d",  # zero-width (non-)joiners
    "\u2060",  # word joiner
    "\ufeff",  # byte-order mark
    "\u202e",  # right-to-left override
    "\u200f",  # right-to-left mark
    "مرحبا، أين طلبي؟",  # Arabic
    "שלום",  # Hebrew
    "😀👍🏽👨‍👩‍👧",  # emoji with modifiers and joiners
    "\x01\x07\x1b[31m\x7f",  # control characters (NUL is left out: see test_bad_input)
    "\t\r\n",
    "Ｆｕｌｌｗｉｄｔｈ",
    "e\u0301\u0301\u0301",  # stacked combining accents
]
_COMMANDS = [
    "/start",
    "/help",
    "/menu",
    "/cancel",
    "/language",
    "/resolve",
    "/reopen",
    "/ban",
    "/unban",
    "/abuse",
    "/duty on",
    "/canned",
    "/escalate now",
    "/note hi",
    "/start@service_bot",
    "/unknown_command",
    "/",
    "//not a note here",
]
_WORDS = [
    "where is my order",
    "how long does delivery take",
    "возврат",
    "1 299,50 ₽",
    "-5",
    "0",
    "1e309",
    "NaN",
    "$100",
    "99999999999999999999",
    "https://example.com/?a=1",
    "@service_bot",
    "#hashtag",
    "<b>bold</b>",
    "*md* _md_ `code`",
]


def _fill(unit: str) -> str:
    """The longest text Telegram accepts (4096 UTF-16 code units) made of one repeated unit."""
    size = len(unit.encode("utf-16-le")) // 2
    return (unit * (4096 // size + 1))[: 4096 // size * len(unit)].strip() or "x"


texts = st.one_of(
    st.text(min_size=1, max_size=40),
    st.lists(st.sampled_from(_ODD + _WORDS), min_size=1, max_size=4).map(" ".join),
    st.sampled_from(_COMMANDS + _WORDS + list(MENU_LABELS)),
    st.sampled_from(["a", "я ", "😀", "\u200f", "word "]).map(_fill),
).filter(lambda t: t.strip() != "" and len(t.strip().encode("utf-16-le")) <= 2 * 4096)

_PREFIXES = ["rd", "cm", "cn", "cb", "rt5", "rtc", "rt", "rf", "cd", "fl", "lg", "fq", "pr", "fu"]
_PARTS = st.one_of(
    st.integers(min_value=-5, max_value=2**64).map(str),
    st.sampled_from(
        [
            *("@T", "@C", "1", "0", "true", "false", "cash", "card", "in_progress", "resolved"),
            *("greeting", "apology-delay", "delivery-problem", "late", "person", "when"),
            *("this_week", "skip", "ru", "de", "", "99999999999999999999", "٣", "1_0", " 1"),
        ]
    ),
    st.text(max_size=6),
)
# "@T" and "@C" stand for another customer's ticket and conversation ids, filled in at run time.
# Well-formed data of every button the bot makes, aimed at another customer where it can be.
_SHAPES = [
    "rd:@T:1",
    "rd:@T:0",
    "cm:@T:resolved",
    "cm:@T:in_progress",
    "cn:greeting",
    "cb:@C",
    "rt5:@C:1",
    "rt5:@C:5",
    "rtc",
    "rf:@T:cash",
    "fu:@T:0",
    "fu:@T:1",
    "cd",
    "rt:when:this_week",
    "rt:photo:skip",
    "fq:delivery-time:1",
    "fq:delivery-time:0",
    "fl:delivery-problem:what",
    "fl:delivery-problem:late",
    "pr:person",
    "pr:faq_unhelpful",
    "lg:ru",
    "lg:en",
]
forged_data = st.one_of(
    st.sampled_from(_SHAPES),
    st.builds(
        lambda prefix, parts: ":".join([prefix, *parts]),
        st.sampled_from([*_PREFIXES, "zz", ""]),
        st.lists(_PARTS, max_size=3),
    ),
)

customer_actions = st.one_of(
    st.tuples(st.just("text"), texts),
    st.tuples(st.just("menu"), st.sampled_from(sorted(MENU_LABELS))),
    st.tuples(st.just("photo"), st.one_of(st.none(), st.text(min_size=1, max_size=20))),
    st.tuples(st.just("sticker"), st.sampled_from(["👍", "😡", "🤷"])),
    st.tuples(st.just("contact"), st.sampled_from(["own", "other", "phone"])),
    st.tuples(st.just("edit"), st.integers(0, 5), texts),
    st.tuples(st.just("button"), st.integers(0, 7)),
    st.tuples(st.just("forged"), forged_data),
)

# ---- helpers -----------------------------------------------------------------------------


class Finished(logging.Handler):
    """Collect the updates aiogram has finished with: it logs "Update id=N is handled" for each.

    That line comes after the update's middlewares, so after its database commit: the sure sign
    the bot is done with an update, where waiting for its first reply is not.
    """

    def __init__(self) -> None:
        super().__init__(logging.INFO)
        self.ids: set[int] = set()

    def emit(self, record: logging.LogRecord) -> None:
        """Remember the update id of a "Update id=N is (not) handled" line."""
        if str(record.msg).startswith("Update id=") and record.args:
            self.ids.add(int(cast(tuple[int, ...], record.args)[0]))


class QuietHarness(Harness):
    """A harness that waits for the bot to finish each action and prints briefly in reports."""

    def __repr__(self) -> str:
        return "Harness()"

    async def idle(self, timeout: float = 10.0) -> None:
        """Wait until the bot has finished every update people have made so far."""
        finished: Finished = self.extra["finished"]
        wanted = set(range(self.extra["first_update"], self.emu.world.next_update_id))
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while not wanted <= finished.ids:
            if loop.time() > deadline:
                raise TimeoutError(f"updates {sorted(wanted - finished.ids)} not finished")
            await asyncio.sleep(0.02)
        # Messages to staff and managers leave through the outbox after the commit.
        while self.services.outbox.sending or await self.services.outbox.backlog():
            if loop.time() > deadline:
                raise TimeoutError("outbox not drained")
            await asyncio.sleep(0.02)

    async def say(self, user_id: int, text: str, timeout: float = 5.0) -> Json:
        """Write as a customer; return the bot's first reply once the bot has finished."""
        reply = await super().say(user_id, text, timeout)
        await self.idle()
        return reply

    async def press(
        self,
        user_id: int,
        message: Json,
        label: str,
        chat_id: int | None = None,
        timeout: float = 5.0,
    ) -> Json:
        """Press a button by label; return the answer once the bot has finished."""
        answer = await super().press(user_id, message, label, chat_id, timeout)
        await self.idle()
        return answer


async def fast_harness(emu: Emulator, database_url: str) -> AsyncIterator[QuietHarness]:
    """Run the bot polling the emulator, without the per-chat flood limit: fuzzing writes fast."""
    finished = Finished()
    events = logging.getLogger("aiogram.event")
    level = events.level
    events.setLevel(logging.INFO)
    events.addHandler(finished)
    settings = bot_settings(emu, database_url, rate_limit_chat="1000/second")
    services, bot, dp, stop = await start_polling(settings)
    extra = {"finished": finished, "first_update": emu.world.next_update_id}
    try:
        yield QuietHarness(emu, services, bot, dp, stop, extra)
    finally:
        await stop()
        events.removeHandler(finished)
        events.setLevel(level)


@pytest.fixture
async def harness(emu: Emulator, database_url: str) -> AsyncIterator[QuietHarness]:
    """The bot polling the emulator, with no per-chat flood limit to wait for."""
    async for running in fast_harness(emu, database_url):
        yield running


def new_customer(h: Harness, language: str = "en") -> int:
    """A customer nobody has seen before."""
    user = next(_ids)
    return h.customer(user, f"Fuzz{user % 1000}", language)


def outgoing_since(h: Harness, chat_id: int, mark: int) -> list[Json]:
    """The bot's messages in a chat created after a cursor."""
    return [s.view() for s in h.emu.world.messages_after(chat_id, mark) if s.outgoing]


def inline_buttons(message: Json) -> list[str]:
    """The callback data of a message's inline buttons."""
    rows = (message.get("reply_markup") or {}).get("inline_keyboard", [])
    return [b["callback_data"] for row in rows for b in row if b.get("callback_data")]


class Watch:
    """What the bot did since a point in time: log records and rejected Bot API calls."""

    def __init__(self, h: Harness, caplog: pytest.LogCaptureFixture) -> None:
        assert isinstance(h, QuietHarness)
        self.h = h
        self.caplog = caplog
        self.records = len(caplog.records)
        self.calls = len(h.emu.calls)

    async def idle(self) -> None:
        """Wait until the bot has finished every update so far."""
        await self.h.idle()

    def errors(self) -> list[str]:
        """ERROR records logged since the watch began."""
        return [
            f"{r.name}: {r.getMessage()}"
            for r in self.caplog.records[self.records :]
            if r.levelno >= logging.ERROR
        ]

    def rejected(self, allow: Callable[[Any], bool] = lambda call: False) -> list[str]:
        """Bot API calls the emulator refused since the watch began."""
        return [
            f"{c.method} {c.params}: {c.error}"
            for c in self.h.emu.calls[self.calls :]
            if not c.ok and not allow(c)
        ]

    async def assert_clean(self, allow: Callable[[Any], bool] = lambda call: False) -> None:
        """Once the bot is idle: no unhandled exception and no invalid call."""
        await self.idle()
        assert self.errors() == [], self.errors()
        assert self.rejected(allow) == [], self.rejected(allow)


async def stored_inbound(h: Harness, chat_id: int, message_ids: list[int]) -> dict[int, str | None]:
    """The stored text of each of these incoming messages that the bot has stored."""
    async with transaction(h.services.sessions) as session:
        stmt = select(Message).where(
            Message.chat_id == chat_id,
            Message.direction == "in",
            col(Message.telegram_message_id).in_(message_ids),
        )
        return {row.telegram_message_id: row.text for row in (await session.exec(stmt)).all()}


async def customer_row(h: Harness, user: int) -> tuple[Customer | None, Conversation | None]:
    """The customer and their latest conversation, as committed."""
    async with transaction(h.services.sessions) as session:
        customer = (
            await session.exec(select(Customer).where(Customer.telegram_id == user))
        ).first()
        if customer is None:
            return None, None
        stmt = (
            select(Conversation)
            .where(Conversation.customer_id == customer.id)
            .order_by(col(Conversation.id).desc())
        )
        return customer, (await session.exec(stmt)).first()


async def silence_allowed(h: Harness, user: int) -> bool:
    """An abusive conversation keeps later messages without answering; that silence is the rule."""
    _, conversation = await customer_row(h, user)
    return bool(conversation and conversation.abusive)


async def matters_of(h: Harness, who: dict[str, str]) -> tuple[Any, ...]:
    """A customer's tickets, latest conversation and ratings: what nobody else may change."""
    _, conversation = await customer_row(h, int(who["user"]))
    customer_id = int(who["customer"])
    async with transaction(h.services.sessions) as session:
        tickets = (
            await session.exec(select(Ticket).where(Ticket.customer_id == customer_id))
        ).all()
        stmt = select(SatisfactionRating.score).where(SatisfactionRating.customer_id == customer_id)
        ratings = sorted((await session.exec(stmt)).all())
    assert conversation is not None
    return (
        sorted(
            (t.id, t.status, t.refund_method, t.decided_by, t.follow_up_outcome, t.amount)
            for t in tickets
        ),
        conversation.status,
        conversation.abusive,
        ratings,
    )


class Actor:
    """One simulated customer: each action is awaited until the bot has finished with it."""

    def __init__(self, watch: Watch, user: int, fill: dict[str, str]) -> None:
        self.watch = watch
        self.h = watch.h
        self.user = user
        self.fill = fill
        self.sent: list[int] = []
        self.texts: list[int] = []

    async def message(self, send: Callable[[], Any], label: str) -> None:
        """Send something; it must be stored, and answered or relayed to staff."""
        mark = self.h.emu.mark()
        sent = await send()
        self.sent.append(sent["message_id"])
        if "text" in sent:
            self.texts.append(sent["message_id"])
        await self.watch.idle()
        answered = outgoing_since(self.h, self.user, mark)
        relayed = outgoing_since(self.h, self.h.staff_chat, mark)
        if not answered and not relayed:
            assert await silence_allowed(self.h, self.user), f"{label!r} was dropped silently"

    async def menu(self, label: str) -> None:
        """A main-menu label starts its journey, whatever step the customer was in."""
        mark = self.h.emu.mark()
        await self.message(lambda: self.h.emu.send_text(self.user, label), label)
        customer, conversation = await customer_row(self.h, self.user)
        if customer is None or customer.blocked or (conversation and conversation.abusive):
            return
        l10n = TEXTS.get(customer.language)
        key = MENU_ANSWERS[MENU_LABELS[label]]
        expected = {l10n(key)} | ({l10n("requests-header")} if key == "requests-none" else set())
        replies = [m.get("text") or "" for m in outgoing_since(self.h, self.user, mark)]
        assert any(r.split("\n")[0] in {e.split("\n")[0] for e in expected} for r in replies), (
            f"{label!r} did not start its journey; the bot said {replies}"
        )

    async def press(self, data: str) -> Json:
        """Press a button, real or forged, on the customer's latest bot message: it is answered."""
        chat = self.h.emu.bot_messages(self.user)
        if not chat:
            return {}
        for token, value in self.fill.items():
            data = data.replace(token, value)
        query = await self.h.emu.press_button(
            self.user, self.user, chat[-1]["message_id"], data[:64] or "x"
        )
        await self.watch.idle()
        answer = self.h.emu.callback_answer(query)
        assert answer is not None, f"button {data!r} left unanswered"
        return answer

    async def act(self, action: tuple[Any, ...]) -> None:
        """Carry out one generated action."""
        h, user = self.h, self.user
        kind = action[0]
        if kind == "text":
            await self.message(lambda: h.emu.send_text(user, action[1]), action[1])
        elif kind == "menu":
            await self.menu(action[1])
        elif kind == "photo":
            await self.message(lambda: h.emu.send_photo(user, caption=action[1]), "photo")
        elif kind == "sticker":
            await self.message(lambda: h.emu.send_sticker(user, action[1]), "sticker")
        elif kind == "contact":
            await self.message(lambda: self.contact(action[1]), "contact")
        elif kind == "edit" and self.texts:
            target = self.texts[action[1] % len(self.texts)]
            old = h.emu.message(user, target) or {}
            if (old.get("text") or "") != action[2].strip():  # Telegram sends no empty edits
                await h.emu.edit_text(user, target, action[2])
                await self.watch.idle()
        elif kind == "button":
            buttons = [d for m in h.emu.bot_messages(user) for d in inline_buttons(m)]
            if buttons:
                await self.press(buttons[-1 - action[1] % len(buttons)])
        elif kind == "forged":
            await self.press(action[1])

    async def contact(self, whose: str) -> Json:
        """Share one's own contact, someone else's (with their user id), or a bare number."""
        if whose == "own":
            return await self.h.emu.send_contact(self.user)
        if whose == "phone":
            return await self.h.emu.send_contact(self.user, phone_number="+441234567890")
        contact = {"phone_number": "+79990001122", "first_name": "Other", "user_id": STAFF_ID}
        sent = self.h.emu.people.post(self.user, {"contact": contact})
        await asyncio.sleep(0)
        return sent

    async def assert_all_stored(self) -> None:
        """Every message the customer sent is in the log, with its latest text."""
        stored = await stored_inbound(self.h, self.user, self.sent)
        assert set(stored) == set(self.sent), f"not stored: {set(self.sent) - set(stored)}"
        for message_id in self.texts:
            current = self.h.emu.message(self.user, message_id) or {}
            assert stored[message_id] == current.get("text"), f"edit of {message_id} not kept"


async def victim(h: Harness, caplog: pytest.LogCaptureFixture) -> dict[str, str]:
    """A customer with an approved return and a resolved conversation; their ids."""
    watch = Watch(h, caplog)
    user = new_customer(h)
    await h.say(user, "↩️ Return a product")
    when = await h.say(user, "Kettle")
    for label in ("This week", "Defective", "Skip"):
        await h.press(user, when, label)
        when = h.emu.bot_messages(user)[-1]
    approved = await h.say(user, "50")
    assert "approved" in approved["text"]
    await h.say(user, "👤 Talk to a person")
    topic = await h.wait_topic(user)
    await h.emu.staff_send(STAFF_ID, topic, "/resolve")
    await h.emu.wait_for_bot_message(user, lambda m: "How did we do" in (m.get("text") or ""))
    await watch.assert_clean()
    customer, conversation = await customer_row(h, user)
    assert customer is not None and customer.id is not None and conversation is not None
    async with transaction(h.services.sessions) as session:
        ticket = (await session.exec(select(Ticket).where(Ticket.customer_id == customer.id))).one()
    return {"@T": str(ticket.id), "@C": str(conversation.id), "customer": str(customer.id)} | {
        "user": str(user)
    }


@pytest.fixture
async def other(harness: Harness, caplog: pytest.LogCaptureFixture) -> dict[str, str]:
    """Another customer whose tickets and conversation nobody else's buttons may touch."""
    return await victim(harness, caplog)


# ---- tests -------------------------------------------------------------------------------


@fuzz
@given(batch=st.lists(texts, min_size=1, max_size=3), language=st.sampled_from(["en", "ru"]))
async def test_random_texts_are_answered_or_relayed(
    harness: Harness, caplog: pytest.LogCaptureFixture, batch: list[str], language: str
) -> None:
    watch = Watch(harness, caplog)
    actor = Actor(watch, new_customer(harness, language), {})
    for text in batch:
        await actor.act(("text", text))
    await watch.assert_clean()
    await actor.assert_all_stored()


@fuzz
@given(actions=st.lists(customer_actions, min_size=2, max_size=8))
async def test_random_customer_journeys_keep_the_invariants(
    harness: Harness,
    caplog: pytest.LogCaptureFixture,
    other: dict[str, str],
    actions: list[tuple[Any, ...]],
) -> None:
    before = await matters_of(harness, other)
    watch = Watch(harness, caplog)
    actor = Actor(watch, new_customer(harness), other)
    for action in actions:
        await actor.act(action)
    await watch.assert_clean()
    await actor.assert_all_stored()
    assert await matters_of(harness, other) == before, "another customer's matters changed"


@settings(fuzz, max_examples=30)
@given(presses=st.lists(forged_data, min_size=1, max_size=5))
async def test_forged_buttons_are_refused_and_change_nothing(
    harness: Harness,
    caplog: pytest.LogCaptureFixture,
    other: dict[str, str],
    presses: list[str],
) -> None:
    before = await matters_of(harness, other)
    watch = Watch(harness, caplog)
    actor = Actor(watch, new_customer(harness), other)
    await harness.say(actor.user, "/start")  # the greeting has no inline buttons at all
    for data in presses:
        answer = await actor.press(data)
        assert answer.get("show_alert"), f"forged {data!r} was not refused"
    await watch.assert_clean()
    assert await matters_of(harness, other) == before, "a forged button changed another customer"


_staff_texts = st.one_of(
    texts,
    st.sampled_from(
        [
            *("/resolve", "/reopen", "/escalate", "/escalate rude", "/canned", "/abuse", "/note x"),
            *("/ban", "/ban troll", "/unban", "/duty", "/duty on", "/duty off", "/duty maybe"),
            *("// internal note", "//", "/resolve@service_bot", "/nope"),
        ]
    ),
)
staff_actions = st.one_of(
    st.tuples(st.just("topic"), st.sampled_from([STAFF_ID, MANAGER_ID]), _staff_texts),
    st.tuples(st.just("general"), st.sampled_from([STAFF_ID, MANAGER_ID]), _staff_texts),
    st.tuples(st.just("photo"), st.sampled_from([STAFF_ID, MANAGER_ID]), st.none()),
    st.tuples(st.just("edit"), st.integers(0, 5), texts),
    st.tuples(st.just("button"), st.integers(0, 5), st.none()),
    st.tuples(st.just("forged"), st.sampled_from([STAFF_ID, MANAGER_ID]), forged_data),
    st.tuples(st.just("customer"), st.none(), texts),
)


@settings(fuzz, max_examples=25)
@given(actions=st.lists(staff_actions, min_size=1, max_size=6))
async def test_random_staff_actions_in_topics(
    harness: Harness,
    caplog: pytest.LogCaptureFixture,
    other: dict[str, str],
    actions: list[tuple[Any, ...]],
) -> None:
    h = harness
    before = await matters_of(h, other)
    watch = Watch(h, caplog)
    actor = Actor(watch, new_customer(h), other)
    await h.say(actor.user, "👤 Talk to a person")
    topic = await h.wait_topic(actor.user)
    staff_sent: list[int] = []
    notes: list[str] = []
    for kind, who, value in actions:
        mark = h.emu.mark()
        if kind in ("topic", "general", "photo"):
            thread = None if kind == "general" else topic
            if kind == "photo":
                sent = await h.emu.staff_send_photo(who, thread)
            else:
                sent = await h.emu.staff_send(who, thread, value)
            staff_sent.append(sent["message_id"])
            await watch.idle()
            if kind == "general" or value is None:
                continue
            if is_note(value):
                notes.append(value.strip())
            elif not value.startswith("/note"):
                # In a topic every staff message reaches the customer, or staff get an answer.
                told = outgoing_since(h, actor.user, mark) or outgoing_since(h, h.staff_chat, mark)
                assert told or await silence_allowed(h, actor.user), f"{value!r} got no answer"
        elif kind == "edit":
            mine = [
                m
                for m in h.emu.messages(h.staff_chat, topic)
                if not m.get("from", {}).get("is_bot") and "text" in m
            ]
            if mine and mine[who % len(mine)].get("text") != value.strip():
                target = mine[who % len(mine)]
                await h.emu.edit_text(
                    target["from"]["id"], target["message_id"], value, chat_id=h.staff_chat
                )
                await watch.idle()
        elif kind == "button":
            cards = [m for m in h.emu.bot_messages(h.staff_chat, topic) if inline_buttons(m)]
            if cards:
                data = inline_buttons(cards[-1])[who % len(inline_buttons(cards[-1]))]
                query = await h.emu.press_button(
                    STAFF_ID, h.staff_chat, cards[-1]["message_id"], data
                )
                await watch.idle()
                assert h.emu.callback_answer(query) is not None
        elif kind == "forged":
            target = h.emu.bot_messages(h.staff_chat, topic)[-1]
            data = value
            for token, filled in other.items():
                data = data.replace(token, filled)
            query = await h.emu.press_button(
                who, h.staff_chat, target["message_id"], data[:64] or "x"
            )
            await watch.idle()
            assert h.emu.callback_answer(query) is not None
        elif kind == "customer":
            await actor.act(("text", value))
    await watch.assert_clean()
    stored = await stored_inbound(h, h.staff_chat, staff_sent)
    assert set(stored) == set(staff_sent), "a staff message was not stored"
    leaked = [m for m in h.emu.bot_messages(actor.user) if (m.get("text") or "").strip() in notes]
    assert leaked == [], "an internal note reached the customer"
    assert await matters_of(h, other) == before, "staff in one topic changed another customer"
