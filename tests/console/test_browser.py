"""The console in a real browser (Chromium driven by Playwright), signed in through the bot.

Skipped where Playwright or Chromium is missing. CONSOLE_SCREENSHOTS=1 saves the pages to
docs/screenshots/ (otherwise to the test's temporary folder).
"""

from __future__ import annotations

import os
import shutil
import time
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlmodel import col, select

from bot.db import transaction
from bot.services.console_auth import ConsoleKeys
from models import Message, StaffMember
from scripts.seed import Plan, seed
from tests.conftest import ROOT
from tests.console.bot import ConsoleHarness, console_harness, link_in
from tests.console.helpers import SECRET
from tests.e2e.conftest import MANAGER_ID, STAFF_ID, eventually
from tgemulator import Emulator

playwright_api = pytest.importorskip(
    "playwright.async_api", reason="Playwright is not installed (pip install playwright)"
)
CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
if not (Path(CHROMIUM).exists() or shutil.which(CHROMIUM)):
    pytest.skip(
        f"no Chromium at {CHROMIUM} (apt-get install chromium, or set CHROMIUM)",
        allow_module_level=True,
    )

pytestmark = pytest.mark.timeout(120)
ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
DESKTOP = {"width": 1280, "height": 800}
PHONE = {"width": 390, "height": 844}


@pytest.fixture
async def browser() -> AsyncIterator[Any]:
    """Yield a headless Chromium."""
    async with playwright_api.async_playwright() as p:
        chromium = await p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        yield chromium
        await chromium.close()


async def signed_in_page(browser: Any, live: ConsoleHarness, viewport: dict = DESKTOP) -> Any:
    """Ask the bot for a link as the manager, open it and press Sign in."""
    link = link_in(await live.link_for(MANAGER_ID))
    assert link is not None
    context = await browser.new_context(viewport=viewport, accept_downloads=True)
    page = await context.new_page()
    await page.goto(link)
    await page.click("#sign-in")
    await page.wait_for_url(live.url + "/conversations")
    return page


async def talk(live: ConsoleHarness) -> int:
    """A customer asks for a person, sends a photo; staff answer and leave a note."""
    h = live.h
    user = h.customer(710201, "Pavel")
    await h.say(user, "👤 Talk to a person")
    await h.emu.send_text(user, "My parcel #4711 arrived crushed")
    await h.emu.send_photo(user, caption="the box")
    topic = await h.wait_topic(user)
    # The bot handles updates concurrently: wait for the copies before staff answer.
    await h.emu.wait_for_bot_message(
        h.staff_chat, lambda m: m.get("caption") == "the box", thread_id=topic
    )
    await h.emu.staff_send(STAFF_ID, topic, "So sorry! A new one goes out today.")
    await h.emu.staff_send(STAFF_ID, topic, "// regular customer, send a gift card too")

    async def noted() -> bool:
        async with transaction(h.services.sessions) as session:
            stmt = select(Message.id).where(col(Message.author_kind) == "note")
            return (await session.exec(stmt)).first() is not None

    assert await eventually(noted)  # the bot handles updates concurrently
    faq = h.customer(710202, "Olga")
    await h.say(faq, "How long does delivery take?")
    return user


async def test_sign_in_filter_search_open_and_export(
    browser: Any, live: ConsoleHarness, tmp_path: Path
) -> None:
    await talk(live)
    page = await signed_in_page(browser, live)
    rows = page.locator("ol.conversations > li")
    assert await rows.count() == 2  # Pavel and Olga: asking for the link opens no conversation
    await page.click("summary:has-text('Filters')")
    await page.select_option("select[name=status]", "answered")
    await page.click("button:has-text('Apply')")
    await page.wait_for_url("**status=answered**")
    assert await rows.count() == 1 and "Pavel" in await rows.first.inner_text()
    await page.goto(live.url + "/conversations")
    await page.fill("input[name=q]", "crushed")
    await page.click("button:has-text('Search')")
    await page.wait_for_url("**q=crushed**")
    assert await rows.count() == 1
    assert await rows.first.locator("mark").inner_text() == "crushed"
    await rows.first.locator("a").click()
    await page.wait_for_selector("article.msg")
    body = await page.inner_text("main")
    assert "My parcel #4711 arrived crushed" in body and "So sorry!" in body
    assert "internal note" in body and "Handed to a person" in body
    photo = page.locator("img.photo")
    await photo.wait_for()
    assert await photo.evaluate("img => img.complete && img.naturalWidth > 0")
    await page.goto(live.url + "/conversations?q=crushed")
    await page.click("summary:has-text('Export')")
    async with page.expect_download() as info:
        await page.click("a:has-text('messages · CSV')")
    download = await info.value
    saved = tmp_path / download.suggested_filename
    await download.save_as(saved)
    text = saved.read_text(encoding="utf-8-sig")
    assert text.startswith("id,conversation_id") and "arrived crushed" in text
    assert "delivery take" not in text  # only the filtered conversation


