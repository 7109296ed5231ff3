"""Every journey again, for customers who write to the shop's connected account.

The emulator's mirror mode (`Emulator.serve_customers_via`) makes what a test does "in the
customer's private chat" happen in their chat with the shop's account, and those customers
never started the bot: a call that misses the business connection is refused, so each journey
below passes only if every answer, button, edit and timer message went through it.

Every journey of test_journeys.py, test_rules.py and test_rules_clock.py runs here unchanged
(the handoff's exact topic name comes from `Harness.topic_name`, which knows the mode), except:
- the follow-up that comes two days after a complaint is resolved: Telegram lets a bot write
  in a business chat only within 24 hours of the customer's last message, so it runs twice
  here, once for a customer who wrote again within a day (the whole journey, "Still a
  problem" included) and once for one who did not (the question goes to the topic instead);
- a customer blocking the bot: in a business chat they would block the shop's account, of
  which the Bot API tells the bot nothing (my_chat_member covers only the bot's own chat), so
  the test checks that blocking the bot's own chat leaves the business chat served (the
  reply rule alerts managers once, the customer still hears from the account).
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
    h.extra["business_account"] = "Corner Shop (@corner_shop)"  # in the topics' names

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
        journeys.test_unsure_faq_hands_over_honestly,
        journeys.test_off_topic_gets_one_honest_line_and_the_offer_of_a_person,
        journeys.test_small_talk_never_reaches_staff,
        journeys.test_asking_for_a_person_in_any_words_hands_over_at_once,
        journeys.test_question_wrapped_in_a_greeting_is_still_a_question,
        journeys.test_handoff_both_ways_with_note_and_canned,
        journeys.test_staff_reply_answers_the_conversation,
        journeys.test_small_return_is_approved_on_the_spot,
        journeys.test_large_return_is_decided_by_staff,
        journeys.test_complaint_is_numbered_and_followed_by_staff,
        journeys.test_forged_and_stale_buttons_are_refused,
        journeys.test_unsupported_content_gets_a_polite_answer,
        journeys.test_edits_are_recorded_and_relayed,
        journeys.test_long_texts_are_split_not_lost,
        journeys.test_blocked_customer_is_refused_and_not_relayed,
        journeys.test_scripted_flow_leads_to_an_answer_and_to_actions,
        journeys.test_callback_request_with_shared_phone,
        journeys.test_menu_commands_work_in_the_middle_of_a_step,
        journeys.test_every_kind_of_content_reaches_the_topic,
        journeys.test_resolve_resolves_an_open_complaint_and_says_so,
        journeys.test_faq_answers_name_buttons_the_customer_can_press,
    ]
)
async def test_journey(harness: Harness, journey: Journey) -> None:
    h = await in_business_mode(harness)
    await journey(h)
    assert refused(h) == []


@named(
    [
        rules.test_reply_rule_alerts_topic_managers_and_customer,
        rules.test_staff_reply_in_time_stops_the_clock,
        rules.test_breach_alerts_once_when_the_customer_blocked_the_bot,
    ]
)
async def test_reply_rule(fast: Harness, journey: Journey) -> None:  # noqa: F811
    h = await in_business_mode(fast)
    await journey(h)
    assert refused(h) == []


@named(
    [
        clocked.test_insult_ends_the_conversation_until_a_manager_reopens,
        clocked.test_staff_abuse_and_manager_ban,
        clocked.test_low_rating_goes_to_a_manager,
        clocked.test_overdue_complaint_escalates,
        clocked.test_last_one_off_duty_warns_managers,
        clocked.test_a_staff_decision_the_customer_is_told_answers_them,
        clocked.test_a_rating_a_late_faq_press_and_a_managers_chat_open_no_conversation,
        clocked.test_a_manager_writing_a_commands_word_without_the_slash_is_a_customer,
    ]
)
async def test_rule_on_the_clock(open_shop: Harness, journey: Journey) -> None:  # noqa: F811
    h = await in_business_mode(open_shop)
    await journey(h)
    assert refused(h) == []


@named(
    [
        clocked.test_after_hours_promise_morning_list_and_missed_callback,
        clocked.test_daily_summary_reaches_managers_at_closing,
        clocked.test_after_hours_callback_request_is_confirmed_once_with_the_menu,
        clocked.test_phone_shared_from_the_after_hours_promise_is_confirmed,
    ]
)
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


async def test_follow_up_within_telegrams_24_hours_still_a_problem_reopens_and_escalates(
    open_shop: Harness,  # noqa: F811
) -> None:
    """The follow-up journey, for a customer who wrote to the account in the last 24 hours."""
    h = await in_business_mode(open_shop)
    clock = h.extra["clock"]
    user = h.customer(960002, "Oleg")
    await h.say(user, "📝 Make a complaint")
    added = await h.say(user, "Milk was sour")
    await h.press(user, added, "Send the complaint")
    card = await h.emu.wait_for_bot_message(
        h.staff_chat, clocked.has("Complaint C-"), thread_id=await h.wait_topic(user)
    )
    await h.emu.wait_for_bot_message(user, clocked.has("is registered"))
    await eventually(lambda: clocked.events(h, "complaint_opened"))
    await h.press(STAFF_ID, card, "✅ Resolved", chat_id=h.staff_chat)
    await h.emu.wait_for_bot_message(user, clocked.has("now: resolved"))
    clock.advance(days=1, hours=12)
    await h.emu.send_text(user, "thank you")  # Telegram's window opens again for 24 hours
    await h.emu.wait_until_delivered()
    clock.advance(hours=12, seconds=5)
    question = await h.emu.wait_for_bot_message(
        user, clocked.has("Is everything all right now?"), timeout=8
    )
    await h.press(user, question, "👎 Still a problem")
    alert = await h.emu.wait_for_bot_message(clocked.MANAGER_ID, clocked.has("still a problem"))
    assert "C-" in alert["text"]
    sorry = await h.emu.wait_for_bot_message(user, clocked.has("manager will look into it"))
    assert sorry
    reasons = [e.reason for e in await eventually(lambda: clocked.events(h, "escalated"))]
    assert "follow_up_problem" in reasons
    assert refused(h) == []


async def test_blocking_the_bots_own_chat_does_not_close_the_business_chat(
    fast: Harness,  # noqa: F811
) -> None:
    """A customer who blocks the bot still reaches the account, and the account them."""
    h = await in_business_mode(fast)
    user = h.customer(960003, "Gone")
    await h.say(user, "👤 Talk to a person")
    topic = await h.wait_topic(user)
    await h.emu.block_bot(user)  # Telegram tells the bot (my_chat_member) of its own chat only
    await h.emu.wait_for_bot_message(
        rules.MANAGER_ID, lambda m: "Reply promise" in m["text"], timeout=8
    )
    await h.emu.wait_for_bot_message(user, lambda m: "Thank you for waiting" in m["text"])
    await h.emu.staff_send(STAFF_ID, topic, "Here we are!")
    await h.emu.wait_for_bot_message(user, lambda m: m["text"] == "Here we are!")
    alerts = [m for m in h.emu.bot_messages(rules.MANAGER_ID) if "Reply promise" in m["text"]]
    assert len(alerts) == 1
    assert len(await eventually(lambda: rules.events(h, "reply_breach"))) == 1
    to_customer = [c for c in h.emu.calls if c.params.get("chat_id") == user]
    assert to_customer and all(c.params.get("business_connection_id") for c in to_customer)
    assert [c for c in h.emu.rejected_calls if c.params.get("chat_id") == user] == []
    assert refused(h) == []


async def test_staff_edits_reach_the_customers_copy_through_the_account(harness: Harness) -> None:
    """Staff correct a reply in the topic: the customer's copy is edited through the account."""
    h = await in_business_mode(harness)
    user = h.customer(960004, "Ira")
    await h.say(user, "👤 Talk to a person")
    topic = await h.wait_topic(user)
    mark = h.emu.mark()
    sent = await h.emu.staff_send(STAFF_ID, topic, "Your order ships on Monday")
    copy = await h.emu.wait_for_bot_message(user, since=mark)
    await h.emu.edit_text(
        STAFF_ID, sent["message_id"], "Your order ships on Tuesday", chat_id=h.staff_chat
    )

    async def edited() -> bool:
        current = h.emu.message(user, copy["message_id"])
        return bool(current and current.get("text") == "Your order ships on Tuesday")

    assert await eventually(edited)
    edits = h.emu.calls_to("editMessageText")
    assert edits and all(c.params.get("business_connection_id") for c in edits)
    assert refused(h) == []


