"""The conversation list: every filter, full-text search and keyset paging."""

from __future__ import annotations

from datetime import timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import inspect, text

from bot.console.filters import BadFilter, ConversationFilter
from bot.console.listing import BadCursor, list_conversations
from bot.console.search import search_terms
from tests.conftest import database_backend
from tests.console.world import ANNA, DAY, Builder, World, build_world

MOSCOW = ZoneInfo("Europe/Moscow")


async def ids(session, **query: str) -> list[int]:
    page = await list_conversations(session, ConversationFilter.from_query(query), MOSCOW)
    return [row.id for row in page.rows]


async def test_newest_first_with_badges(session, world: World) -> None:
    page = await list_conversations(session, ConversationFilter(), MOSCOW)
    assert [r.id for r in page.rows] == [
        world.waiting,
        world.breached,
        world.answered,
        world.faq_only,
    ]
    waiting = page.rows[0]
    assert waiting.flags == {"callback_breach", "escalated"}
    assert waiting.tickets == [("C-000002", "complaint", "new")]
    assert waiting.abusive and waiting.customer_name == "Olga"
    assert "useless" in waiting.preview
    answered = page.rows[2]
    assert answered.message_count == 3  # question, answer, note: relay copies not twice
    assert page.next_cursor is None


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ({"status": "resolved"}, ["answered"]),
        ({"waiting": "1"}, ["waiting"]),
        ({"breach": "1"}, ["breached"]),
        ({"callback_breach": "1"}, ["waiting"]),
        ({"abusive": "1"}, ["waiting"]),
        ({"has_return": "1"}, ["breached"]),
        ({"has_complaint": "1"}, ["waiting"]),
        ({"staff": str(ANNA)}, ["breached", "answered"]),
        ({"lang": "ru"}, ["breached"]),
        ({"from": "2026-11-18", "to": "2026-11-18"}, ["waiting", "breached", "answered"]),
        ({"to": "2026-11-17"}, ["faq_only"]),
        ({"customer": "710001"}, ["answered", "faq_only"]),
        ({"customer": "r-000001"}, ["breached"]),
        ({"status": "resolved", "lang": "ru"}, []),
    ],
)
async def test_each_filter(
    session, world: World, query: dict[str, str], expected: list[str]
) -> None:
    assert await ids(session, **query) == [getattr(world, name) for name in expected]


def test_bad_filters_are_named() -> None:
    for query, field in (
        ({"status": "lost"}, "status"),
        ({"from": "yesterday"}, "from"),
        ({"staff": "anna"}, "staff"),
        ({"lang": "de"}, "lang"),
        ({"customer": "'; drop table"}, "customer"),
        ({"from": "2026-11-18", "to": "2026-11-01"}, "to"),
    ):
        with pytest.raises(BadFilter, match=f"^{field}:"):
            ConversationFilter.from_query(query)


def test_filters_round_trip_through_the_query_string() -> None:
    flt = ConversationFilter.from_query(
        {
            "status": "answered",
            "breach": "1",
            "q": "late parcel",
            "from": "2026-11-01",
            "staff": "900001",
        }
    )
    again = ConversationFilter.from_query(
        dict(item.split("=") for item in flt.query_string().replace("+", " ").split("&"))
    )
    assert again == flt
    assert flt.without("breach").breach is False


async def test_search_in_both_languages_with_prefixes(session, world: World) -> None:
    assert await ids(session, q="parcel") == [world.answered]
    assert await ids(session, q="PARC") == [world.answered]  # a word's start, any case
    assert await ids(session, q="чайник") == [world.breached]
    assert await ids(session, q="вернуть чайн") == [world.breached]
    assert await ids(session, q="parcel чайник") == []  # all words must match
    assert await ids(session, q="money") == [world.waiting]
    assert await ids(session, q="regular") == [world.answered]  # notes are searched too


async def test_search_combines_with_filters_and_marks_matches(session, world: World) -> None:
    assert await ids(session, q="late", status="resolved") == [world.answered]
    assert await ids(session, q="late", status="answered") == []
    page = await list_conversations(session, ConversationFilter(q="parcel"), MOSCOW)
    assert "<mark>parcel</mark>" in page.rows[0].preview