async def test_a_non_manager_gets_no_link_and_no_pages(browser: Any, live: ConsoleHarness) -> None:
    user = live.h.customer(710203, "Eve")
    reply = await live.link_for(user)
    assert link_in(reply) is None and "managers only" in reply["text"]
    page = await (await browser.new_context()).new_page()
    response = await page.goto(live.url + "/conversations")
    assert response.status == 401
    assert "Send /console to the bot" in await page.inner_text("main")


async def test_a_used_link_fails(browser: Any, live: ConsoleHarness) -> None:
    link = link_in(await live.link_for(MANAGER_ID))
    first = await (await browser.new_context()).new_page()
    await first.goto(link)
    await first.click("#sign-in")
    await first.wait_for_url(live.url + "/conversations")
    second = await (await browser.new_context()).new_page()
    response = await second.goto(link)
    assert response.status == 403
    assert "already been used" in await second.inner_text("main")


async def test_an_expired_link_fails(
    browser: Any, live: ConsoleHarness, monkeypatch: pytest.MonkeyPatch
) -> None:
    keys = ConsoleKeys(SECRET, timedelta(minutes=10), timedelta(hours=1))
    past = time.time() - 3600
    with monkeypatch.context() as patch:
        patch.setattr("itsdangerous.timed.time.time", lambda: past)
        token = keys.issue_link_token(MANAGER_ID)
    page = await (await browser.new_context()).new_page()
    response = await page.goto(f"{live.url}/login?t={token}")
    assert response.status == 403
    assert "expired" in await page.inner_text("main")


async def test_a_forged_cookie_fails(browser: Any, live: ConsoleHarness) -> None:
    context = await browser.new_context()
    await context.add_cookies(
        [
            {
                "name": "console_session",
                "value": "eyJ1Ijo5MDAwMDIsInMiOiJ4In0.forged.sig",
                "url": live.url,
            }
        ]
    )
    page = await context.new_page()
    response = await page.goto(live.url + "/conversations")
    assert response.status == 401


async def test_a_post_without_csrf_fails(browser: Any, live: ConsoleHarness) -> None:
    page = await signed_in_page(browser, live)
    refused = await page.request.post(live.url + "/logout", form={})
    assert refused.status == 403
    await page.reload()
    assert "Conversations" in await page.inner_text("h1")  # still signed in
    await page.click("button:has-text('Sign out')")
    assert "You are signed out" in await page.inner_text("main")


@pytest.fixture
async def seeded(
    emu: Emulator,
    database_url: str,
    monkeypatch: pytest.MonkeyPatch,
) -> AsyncIterator[ConsoleHarness]:
    """A month of seeded history, then the bot and the console on it."""
    await seed(
        database_url,
        Plan(conversations=1500, messages=15000, days=30, end=datetime.now(UTC), seed=3),
        quiet=True,
    )
    async for harness in console_harness(emu, database_url, monkeypatch):
        yield harness


async def test_screenshots_of_the_main_pages(
    browser: Any, seeded: ConsoleHarness, tmp_path: Path
) -> None:
    live = seeded
    async with transaction(live.h.services.sessions) as session:
        session.add(StaffMember(telegram_id=STAFF_ID, name="Anna Duty", role="staff"))
    user = await talk(live)
    await live.h.emu.staff_send(STAFF_ID, await live.h.wait_topic(user), "/resolve")
    await live.h.emu.wait_until_delivered()
    async with transaction(live.h.services.sessions) as session:
        from models import Customer, Ticket

        customer = (await session.exec(select(Customer).where(Customer.telegram_id == user))).one()
        ticket = (await session.exec(select(Ticket).where(Ticket.kind == "return"))).first()
        pavel_conversation = await _latest_conversation(session, customer.id)
    out = ROOT / "docs" / "screenshots" if os.environ.get("CONSOLE_SCREENSHOTS") else tmp_path
    out.mkdir(parents=True, exist_ok=True)
    shots = [
        ("conversations", "/conversations", False),
        ("conversations-filtered", "/conversations?breach=1&has_return=1", False),
        ("search", "/conversations?q=" + ("kettle" if ticket else "order"), False),
        ("transcript", f"/conversations/{pavel_conversation}", True),
        ("tickets", "/tickets", False),
        ("figures", "/figures", True),
    ]
    for device, viewport in (("desktop", DESKTOP), ("phone", PHONE)):
        page = await signed_in_page(browser, live, viewport)
        for name, path, full in shots:
            if device == "phone" and name in ("conversations-filtered", "search", "tickets"):
                continue
            await page.goto(live.url + path)
            await page.wait_for_load_state("networkidle")
            target = out / f"{name}-{device}.png"
            await page.screenshot(path=str(target), full_page=full)
            assert target.stat().st_size > 10_000
    login = await (await browser.new_context(viewport=DESKTOP)).new_page()
    await login.goto(link_in(await live.link_for(MANAGER_ID)) or "")
    await login.screenshot(path=str(out / "sign-in-desktop.png"))


