"""Exports: CSV and JSON of the filtered conversations, messages and tickets, streamed."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import AsyncIterator

import pytest

from bot.console.export import MESSAGE_COLUMNS, encode
from tests.console.conftest import sign_in
from tests.console.world import World


async def fetch(client, path: str, **params: str):
    response = await client.get(path, params=params)
    assert response.status == 200, await response.text()
    return response, await response.read()


def rows_of(body: bytes) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(body.decode("utf-8-sig"))))


async def test_csv_and_json_of_the_filtered_conversations(client, world: World) -> None:
    await sign_in(client)
    response, body = await fetch(client, "/export/conversations.csv", has_return="1")
    assert response.headers["Content-Type"].startswith("text/csv")
    assert 'attachment; filename="conversations-' in response.headers["Content-Disposition"]
    assert response.headers.get("Transfer-Encoding") == "chunked"  # streamed, not buffered
    rows = rows_of(body)
    assert [(r["id"], r["customer_name"], r["status"]) for r in rows] == [
        (str(world.breached), "Ivan", "answered")
    ]
    _, body = await fetch(client, "/export/conversations.json")
    data = json.loads(body)
    assert [r["id"] for r in data] == [
        world.answered,
        world.breached,
        world.waiting,
        world.faq_only,
    ]
    assert data[0]["opened_at"].startswith("2026-11-18T09:00:00")


async def test_csv_times_are_local_to_the_second_and_booleans_words(client, world: World) -> None:
    await sign_in(client)
    _, body = await fetch(client, "/export/conversations.csv")
    row = next(r for r in rows_of(body) if r["id"] == str(world.answered))
    # 09:00 UTC is noon in Moscow, the business's zone; no microseconds, the offset said.
    assert row["opened_at"] == "2026-11-18T12:00:00+03:00"
    assert row["abusive"] == "false"
    _, body = await fetch(client, "/export/tickets.csv")
    tickets = rows_of(body)
    assert tickets and {t["auto_approved"] for t in tickets} <= {"true", "false"}
    assert all("." not in t["created_at"] and t["created_at"].endswith("+03:00") for t in tickets)


async def test_messages_and_tickets_follow_the_filter(client, world: World) -> None:
    await sign_in(client)
    _, body = await fetch(client, "/export/messages.csv", q="чайник")
    rows = rows_of(body)
    assert list(rows[0]) == list(MESSAGE_COLUMNS)
    assert {r["conversation_id"] for r in rows} == {str(world.breached)}
    assert json.loads(next(r for r in rows if r["content_type"] == "photo")["file_ids"]) == [
        "photo-file-1"
    ]
    _, body = await fetch(client, "/export/tickets.json", abusive="1")
    tickets = json.loads(body)
    assert [(t["number"], t["kind"], t["customer_telegram_id"]) for t in tickets] == [
        ("C-000002", "complaint", world.olga)
    ]
    _, body = await fetch(client, "/export/tickets.csv")
    assert [r["amount"] for r in rows_of(body)] == ["1290.00", ""]


async def test_unknown_exports_and_bad_filters(client, world: World) -> None:
    await sign_in(client)
    assert (await client.get("/export/passwords.csv")).status == 404
    assert (await client.get("/export/messages.xml")).status == 404
    assert (await client.get("/export/messages.csv", params={"status": "x"})).status == 400


async def chunks(count: int, size: int) -> AsyncIterator[list[tuple[object, ...]]]:
    rows: list[tuple[object, ...]] = [
        (n, "=SUM(A1)" if n == 0 else f"line {n}") for n in range(count)
    ]
    for start in range(0, count, size):
        yield rows[start : start + size]


@pytest.mark.parametrize("fmt", ["csv", "json"])
async def test_encoding_comes_in_chunks(fmt: str) -> None:
    pieces = [piece async for piece in encode(chunks(25, 10), fmt, ("id", "text"))]
    assert len(pieces) == 4  # one per chunk, then the end
    body = b"".join(pieces)
    if fmt == "json":
        assert len(json.loads(body)) == 25
    else:
        parsed = rows_of(body)
        assert len(parsed) == 25
        assert parsed[0]["text"] == "'=SUM(A1)"  # no formula runs when opened in a spreadsheet


@pytest.mark.parametrize(
    "cell",
    ["=1+1", "+1", "-1", "@SUM(A1)", "\t=1", "\r=1", "＝1+1", "＋1", "－1", "＠SUM(A1)"],
)
async def test_every_formula_start_is_quoted_in_csv(cell: str) -> None:
    async def one() -> AsyncIterator[list[tuple[object, ...]]]:
        yield [(1, cell, cell)]

    body = b"".join([piece async for piece in encode(one(), "csv", ("id", "text", "name"))])
    parsed = rows_of(body)
    assert parsed[0]["text"] == "'" + cell
    assert parsed[0]["name"] == "'" + cell


async def test_ordinary_text_is_not_quoted_in_csv() -> None:
    async def one() -> AsyncIterator[list[tuple[object, ...]]]:
        yield [(1, "Hello =1", " =x")]

    body = b"".join([piece async for piece in encode(one(), "csv", ("id", "text", "name"))])
    assert rows_of(body)[0] == {"id": "1", "text": "Hello =1", "name": " =x"}


async def test_a_query_that_fails_is_an_error_page_not_a_download_cut_short(
    client, world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    async def failing(_connection, _stmt) -> AsyncIterator[list[tuple[object, ...]]]:
        raise RuntimeError("the database went away")
        yield []  # an async generator, like the real one

    await sign_in(client)
    monkeypatch.setattr("bot.console.pages.export_rows", failing)
    response = await client.get("/export/messages.csv")
    assert response.status == 500
    assert "attachment" not in response.headers.get("Content-Disposition", "")


async def test_an_empty_export_still_has_its_header(client, world: World) -> None:
    await sign_in(client)
    response, body = await fetch(client, "/export/messages.csv", customer="1")
    assert response.status == 200 and rows_of(body) == []
    assert body.decode("utf-8-sig").startswith("id,")
