"""The transcript: every message once, in order, with authors, waits, notes and events."""

from __future__ import annotations

from zoneinfo import ZoneInfo

from bot.console.text_log import render_log
from bot.console.transcript import find_conversations, load_transcript
from bot.i18n import Translations
from tests.console.conftest import sign_in
from tests.console.world import NOW, World

MOSCOW = ZoneInfo("Europe/Moscow")


async def test_messages_and_events_in_order(session, world: World) -> None:
    t = await load_transcript(session, world.answered, MOSCOW, NOW, reply_sla_seconds=180)
    assert t is not None
    lines = [(e.author or e.text, e.place) for e in t.entries]
    assert lines == [
        ("Maria", "customer chat"),
        ("Handed to a person: the customer asked for a person", ""),
        ("Anna", "staff topic"),
        ("Anna answered after 2 min 00 s", ""),
        ("Note by Anna", "staff topic"),
        ("Called back by Anna (on time)", ""),
        ("Resolved by Anna", ""),
        ("Rated 5/5", ""),
    ]
    question, staff = t.entries[0], t.entries[2]
    assert question.relayed and staff.relayed  # each was copied to the other chat once
    assert t.entries[4].is_note
    assert t.rating is not None and t.rating.comment == "Quick and kind"


async def test_the_transcript_in_russian(session, world: World) -> None:
    russian = Translations().get("ru")
    t = await load_transcript(
        session, world.answered, MOSCOW, NOW, russian, "ru", reply_sla_seconds=180
    )
    assert t is not None
    assert [e.author or e.text for e in t.entries] == [
        "Maria",
        "Передан сотруднику: клиент попросил сотрудника",
        "Anna",
        "Anna ответил(а) через 2 мин 00 с",
        "Заметка: Anna",
        "Anna перезвонил(а) вовремя",
        "Anna отметил(а) решённым",
        "Оценка 5/5",
    ]


async def test_every_console_text_is_in_both_languages() -> None:
    texts = Translations()
    english, russian = texts.get("en").keys(), texts.get("ru").keys()
    assert {k for k in english if k.startswith("console-")} == {
        k for k in russian if k.startswith("console-")
    }


async def test_each_customer_message_shows_its_wait(session, world: World) -> None:
    late = await load_transcript(session, world.breached, MOSCOW, NOW, reply_sla_seconds=180)
    assert late is not None
    waits = [(e.message.text, e.wait) for e in late.entries if e.wait and e.message]
    assert [(text, w.seconds, w.answered_by, w.late) for text, w in waits] == [
        ("Хочу вернуть чайник, он протекает", 360.0, "Anna", True),
        ("вот фото", 300.0, "Anna", True),
    ]
    tones = {e.text: e.tone for e in late.entries if e.event is not None}
    assert tones["Return R-000001 approved automatically"] == "good"
    assert any(text.startswith("Reply promise (3 minutes) broken") for text in tones)
    waiting = await load_transcript(session, world.waiting, MOSCOW, NOW, reply_sla_seconds=180)
    assert waiting is not None
    open_wait = waiting.entries[0].wait
    assert open_wait is not None and open_wait.open and open_wait.seconds == 300.0


async def test_a_missing_conversation(session, world: World) -> None:
    assert await load_transcript(session, 999, MOSCOW, NOW, reply_sla_seconds=180) is None


async def test_conversations_by_customer_or_ticket(session, world: World) -> None:
    assert await find_conversations(session, str(world.maria)) == [world.answered, world.faq_only]
    assert await find_conversations(session, "c-000002") == [world.waiting]
    assert await find_conversations(session, "R-999999") == []
    assert await find_conversations(session, "nobody") == []
    for hostile in ("²", "--5", "9" * 23, str(2**63), "1_0"):  # /log with these: nothing found
        assert await find_conversations(session, hostile) == []


async def test_the_text_log(session, world: World) -> None:
    transcripts = [
        await load_transcript(session, cid, MOSCOW, NOW, reply_sla_seconds=180)
        for cid in (world.answered, world.breached)
    ]
    text = render_log([t for t in transcripts if t], MOSCOW)
    assert text.startswith("Times in Europe/Moscow")
    assert "12:00:00  Maria [customer chat, relayed]: My parcel is late, where is it?" in text
    assert "waited 2 min 00 s for Anna" in text
    assert "Note by Anna [staff topic, internal note, relayed]" not in text
    assert "Note by Anna [staff topic, internal note]: // regular customer" in text
    assert "Ticket R-000001: return approved 1290.00 RUB, decided by automatic" in text
    assert "waited 6 min 00 s for Anna (late)" in text


async def test_the_transcript_page(client, world: World) -> None:
    await sign_in(client)
    response = await client.get(f"/conversations/{world.breached}")
    body = await response.text()
    assert response.status == 200
    assert "Хочу вернуть чайник" in body and "internal note" not in body
    assert f'src="/media/message/{world.photo_message}/0"' in body
    assert "waited 6 min 00 s for Anna" in body and "— late" in body
    assert "R-000001" in body and "approved automatically" in body
    answered = await (await client.get(f"/conversations/{world.answered}")).text()
    assert "internal note" in answered and "Quick and kind" in answered
    assert (await client.get("/conversations/999")).status == 404


async def test_the_reply_promise_is_named_from_the_policy(session, world: World) -> None:
    """REPLY_SLA_SECONDS=30 (the sandbox's suggestion) reads "30 seconds", never "3-minute"."""
    russian = Translations().get("ru")
    for texts, lang, said in (
        (None, "en", "Reply promise (30 seconds)"),
        (russian, "ru", "30 секунд"),
    ):
        late = await load_transcript(
            session, world.breached, MOSCOW, NOW, texts, lang, reply_sla_seconds=30
        )
        assert late is not None
        told = [e.text for e in late.entries if e.event is not None]
        assert any(said in text for text in told), told
        assert not any("3 мин" in text or "3 minutes" in text for text in told), told