async def _latest_conversation(session: Any, customer_id: int | None) -> int:
    from models import Conversation

    stmt = (
        select(Conversation.id)
        .where(Conversation.customer_id == customer_id)
        .order_by(col(Conversation.id).desc())
    )
    found = (await session.exec(stmt)).first()
    assert found is not None
    return int(found)


async def test_teaching_the_faq_from_an_unanswered_question(
    browser: Any, live: ConsoleHarness
) -> None:
    """A question goes to staff; the manager adds it to an entry; the bot then answers it."""
    from bot.jobs import refresh_faq

    h = live.h
    user = h.customer(710204, "Olga")
    question = "Do you have a franchise?"
    first = await h.say(user, question)
    assert "rather than guess" in first["text"]
    topic = await h.wait_topic(user)
    await h.emu.wait_for_bot_message(
        h.staff_chat, lambda m: m.get("text") == question, thread_id=topic
    )
    await h.emu.staff_send(STAFF_ID, topic, "No franchise, sorry: all our shops are our own.")
    await h.emu.wait_for_bot_message(user, lambda m: "No franchise" in (m.get("text") or ""))
    page = await signed_in_page(browser, live)
    await page.click("nav.sections a:has-text('Unanswered')")
    await page.wait_for_url(live.url + "/unanswered")
    group = page.locator("section.unanswered-group").first
    assert question in await group.inner_text()
    assert "No franchise, sorry" in await group.inner_text()
    await group.locator("select[name=entry]").select_option("contacts")
    await group.locator("button:has-text('Add as a phrasing')").click()
    await page.wait_for_url("**taught=contacts")
    assert "Added to contacts" in await page.inner_text("p.notice")
    assert question not in await page.inner_text("main")
    # The bot's refresh job runs every few seconds; here it runs once, at once.
    assert await refresh_faq(h.services)
    h.emu.add_user(710205, "Kira", language_code="en")
    answer = await h.say(710205, question)
    assert "Did this help?" in answer["text"]


LAPTOP = {"width": 1366, "height": 768}


async def test_figures_tables_fit_a_laptop_and_scroll_in_their_box_on_a_phone(
    browser: Any, live: ConsoleHarness
) -> None:
    await talk(live)
    topic = await live.h.wait_topic(710201)
    await live.h.emu.staff_send(STAFF_ID, topic, "/resolve")
    await live.h.emu.wait_until_delivered()
    for language in ("en", "ru"):
        page = await signed_in_page(browser, live, LAPTOP)
        await page.goto(f"{live.url}/language/{language}?next=/figures")
        await page.wait_for_selector("#per-day")
        for table in ("#per-staff", "#per-day"):
            fits = await page.eval_on_selector(
                table, "t => t.scrollWidth <= t.parentElement.clientWidth"
            )
            assert fits, (language, table)
        ticks = await page.eval_on_selector_all(
            "svg.chart text.tick[text-anchor=end]", "ts => ts.map(t => t.textContent)"
        )
        assert ticks and "0.0" not in ticks
        await page.set_viewport_size(PHONE)
        await page.reload()
        assert await page.evaluate("document.documentElement.scrollWidth <= window.innerWidth"), (
            language
        )  # the page itself never scrolls sideways; the tables do, in their box
        await page.context.close()


async def test_the_console_speaks_russian_and_remembers_it(
    browser: Any, live: ConsoleHarness
) -> None:
    await talk(live)
    page = await signed_in_page(browser, live)
    assert await page.get_attribute("html", "lang") == "en"
    await page.click("nav.languages a:has-text('RU')")
    await page.wait_for_selector("html[lang=ru]")
    assert "Диалоги" in await page.inner_text("header.top")
    assert page.url.endswith("/conversations")  # back on the page it was switched on
    await page.goto(live.url + "/tickets")
    assert await page.get_attribute("html", "lang") == "ru"
    assert "Возвраты и жалобы" in await page.inner_text("main")
    await page.goto(live.url + "/figures")
    body = await page.inner_text("main")
    assert "Показатели поддержки" in body and "Ответы в срок (3 минуты)" in body
    assert "Service figures" not in body
    await page.goto(live.url + "/conversations/not-a-number")
    assert "Проверьте фильтры" in await page.inner_text("main")
    await page.click("nav.languages a:has-text('EN')")
    await page.wait_for_selector("html[lang=en]")


async def test_a_russian_managers_link_opens_the_console_in_russian(
    browser: Any, live: ConsoleHarness
) -> None:
    live.h.emu.world.user(MANAGER_ID).language_code = "ru"
    page = await signed_in_page(browser, live)
    assert await page.get_attribute("html", "lang") == "ru"
    assert "Диалоги" in await page.inner_text("h1")
