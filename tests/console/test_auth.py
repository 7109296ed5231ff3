"""Sign-in without passwords: one-time links, signed sessions that expire, CSRF on forms."""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import timedelta

import pytest
from itsdangerous import URLSafeTimedSerializer

from bot.config import ConfigError, Settings
from bot.console.page_context import console_keys
from bot.db import transaction
from bot.services.console_auth import (
    SIGN_IN,
    ConsoleKeys,
    LinkRefused,
    redact_links,
    redeem_link,
    session_active,
    sign_ins,
)
from models import StaffMember
from tests.console.conftest import context, sign_in
from tests.console.helpers import SECRET
from tests.console.world import ANNA, BORIS, CLARA, NOW, World

KEYS = ConsoleKeys(SECRET, timedelta(minutes=10), timedelta(hours=12))
MANAGERS = frozenset({BORIS})


def tampered(token: str) -> str:
    """Change one character the signature's bits depend on (not base64's last, padding one)."""
    middle = len(token) - 5
    return token[:middle] + ("A" if token[middle] != "A" else "B") + token[middle + 1 :]


def issued_ago(monkeypatch: pytest.MonkeyPatch, seconds: float, issue: Callable[[], str]) -> str:
    """Sign something as if it had been signed `seconds` ago (itsdangerous reads time.time)."""
    past = time.time() - seconds
    with monkeypatch.context() as patch:
        patch.setattr("itsdangerous.timed.time.time", lambda: past)
        return issue()


def test_the_console_refuses_to_start_without_its_own_secret() -> None:
    bare = Settings.load(env_file=None, bot_token="123:abc", console_port=8090, console_secret=None)
    with pytest.raises(ConfigError, match="CONSOLE_SECRET: not set"):
        bare.check_console()
    with pytest.raises(ConfigError, match="CONSOLE_SECRET: not set"):
        console_keys(bare, bare.console)
    Settings.load(env_file=None, console_port=0, console_secret=None).check_console()
    Settings.load(env_file=None, console_secret=SECRET).check_console()
    assert SECRET not in repr(KEYS)


def test_a_link_token_names_its_manager_and_rejects_tampering() -> None:
    token = KEYS.issue_link_token(BORIS)
    assert KEYS.read_link_token(token).telegram_id == BORIS
    with pytest.raises(LinkRefused, match="invalid"):
        KEYS.read_link_token(tampered(token))
    other = ConsoleKeys("another-secret-" + "y" * 20, timedelta(minutes=10), timedelta(hours=1))
    with pytest.raises(LinkRefused, match="invalid"):
        other.read_link_token(token)
    # A session cookie is no sign-in link, and the other way round.
    with pytest.raises(LinkRefused):
        KEYS.read_link_token(KEYS.issue_session_cookie(BORIS))
    assert KEYS.read_session_cookie(token) is None


def test_a_link_expires(monkeypatch: pytest.MonkeyPatch) -> None:
    token = issued_ago(monkeypatch, 11 * 60, lambda: KEYS.issue_link_token(BORIS))
    with pytest.raises(LinkRefused, match="expired"):
        KEYS.read_link_token(token)


def test_a_session_expires_and_csrf_is_bound_to_it(monkeypatch: pytest.MonkeyPatch) -> None:
    cookie = KEYS.issue_session_cookie(BORIS)
    session = KEYS.read_session_cookie(cookie)
    assert session is not None and session.telegram_id == BORIS
    csrf = KEYS.csrf_token(session)
    assert KEYS.csrf_valid(session, csrf)
    other = KEYS.read_session_cookie(KEYS.issue_session_cookie(BORIS))
    assert other is not None and not KEYS.csrf_valid(other, csrf)
    assert not KEYS.csrf_valid(session, None) and not KEYS.csrf_valid(session, tampered(csrf))
    old = issued_ago(monkeypatch, 13 * 3600, lambda: KEYS.issue_session_cookie(BORIS))
    assert KEYS.read_session_cookie(old) is None


def test_sign_in_tokens_are_hidden_in_logged_texts() -> None:
    text = "Your link: http://console.test/login?t=eyJ1Ijo5MDAwMDJ9.Zx-y_z.abc-DEF now"
    assert redact_links(text) == "Your link: http://console.test/login?t=[hidden] now"
    assert redact_links(None) is None


async def test_a_link_opens_one_session_only(sessions) -> None:
    token = KEYS.issue_link_token(BORIS)
    async with transaction(sessions) as session:
        claim = await redeem_link(session, KEYS, token, MANAGERS, NOW)
    assert claim.telegram_id == BORIS
    with pytest.raises(LinkRefused, match="used"):
        async with transaction(sessions) as session:
            await redeem_link(session, KEYS, token, MANAGERS, NOW)
    async with sessions() as session:
        audit = await sign_ins(session, NOW - timedelta(minutes=1))
    assert [(e.kind, e.actor_telegram_id) for e in audit] == [(SIGN_IN, BORIS)]