def test_every_journey_runs_in_business_mode() -> None:
    """A journey added to the bot-mode tests must be added here too (or its stand-in named)."""
    import ast
    from pathlib import Path

    here = Path(__file__)
    listed = here.read_text()
    stand_ins = {
        # Two days after the customer last wrote Telegram lets the bot write no more: run as
        # the two follow-up tests above.
        "test_follow_up_still_a_problem_reopens_and_escalates",
    }
    missing = []
    for module in ("test_journeys.py", "test_rules.py", "test_rules_clock.py"):
        tree = ast.parse((here.parent / module).read_text())
        for node in tree.body:
            journey = isinstance(node, ast.AsyncFunctionDef) and node.name.startswith("test_")
            if journey and f".{node.name}," not in listed and node.name not in stand_ins:
                missing.append(f"{module}::{node.name}")
    assert missing == []


async def test_the_owner_answers_then_the_account_disconnects(fast: Harness) -> None:  # noqa: F811
    """A handoff in business mode with the owner stepping in and, later, a disconnection."""
    h = await in_business_mode(fast)
    user = h.customer(960005, "Dina")
    await h.say(user, "👤 Talk to a person")
    topic = await h.wait_topic(user)
    mark = h.emu.mark()
    personal = await h.emu.owner_send(OWNER, user, "Dina, it's Olga from the shop, one minute")
    await h.emu.wait_for_bot_message(
        h.staff_chat, lambda m: "one minute" in (m.get("text") or ""), thread_id=topic, since=mark
    )
    # The customer answers the owner: staff get it; the bot says nothing, not even its
    # "thank you for waiting" when the 2-second rule fires.
    mark = h.emu.mark()
    await h.emu.send_text(user, "Thanks, I'll wait")
    kept = await h.emu.wait_for_bot_message(
        h.staff_chat,
        lambda m: "The bot kept quiet" in (m.get("text") or ""),
        thread_id=topic,
        since=mark,
    )
    assert "Thank you for waiting" in kept["text"]
    said = [m for m in h.emu.bot_messages(user) if m["message_id"] > personal["message_id"]]
    assert said == []
    # Staff are people: their answer goes through the account even while the bot is quiet.
    mark = h.emu.mark()
    await h.emu.staff_send(STAFF_ID, topic, "Your refund is on its way")
    await h.emu.wait_for_bot_message(user, lambda m: "refund" in (m.get("text") or ""))
    # The owner disconnects the bot: managers hear once; a staff answer is not delivered and
    # the customer's clock is not stopped by it.
    h.emu.serve_customers_via(None)
    connection = next(iter(h.emu.world.connections))
    await h.emu.change_business(connection, enabled=False)
    await h.emu.wait_for_bot_message(
        rules.MANAGER_ID, lambda m: "disconnected the bot" in (m.get("text") or "")
    )
    h.emu.serve_customers_via(OWNER)
    mark = h.emu.mark()
    await h.emu.staff_send(STAFF_ID, topic, "Anything else?")
    await h.emu.wait_for_bot_message(
        h.staff_chat,
        lambda m: "Not delivered" in (m.get("text") or ""),
        thread_id=topic,
        since=mark,
    )
    assert not any("Anything else?" in (m.get("text") or "") for m in h.emu.bot_messages(user))
    assert refused(h) == []
