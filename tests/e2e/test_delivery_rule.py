"""No Telegram call while a database transaction is open: the watch the e2e harness runs."""

from __future__ import annotations

from bot.db import transaction
from tests.e2e.conftest import Harness
from tests.e2e.transactions import CallsInTransactions


async def test_the_watch_sees_a_call_made_inside_a_transaction(harness: Harness) -> None:
    h = harness
    watch: CallsInTransactions = h.extra["calls"]
    async with transaction(h.services.sessions) as session:
        await session.connection()  # the transaction has begun
        await h.bot.get_me()
    await h.bot.get_me()  # committed: fine
    assert [o.split()[0] for o in watch.offences] == ["GetMe"]
    watch.offences.clear()  # seen: the harness would fail this test for it otherwise


async def test_staff_answers_decisions_and_edits_are_sent_after_commit(harness: Harness) -> None:
    h = harness
    watch: CallsInTransactions = h.extra["calls"]
    user = h.customer(710090, "Ines")
    await h.say(user, "👤 Talk to a person")
    topic = await h.wait_topic(user)
    mark = h.emu.mark()
    await h.emu.staff_send(900001, topic, "Hello from staff")
    await h.emu.wait_for_bot_message(user, since=mark)
    mark = h.emu.mark()
    await h.emu.staff_send(900001, topic, "/resolve")
    await h.emu.wait_for_bot_message(
        h.staff_chat, lambda m: "Resolved" in (m.get("text") or ""), thread_id=topic, since=mark
    )
    assert watch.calls and not watch.offences


async def test_an_insult_first_links_the_topic_the_send_created(harness: Harness) -> None:
    # The topic used to be created inside the update's transaction so the managers' alert
    # could link it; now the card's send creates it and the alert follows from its receipt.
    h = harness
    user = h.customer(710091, "Troll")
    goodbye = await h.say(user, "you are all f.u.c.k.i.n.g idiots")
    assert "can't continue a conversation with insults" in goodbye["text"]
    alert = await h.emu.wait_for_bot_message(
        900002, lambda m: "was abusive" in (m.get("text") or "")
    )
    topic = await h.wait_topic(user)
    assert f"/c/{str(h.staff_chat)[4:]}/{topic}" in alert["text"]
    card = h.emu.bot_messages(h.staff_chat, topic)[-1]
    assert "Closed as abusive" in card["text"]