async def test_only_managers_redeem_links_and_the_role_counts(sessions) -> None:
    async with transaction(sessions) as session:
        session.add(StaffMember(telegram_id=ANNA, name="Anna", role="staff"))
        session.add(StaffMember(telegram_id=CLARA, name="Clara", role="manager"))
    with pytest.raises(LinkRefused, match="not-manager"):
        async with transaction(sessions) as session:
            await redeem_link(session, KEYS, KEYS.issue_link_token(ANNA), MANAGERS, NOW)
    async with transaction(sessions) as session:
        claim = await redeem_link(session, KEYS, KEYS.issue_link_token(CLARA), MANAGERS, NOW)
    assert claim.telegram_id == CLARA


async def test_a_session_ends_when_its_holder_stops_being_a_manager(sessions) -> None:
    async with transaction(sessions) as session:
        session.add(StaffMember(telegram_id=CLARA, name="Clara", role="manager"))
    console = KEYS.read_session_cookie(KEYS.issue_session_cookie(CLARA))
    assert console is not None
    async with sessions() as session:
        assert await session_active(session, console, MANAGERS)
    async with transaction(sessions) as session:
        member = await session.get(StaffMember, 1)
        assert member is not None
        member.role = "staff"
    async with sessions() as session:
        assert not await session_active(session, console, MANAGERS)


async def test_pages_need_a_session(client, world: World) -> None:
    for path in (
        "/",
        "/conversations",
        f"/conversations/{world.answered}",
        "/tickets",
        "/figures",
        "/export/messages.csv",
        f"/media/message/{world.photo_message}/0",
    ):
        response = await client.get(path, allow_redirects=False)
        assert response.status == 401, path
        assert "Send /console to the bot" in await response.text()


async def test_the_link_flow_sets_a_cookie_and_works_once(client, world: World) -> None:
    token = context(client).keys.issue_link_token(BORIS)
    page = await client.get(f"/login?t={token}")
    assert page.status == 200 and "Sign in" in await page.text()
    # Opening the page used nothing: a link preview must not burn the link.
    first = await client.post("/login", data={"t": token}, allow_redirects=False)
    assert first.status == 303 and first.headers["Location"] == "/conversations"
    cookie = first.cookies["console_session"]
    assert cookie["httponly"] and cookie["samesite"] == "Lax"
    assert (await client.get("/conversations")).status == 200
    again = await client.get(f"/login?t={token}")
    assert again.status == 403 and "already been used" in await again.text()
    reuse = await client.post("/login", data={"t": token}, allow_redirects=False)
    assert reuse.status == 403


async def test_an_expired_link_fails(client, world: World, monkeypatch: pytest.MonkeyPatch) -> None:
    keys = context(client).keys
    token = issued_ago(monkeypatch, 3600, lambda: keys.issue_link_token(BORIS))
    for response in (
        await client.get(f"/login?t={token}"),
        await client.post("/login", data={"t": token}, allow_redirects=False),
    ):
        assert response.status == 403
        assert "expired" in await response.text()


async def test_a_forged_cookie_fails(client, world: World) -> None:
    forged = URLSafeTimedSerializer("not-the-secret", salt="console-session").dumps(
        {"u": BORIS, "s": "x"}
    )
    client.session.cookie_jar.update_cookies({"console_session": forged})
    response = await client.get("/conversations")
    assert response.status == 401
    client.session.cookie_jar.update_cookies({"console_session": "garbage"})
    assert (await client.get("/conversations")).status == 401


async def test_posts_need_the_csrf_token(client, world: World) -> None:
    csrf = await sign_in(client)
    refused = await client.post("/logout", data={})
    assert refused.status == 403
    wrong = await client.post("/logout", data={"csrf": tampered(csrf)})
    assert wrong.status == 403
    assert (await client.get("/conversations")).status == 200  # still signed in
    done = await client.post("/logout", data={"csrf": csrf})
    assert done.status == 200 and "signed out" in await done.text()


async def test_signing_out_revokes_the_cookie_itself(client, world: World) -> None:
    csrf = await sign_in(client)
    cookie = client.session.cookie_jar.filter_cookies(client.make_url("/"))["console_session"]
    await client.post("/logout", data={"csrf": csrf})
    client.session.cookie_jar.update_cookies({"console_session": cookie.value})
    assert (await client.get("/conversations")).status == 401


async def test_pages_forbid_framing_scripts_and_referrers(client, world: World) -> None:
    await sign_in(client)
    response = await client.get("/conversations")
    assert "default-src 'none'" in response.headers["Content-Security-Policy"]
    assert response.headers["X-Frame-Options"] == "DENY"
    assert response.headers["Referrer-Policy"] == "no-referrer"
    assert response.headers["Cache-Control"] == "no-store"
