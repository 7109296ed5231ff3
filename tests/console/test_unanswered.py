"""The "Unanswered" page: grouped questions, staff answers, and teaching the FAQ a phrasing."""

from __future__ import annotations

import re
from datetime import timedelta

from aiohttp import web
from aiohttp.test_utils import TestClient
from sqlalchemy.ext.asyncio import async_sessionmaker
from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.services.events import log_event
from bot.services.faq_learning import learned_phrasings
from models import AuthorKind, Direction, FaqPhrasing, Message
from tests.console.conftest import sign_in
from tests.console.world import NOW, World

Client = TestClient[web.Request, web.Application]


async def add_questions(sessions: async_sessionmaker[AsyncSession], world: World) -> None:
    """Three unanswered questions (two alike), one unhelpful answer, and a staff reply."""
    async with sessions() as session:
        for minutes, text in (
            (50, "do you have a franchise programme"),
            (40, "franchise programme, do you have one?"),
            (30, "can I pay with bitcoin"),
        ):
            await log_event(
                session,
                "faq_unanswered",
                NOW - timedelta(minutes=minutes),
                conversation_id=world.waiting,
                actor_kind=AuthorKind.BOT,
                data={"text": text, "best": "company-invoices", "score": 0.3},
            )
        await log_event(
            session,
            "faq_answered",
            NOW - timedelta(minutes=20),
            conversation_id=world.faq_only,
            data={"entry": "delivery-time", "score": 0.5, "text": "when will my groceries come"},
        )
        await log_event(
            session,
            "faq_unhelpful",
            NOW - timedelta(minutes=19),
            conversation_id=world.faq_only,
            data={"entry": "delivery-time"},
        )
        await log_event(  # older than the page's 30 days
            session,
            "faq_unanswered",
            NOW - timedelta(days=40),
            data={"text": "an old question about parking"},
        )
        session.add(
            Message(
                conversation_id=world.faq_only,
                chat_id=1,
                telegram_message_id=987654,
                direction=Direction.OUT,
                author_kind=AuthorKind.STAFF,
                text="Couriers come between 18 and 22 today.",
                created_at=NOW - timedelta(minutes=10),
            )
        )
        await session.commit()


async def test_page_groups_questions_with_staff_answers(
    client: Client, world: World, sessions: async_sessionmaker[AsyncSession]
) -> None:
    await add_questions(sessions, world)
    await sign_in(client)
    page = await client.get("/unanswered")
    assert page.status == 200
    html = await page.text()
    assert "do you have a franchise programme" in html and "can I pay with bitcoin" in html
    assert "parking" not in html  # older than 30 days
    # The two franchise questions form one group, listed first.
    groups = re.findall(r'<section class="card unanswered-group">(.*?)</section>', html, re.S)
    assert len(groups) == 3
    assert "2 questions" in groups[0] and groups[0].count("franchise") >= 2
    unhelpful = next(g for g in groups if "when will my groceries come" in g)
    assert "FAQ answer didn&#39;t help" in unhelpful or "FAQ answer didn't help" in unhelpful
    assert "Couriers come between 18 and 22 today." in unhelpful
    assert 'value="company-invoices" selected' in groups[0]


async def test_teaching_a_phrasing(
    client: Client, world: World, sessions: async_sessionmaker[AsyncSession]
) -> None:
    await add_questions(sessions, world)
    csrf = await sign_in(client)
    form = {"entry": "payment-methods", "text": "can I pay with bitcoin"}
    refused = await client.post("/unanswered/teach", data=form, allow_redirects=False)
    assert refused.status == 403  # no CSRF token
    done = await client.post(
        "/unanswered/teach", data={**form, "csrf": csrf}, allow_redirects=False
    )
    assert done.status == 303 and done.headers["Location"] == "/unanswered?taught=payment-methods"
    async with sessions() as session:
        assert await learned_phrasings(session) == [("payment-methods", "can I pay with bitcoin")]
        row = (await session.exec(select(FaqPhrasing))).one()
        assert row.added_by is not None and row.created_at == NOW
    again = await client.post(
        "/unanswered/teach", data={**form, "csrf": csrf}, allow_redirects=False
    )
    assert again.status == 303  # twice is harmless
    async with sessions() as session:
        assert len(await learned_phrasings(session)) == 1
    html = await (await client.get("/unanswered?taught=payment-methods")).text()
    assert "Added to payment-methods." in html
    assert "can I pay with bitcoin" not in html  # taught, so no longer unanswered
    bad = await client.post("/unanswered/teach", data={"entry": "nope", "text": "x", "csrf": csrf})
    assert bad.status == 400


async def test_page_is_for_managers_only(client: Client) -> None:
    assert (await client.get("/unanswered")).status == 401
