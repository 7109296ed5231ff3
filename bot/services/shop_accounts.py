"""Telegram Business rules: connected accounts, which account a customer writes to, who speaks."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.services.events import log_event
from models import AuthorKind, BusinessChat, BusinessConnection


@dataclass(frozen=True)
class Account:
    """A connection as Telegram reports it, in plain values."""

    id: str
    owner_id: int
    owner_name: str
    owner_username: str | None
    rights: dict[str, Any]
    is_enabled: bool
    connected_at: datetime

    @property
    def can_reply(self) -> bool:
        """Whether the bot may answer in the account's chats."""
        return bool(self.rights.get("can_reply"))


@dataclass(frozen=True)
class Route:
    """How to reach a customer who writes to a connected account."""

    connection_id: str
    usable: bool  # enabled and allowed to reply
    last_customer_at: datetime
    account: str  # the account's name, for staff
    owner_active_at: datetime | None = None  # the owner last wrote to the customer personally
    paused: bool = False  # staff paused the bot in this chat

    def quiet(self, now: datetime, period: timedelta) -> bool:
        """Whether the bot must not talk in the chat now (the owner is answering, or paused)."""
        if self.paused:
            return True
        return self.owner_active_at is not None and now - self.owner_active_at < period


def usable(connection: BusinessConnection) -> bool:
    """Whether the bot can answer through a connection."""
    return connection.is_enabled and connection.can_reply


async def save_connection(session: AsyncSession, account: Account, now: datetime) -> str | None:
    """Store a connection as Telegram reports it; what managers must hear about it, if anything.

    "connected" (new and able to answer), "disconnected", "read-only" (enabled, no right to
    reply) or "restored" (able to answer again); None when nothing changed for them.
    """
    row = await session.get(BusinessConnection, account.id)
    before = None if row is None else usable(row)
    if row is None:
        row = BusinessConnection(
            id=account.id,
            owner_id=account.owner_id,
            owner_name=account.owner_name,
            connected_at=account.connected_at,
        )
        session.add(row)
    row.owner_name = account.owner_name
    row.owner_username = account.owner_username
    row.rights = dict(account.rights)
    row.can_reply = account.can_reply
    row.is_enabled = account.is_enabled
    row.updated_at = now
    after = usable(row)
    await log_event(
        session,
        "business_connection",
        now,
        actor_kind=AuthorKind.CUSTOMER,
        actor_telegram_id=account.owner_id,
        data={"id": account.id, "enabled": account.is_enabled, "can_reply": account.can_reply},
    )
    if before == after:
        return None
    if after:
        return "connected" if before is None else "restored"
    return "disconnected" if not account.is_enabled else "read-only"


async def connection(session: AsyncSession, connection_id: str) -> BusinessConnection | None:
    """Return a stored connection."""
    return await session.get(BusinessConnection, connection_id)


async def route(session: AsyncSession, customer_telegram_id: int) -> Route | None:
    """How the bot reaches a customer who last wrote to a connected account, or None."""
    row = (
        await session.exec(
            select(BusinessChat, BusinessConnection)
            .join(
                BusinessConnection,
                col(BusinessConnection.id) == col(BusinessChat.connection_id),
                isouter=True,
            )
            .where(BusinessChat.customer_telegram_id == customer_telegram_id)
        )
    ).first()
    if row is None:
        return None
    chat, conn = row
    return route_of(chat, conn)


def route_of(chat: BusinessChat, conn: BusinessConnection | None) -> Route:
    """The route of a stored business chat through its connection (None: unknown to us)."""
    return Route(
        chat.connection_id,
        conn is not None and usable(conn),
        chat.last_customer_at,
        "?" if conn is None else conn.owner_name,
        chat.owner_active_at,
        chat.paused,
    )


async def any_connection(session: AsyncSession) -> bool:
    """Whether any account was ever connected (else business routing is skipped)."""
    return (await session.exec(select(BusinessConnection.id).limit(1))).first() is not None


async def customer_wrote(
    session: AsyncSession, customer_telegram_id: int, connection_id: str, now: datetime
) -> BusinessChat:
    """A customer wrote to a connected account: their answers go through it from now on."""
    chat, created = await _chat(session, customer_telegram_id, connection_id, now)
    if not created and chat.connection_id != connection_id:
        chat.connection_id = connection_id
        chat.owner_active_at = None
    chat.last_customer_at = now
    chat.updated_at = now
    return chat


async def _chat(
    session: AsyncSession, customer_telegram_id: int, connection_id: str, now: datetime
) -> tuple[BusinessChat, bool]:
    """The customer's business chat, added (and said so) if it is not stored yet."""
    chat = await session.get(BusinessChat, customer_telegram_id)
    if chat is not None:
        return chat, False
    chat = BusinessChat(
        customer_telegram_id=customer_telegram_id,
        connection_id=connection_id,
        last_customer_at=now,
    )
    session.add(chat)
    return chat, True


async def customer_left(session: AsyncSession, customer_telegram_id: int) -> bool:
    """The customer writes to the bot itself now: answers go to the bot's chat again."""
    chat = await session.get(BusinessChat, customer_telegram_id)
    if chat is None:
        return False
    await session.delete(chat)
    return True


def bot_keeps_quiet(chat: BusinessChat, now: datetime, quiet: timedelta) -> bool:
    """Whether the bot must not talk in the chat: paused, or the owner spoke within `quiet`."""
    return route_of(chat, None).quiet(now, quiet)


async def owner_wrote(
    session: AsyncSession, customer_telegram_id: int, connection_id: str, now: datetime
) -> BusinessChat:
    """The account's owner wrote to the customer personally: the bot keeps quiet for a while."""
    chat, _created = await _chat(session, customer_telegram_id, connection_id, now)
    chat.owner_active_at = now
    chat.updated_at = now
    return chat


async def set_paused(
    session: AsyncSession, customer_telegram_id: int, paused: bool, now: datetime
) -> BusinessChat | None:
    """Pause or resume the bot in one customer's business chat; None if they have none."""
    chat = await session.get(BusinessChat, customer_telegram_id)
    if chat is None:
        return None
    chat.paused = paused
    if not paused:
        chat.owner_active_at = None  # resuming means now, not after the quiet period
    chat.updated_at = now
    return chat


async def staff_group(
    session: AsyncSession, customer_telegram_id: int, groups: dict[str, int]
) -> int | None:
    """The staff group of the account a customer writes to, if it has one (the policy's
    business_staff_groups); None: the shared STAFF_CHAT_ID."""
    if not groups:
        return None
    row = (
        await session.exec(
            select(BusinessConnection)
            .join(BusinessChat, col(BusinessChat.connection_id) == col(BusinessConnection.id))
            .where(BusinessChat.customer_telegram_id == customer_telegram_id)
        )
    ).first()
    if row is None:
        return None
    by_id = groups.get(str(row.owner_id))
    if by_id is not None:
        return by_id
    return groups.get(f"@{row.owner_username}".lower()) if row.owner_username else None
