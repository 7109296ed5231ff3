"""Every journey again, for customers who write to the shop's connected account.

The emulator's mirror mode (`Emulator.serve_customers_via`) makes what a test does "in the
customer's private chat" happen in their chat with the shop's account, and those customers
never started the bot: a call that misses the business connection is refused, so each journey
below passes only if every answer, button, edit and timer message went through it.

Left out: the handoff journey that checks the topic's exact name (in business mode the name
also shows the shop account; test_business.py checks it), and journeys that block the bot or
edit messages (see the README's Telegram Business section for what differs).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

import pytest

from bot.db import transaction
from models import BusinessConnection
from tests.e2e import test_journeys as journeys
from tests.e2e import test_rules as rules
from tests.e2e import test_rules_clock as clocked
from tests.e2e.conftest import STAFF_ID, Harness, eventually
from tests.e2e.test_rules import fast  # noqa: F401  (fixtures of the journeys run here)
from tests.e2e.test_rules_clock import open_shop, shop_hours  # noqa: F401

pytestmark = pytest.mark.timeout(120)

OWNER = 940001
Journey = Callable[[Harness], Awaitable[None]]


async def in_business_mode(h: Harness) -> Harness:
    """Connect the shop's account and make the harness's customers write to it."""
    h.emu.add_user(OWNER, "Corner", "Shop", username="corner_shop", started=False)
    connection_id = await h.emu.connect_business(OWNER)

    async def stored() -> BusinessConnection | None:
        async with transaction(h.services.sessions) as session:
            return await session.get(BusinessConnection, connection_id)

    assert await eventually(stored)
    h.emu.serve_customers_via(OWNER)

    def customer(user_id: int, name: str = "Maria", language: str = "en") -> int:
        h.emu.add_user(user_id, name, language_code=language, started=False)
        return user_id

    h.customer = customer  # type: ignore[method-assign]
    return h


def refused(h: Harness) -> list[str]:
    """Calls Telegram refused because they missed the business connection."""
    return [
        f"{call.method}: {call.error}"
        for call in h.emu.rejected_calls
        if "initiate conversation" in str(call.error) or "BUSINESS_" in str(call.error)
    ]


def named(journeys_: list[Journey]) -> Any:
    return pytest.mark.parametrize("journey", journeys_, ids=lambda j: j.__name__[5:])


@named(
    [
        journeys.test_faq_answer_with_did_it_help,
        journeys.test_faq_no_offers_a_person,
        journeys.test_small_talk_never_reaches_staff,
        journeys.test_staff_reply_answers_the_conversation,
        journeys.test_small_return_is_approved_on_the_spot,
        journeys.test_large_return_is_decided_by_staff,
        journeys.test_complaint_is_numbered_and_followed_by_staff,
        journeys.test_scripted_flow_leads_to_an_answer_and_to_actions,
        journeys.test_callback_request_with_shared_phone,
        journeys.test_every_kind_of_content_reaches_the_topic,
        journeys.test_resolve_resolves_an_open_complaint_and_says_so,
    ]
)
async def test_journey(harness: Harness, journey: Journey) -> None:
    h = await in_business_mode(harness)
    await journey(h)
    assert refused(h) == []


@named([rules.test_reply_rule_alerts_topic_managers_and_customer])
async def test_reply_rule(fast: Harness, journey: Journey) -> None:  # noqa: F811
    h = await in_business_mode(fast)
    await journey(h)
    assert refused(h) == []


@named(
    [
        clocked.test_insult_ends_the_conversation_until_a_manager_reopens,
        clocked.test_low_rating_goes_to_a_manager,
    ]
)
async def test_rule_on_the_clock(open_shop: Harness, journey: Journey) -> None:  # noqa: F811
    h = await in_business_mode(open_shop)
    await journey(h)
    assert refused(h) == []


@named([clocked.test_after_hours_promise_morning_list_and_missed_callback])
async def test_after_hours(shop_hours: Harness, journey: Journey) -> None:  # noqa: F811
    h = await in_business_mode(shop_hours)
    await journey(h)
    assert refused(h) == []


async def test_a_follow_up_past_telegrams_24_hours_goes_to_staff_instead(
    open_shop: Harness,  # noqa: F811
) -> None:
    h = await in_business_mode(open_shop)
    clock = h.extra["clock"]
    user = h.customer(960001, "Oleg")
    await h.say(user, "📝 Make a complaint")
    added = await h.say(user, "Milk was sour")
    await h.press(user, added, "Send the complaint")
    thread = await h.wait_topic(user)
    card = await h.emu.wait_for_bot_message(
        h.staff_chat, lambda m: "Complaint C-" in (m.get("text") or ""), thread_id=thread
    )
    await h.emu.wait_for_bot_message(user, lambda m: "is registered" in (m.get("text") or ""))
    await h.press(STAFF_ID, card, "✅ Resolved", chat_id=h.staff_chat)
    await h.emu.wait_for_bot_message(user, lambda m: "now: resolved" in (m.get("text") or ""))
    mark = h.emu.mark()
    clock.advance(days=2, seconds=5)
    # Two days after the customer last wrote, Telegram lets the bot write no more: staff see
    # the follow-up question in the topic, to ask from the account themselves.
    note = await h.emu.wait_for_bot_message(
        h.staff_chat,
        lambda m: "Could not reach the customer" in (m.get("text") or ""),
        thread_id=thread,
        since=mark,
    )
    assert "Is everything all right now?" in note["text"]
    assert not any(
        "Is everything all right" in (m.get("text") or "") for m in h.emu.bot_messages(user)
    )
    assert refused(h) == []