@pytest.mark.parametrize(
    "query", ['"', "a OR b", "NEAR(x y)", "*", "-x", "'; DROP TABLE messages; --", "x:*", "(", "!"]
)
async def test_search_syntax_cannot_break_the_query(session, world: World, query: str) -> None:
    await ids(session, q=query)  # no error, whatever it finds


def test_search_terms() -> None:
    assert search_terms("  Where's my PARCEL?? ") == ["where", "s", "my", "parcel"]
    assert search_terms("a a a") == ["a"]
    assert len(search_terms(" ".join(f"w{i}" for i in range(20)))) == 8


async def many(session, count: int, text_of=lambda n: f"message number {n}") -> list[int]:
    await build_world(session)
    b = Builder(session)
    customer = await b.customer(720000, "Many")
    made = []
    for n in range(count):
        conv = await b.conversation(customer, DAY - timedelta(hours=n + 1))
        await b.message(conv, customer, conv.opened_at, text_of(n))
        assert conv.id is not None
        made.append(conv.id)
    await session.commit()
    return made


async def test_keyset_paging_visits_every_conversation_once(session) -> None:
    await many(session, 60)
    seen: list[int] = []
    cursor = None
    while True:
        page = await list_conversations(session, ConversationFilter(), MOSCOW, cursor, limit=25)
        seen.extend(row.id for row in page.rows)
        cursor = page.next_cursor
        if cursor is None:
            break
    assert len(seen) == len(set(seen)) == 64


async def test_search_paging_shows_each_conversation_once(session, monkeypatch) -> None:
    monkeypatch.setattr("bot.console.listing.SEARCH_BATCH", 7)  # many batches per page
    made = await many(session, 30, lambda n: f"refund please, refund number {n}")
    b = Builder(session)
    # Older matches in conversations already shown must not bring them back.
    from models import Conversation, Customer

    for cid in made[:10]:
        conv = await session.get(Conversation, cid)
        customer = await session.get(Customer, conv.customer_id)
        await b.message(conv, customer, conv.opened_at + timedelta(minutes=1), "refund again")
    await session.commit()
    seen: list[int] = []
    cursor = None
    for _ in range(20):
        flt = ConversationFilter(q="refund")
        page = await list_conversations(session, flt, MOSCOW, cursor, limit=4)
        seen.extend(row.id for row in page.rows)
        cursor = page.next_cursor
        if cursor is None:
            break
    assert sorted(seen) == sorted(made)
    assert len(seen) == len(set(seen))


async def test_foreign_cursors_are_refused(session, world: World) -> None:
    for flt, cursor in (
        (ConversationFilter(), "m12"),
        (ConversationFilter(q="x"), "o1.2"),
        (ConversationFilter(), "obad"),
    ):
        with pytest.raises(BadCursor):
            await list_conversations(session, flt, MOSCOW, cursor)


async def test_the_index_follows_edits_and_deletes(session, world: World) -> None:
    from models import Message

    row = await session.get(Message, world.note_message)
    row.text = "// customer prefers email"
    await session.commit()
    assert await ids(session, q="regular") == []
    assert await ids(session, q="email") == [world.answered]
    await session.delete(row)
    await session.commit()
    assert await ids(session, q="email") == []


async def test_the_search_index_exists_at_head(engine) -> None:
    async with engine.connect() as conn:
        if database_backend() == "sqlite":
            names = await conn.execute(text("SELECT name FROM sqlite_master WHERE type='trigger'"))
            assert {"messages_fts_insert", "messages_fts_delete", "messages_fts_update"} <= {
                n for (n,) in names
            }
        else:
            indexes = await conn.run_sync(lambda c: inspect(c).get_indexes("messages"))
            assert "ix_messages_text_search" in {i["name"] for i in indexes}


async def test_the_list_page_and_its_errors(client, world: World) -> None:
    from tests.console.conftest import sign_in

    await sign_in(client)
    page = await client.get("/conversations", params={"q": "чайник"})
    body = await page.text()
    assert page.status == 200 and "Ivan" in body and "Maria" not in body
    bad = await client.get("/conversations", params={"status": "lost"})
    assert bad.status == 400 and "status:" in await bad.text()
    cursor = await client.get("/conversations", params={"after": "zz"})
    assert cursor.status == 400
