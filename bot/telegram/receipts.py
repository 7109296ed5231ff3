"""What the outbox does once a queued message was sent or refused: an explicit table of actions.

A handler cannot wait for a message it queued: the message is sent after the handler's
transaction commits. What depended on the answer (staff told the customer has blocked the bot,
a decision that answers the customer and stops their clock, an alert that links a topic made
only by the send) is written into the row's receipt and done by the sender, in the
transaction that marks the row sent or failed.
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Awaitable, Callable
from datetime import datetime
from typing import TYPE_CHECKING, Any

import aiogram.methods
from aiogram.methods import SendMessage, TelegramMethod
from aiogram.types import ReplyParameters
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.services.handoff import ConversationClosed, staff_decided, staff_replied
from bot.services.outbox_rows import topic_lane
from bot.telegram.alerts import alert_managers
from bot.telegram.outbound import Author
from bot.telegram.outbox import queue_call
from models import Conversation, Customer

if TYPE_CHECKING:
    from bot.container import Services

logger = logging.getLogger(__name__)

Receipt = dict[str, Any]
Action = dict[str, Any]


def receipt(
    author: Author | None = None,
    sent: list[Action] | None = None,
    refused: list[Action] | None = None,
) -> Receipt:
    """Who speaks through a message, and what to do once it is sent or refused."""
    found: Receipt = {}
    if author is not None:
        found["author"] = [author.kind, author.telegram_id]
    if sent:
        found["sent"] = sent
    if refused:
        found["refused"] = refused
    return found


def author_of(found: Receipt | None) -> Author | None:
    """The person a message is sent for, logged as its author."""
    if not found or "author" not in found:
        return None
    kind, telegram_id = found["author"]
    return Author(kind, telegram_id)


def post_in_topic(customer_id: int, text: str, reply_to: int | None = None) -> Action:
    """Post a text in the customer's topic (a reply to a staff message, if given)."""
    return {"do": "post", "customer": customer_id, "text": text, "reply_to": reply_to}


def decision_answers(conversation_id: int, staff_id: int, at: datetime) -> Action:
    """A decision the customer was told answers them, at the time it was made."""
    return {
        "do": "decided",
        "conversation": conversation_id,
        "staff": staff_id,
        "at": at.isoformat(),
    }


def staff_answered(conversation_id: int, staff_id: int, at: datetime) -> Action:
    """A staff answer stops the reply clock once it reached the customer (a shop account's)."""
    return {
        "do": "answered",
        "conversation": conversation_id,
        "staff": staff_id,
        "at": at.isoformat(),
    }


def then_send(lane: str, method: TelegramMethod[Any]) -> Action:
    """Queue one more call in a lane once this message is sent (asked only if told)."""
    payload = method.model_dump(mode="json", exclude_none=True, exclude_defaults=True)
    return {"do": "send", "lane": lane, "method": type(method).__name__, "payload": payload}


def alert(customer_id: int, key: str, **args: Any) -> Action:
    """Alert the managers about the customer, linking the topic the send may have made."""
    return {"do": "alert", "customer": customer_id, "key": key, "args": args}


async def _post(session: AsyncSession, services: Services, action: Action) -> None:
    staff_chat = services.settings.telegram.staff_chat_id
    if staff_chat is None:
        return
    reply = action.get("reply_to")
    method = SendMessage(
        chat_id=staff_chat,
        text=action["text"],
        reply_parameters=(
            ReplyParameters(message_id=reply, allow_sending_without_reply=True) if reply else None
        ),
    )
    customer_id = int(action["customer"])
    queue_call(session, services, topic_lane(customer_id), method, customer_id)


async def _decided(session: AsyncSession, services: Services, action: Action) -> None:
    conversation = await session.get(Conversation, action["conversation"])
    if conversation is not None:
        at = datetime.fromisoformat(action["at"])
        await staff_decided(session, conversation, action["staff"], at)


async def _answered(session: AsyncSession, services: Services, action: Action) -> None:
    conversation = await session.get(Conversation, action["conversation"])
    if conversation is not None:
        with contextlib.suppress(ConversationClosed):  # resolved meanwhile: no clock to stop
            at = datetime.fromisoformat(action["at"])
            await staff_replied(session, conversation, action["staff"], at)


async def _send(session: AsyncSession, services: Services, action: Action) -> None:
    method = getattr(aiogram.methods, action["method"])
    call = method.model_validate(action["payload"])
    # Caused by the same staff action as the message before it (/resolve's rating request).
    queue_call(session, services, action["lane"], call, receipt={"for_staff": True})


def speaks_for_staff(found: Receipt | None) -> bool:
    """Whether a queued message was caused by staff: every receipt is a staff action's."""
    return bool(found)


async def _alert(session: AsyncSession, services: Services, action: Action) -> None:
    customer = await session.get(Customer, action["customer"], populate_existing=True)
    if customer is not None:
        await alert_managers(services, session, action["key"], customer=customer, **action["args"])


ACTIONS: dict[str, Callable[[AsyncSession, Services, Action], Awaitable[None]]] = {
    "post": _post,
    "decided": _decided,
    "answered": _answered,
    "alert": _alert,
    "send": _send,
}


async def settle(
    session: AsyncSession, services: Services, found: Receipt | None, sent: bool
) -> None:
    """Do what the receipt asks for this outcome, in the sender's transaction."""
    for action in (found or {}).get("sent" if sent else "refused", []):
        await ACTIONS[action["do"]](session, services, action)
