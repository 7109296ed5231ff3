"""Console sign-in: signed one-time links from the bot, signed session cookies, CSRF tokens.

Links and sessions are itsdangerous tokens signed with the console secret. A link carries a
random nonce; using it records a `console_sign_in` event with that nonce, so the same link
never opens a second session, in any process. Signing out records `console_sign_out` with
the session id, which every later request with that cookie looks for.
"""

from __future__ import annotations

import hashlib
import re
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

import sqlalchemy as sa
from itsdangerous import BadData, SignatureExpired, Signer, URLSafeTimedSerializer
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.services.events import log_event
from bot.services.staff import is_manager
from models import AuthorKind, Event

LINK_PATH = "/login"
_LINK_TOKEN = re.compile(r"(/login\?t=)[\w.\-]+")
SIGN_IN = "console_sign_in"
SIGN_OUT = "console_sign_out"
_LINK_SALT = "console-link"
_SESSION_SALT = "console-session"
_CSRF_SALT = "console-csrf"


def redact_links(text: str | None) -> str | None:
    """Hide sign-in tokens in a logged text (the bot's own /console replies are logged too)."""
    return _LINK_TOKEN.sub(r"\1[hidden]", text) if text else text


class LinkRefused(Exception):
    """A sign-in link that is forged, expired, used, or not a manager's; `reason` says which."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True)
class LinkClaim:
    """What a valid sign-in link says: who it is for, and its nonce."""

    telegram_id: int
    nonce: str


@dataclass(frozen=True)
class ConsoleSession:
    """A signed-in manager's session, as read from the cookie."""

    telegram_id: int
    session_id: str


class ConsoleKeys:
    """Sign and check links, session cookies and CSRF tokens with one secret."""

    def __init__(self, secret: str, link_ttl: timedelta, session_ttl: timedelta) -> None:
        self.link_ttl = link_ttl
        self.session_ttl = session_ttl
        self._links = URLSafeTimedSerializer(secret, salt=_LINK_SALT)
        self._sessions = URLSafeTimedSerializer(secret, salt=_SESSION_SALT)
        self._csrf = Signer(secret, salt=_CSRF_SALT)

    def __repr__(self) -> str:
        return "ConsoleKeys(<secret hidden>)"

    def issue_link_token(self, telegram_id: int) -> str:
        """Sign a one-time sign-in token for a manager."""
        return str(self._links.dumps({"u": telegram_id, "n": secrets.token_urlsafe(16)}))

    def read_link_token(self, token: str) -> LinkClaim:
        """Check a link token's signature and age; raise LinkRefused if it is not good."""
        try:
            data = self._links.loads(token, max_age=int(self.link_ttl.total_seconds()))
        except SignatureExpired:
            raise LinkRefused("expired") from None
        except BadData:
            raise LinkRefused("invalid") from None
        if not isinstance(data, dict) or not isinstance(data.get("u"), int):
            raise LinkRefused("invalid")
        return LinkClaim(int(data["u"]), str(data.get("n", "")))

    def issue_session_cookie(self, telegram_id: int) -> str:
        """Sign a session cookie for a manager, with a fresh session id."""
        return str(self._sessions.dumps({"u": telegram_id, "s": secrets.token_urlsafe(16)}))

    def read_session_cookie(self, cookie: str | None) -> ConsoleSession | None:
        """Return the session a cookie carries, or None if it is absent, forged or expired."""
        if not cookie:
            return None
        try:
            data = self._sessions.loads(cookie, max_age=int(self.session_ttl.total_seconds()))
        except BadData:
            return None
        if not isinstance(data, dict) or not isinstance(data.get("u"), int):
            return None
        return ConsoleSession(int(data["u"]), str(data.get("s", "")))

    def csrf_token(self, session: ConsoleSession) -> str:
        """Return the CSRF token bound to a session."""
        return self._csrf.get_signature(session.session_id).decode()

    def csrf_valid(self, session: ConsoleSession, token: str | None) -> bool:
        """Tell whether a submitted CSRF token belongs to the session."""
        return bool(token) and self._csrf.verify_signature(session.session_id, token or "")


async def _lock_nonce(session: AsyncSession, nonce: str) -> None:
    """Serialise two uses of one link; SQLite already writes one transaction at a time."""
    bind = session.get_bind()
    if bind.dialect.name == "postgresql":
        key = int.from_bytes(hashlib.sha256(nonce.encode()).digest()[:8], "big", signed=True)
        connection = await session.connection()
        await connection.execute(sa.select(sa.func.pg_advisory_xact_lock(key)))


async def link_used(session: AsyncSession, nonce: str) -> bool:
    """Tell whether a sign-in link with this nonce has already opened a session."""
    stmt = select(Event.id).where(Event.kind == SIGN_IN, Event.reason == nonce).limit(1)
    return (await session.exec(stmt)).first() is not None


async def check_link(
    session: AsyncSession, keys: ConsoleKeys, token: str, managers: frozenset[int]
) -> LinkClaim:
    """Check a link without using it: signature, age, not used, still a manager."""
    claim = keys.read_link_token(token)
    if await link_used(session, claim.nonce):
        raise LinkRefused("used")
    if not await is_manager(session, claim.telegram_id, managers):
        raise LinkRefused("not-manager")
    return claim


async def redeem_link(
    session: AsyncSession,
    keys: ConsoleKeys,
    token: str,
    managers: frozenset[int],
    now: datetime,
) -> LinkClaim:
    """Use a link once: record the sign-in, or raise LinkRefused; the caller commits."""
    claim = keys.read_link_token(token)
    await _lock_nonce(session, claim.nonce)
    claim = await check_link(session, keys, token, managers)
    await log_event(
        session,
        SIGN_IN,
        now,
        actor_kind=AuthorKind.MANAGER,
        actor_telegram_id=claim.telegram_id,
        reason=claim.nonce,
    )
    return claim


async def session_active(
    session: AsyncSession, console: ConsoleSession, managers: frozenset[int]
) -> bool:
    """Tell whether a session is not signed out and its holder is still a manager."""
    stmt = (
        select(Event.id).where(Event.kind == SIGN_OUT, Event.reason == console.session_id).limit(1)
    )
    if (await session.exec(stmt)).first() is not None:
        return False
    return await is_manager(session, console.telegram_id, managers)


async def sign_out(session: AsyncSession, console: ConsoleSession, now: datetime) -> None:
    """End a session for good, whoever still holds its cookie."""
    await log_event(
        session,
        SIGN_OUT,
        now,
        actor_kind=AuthorKind.MANAGER,
        actor_telegram_id=console.telegram_id,
        reason=console.session_id,
    )


async def sign_ins(session: AsyncSession, since: datetime) -> list[Event]:
    """Return the console sign-ins since a moment, newest first, for the audit."""
    stmt = (
        select(Event)
        .where(Event.kind == SIGN_IN, col(Event.created_at) >= since)
        .order_by(col(Event.id).desc())
    )
    return list((await session.exec(stmt)).all())
