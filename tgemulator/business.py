"""Telegram Business: accounts connected to the bot, their customers' chats, and the checks.

A customer writes to the shop's own account (its owner, a SimUser); the bot connected to that
account gets `business_message` updates and answers in that chat by passing the connection's
id. The chat is not the bot's private chat with the customer, though both carry the customer's
id: the emulator keeps it under a key of its own in `World.chats` (`business_chat_key`).

Telegram's refusals, as far as they are known (the Bot API description names none):
- an unknown connection id: 400 BUSINESS_CONNECTION_INVALID (seen in MTProto's error list);
- a disabled connection: the same (a guess: Telegram no longer serves it);
- no `can_reply` right, or no message from the customer in the last 24 hours, for sends and
  edits alike (the right's own wording), or a customer who never wrote to that account:
  400 BUSINESS_PEER_INVALID (what bots report in practice; the exact choice per case is a
  guess);
- a send without the id to a customer who only wrote to the account: the bot's own private
  chat, which they never started, 403 "bot can't initiate conversation with a user".
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass, field
from typing import Any

from tgemulator.errors import EmulatorError, bad_request
from tgemulator.state import ChatState, Json, StoredMessage, World

REPLY_WINDOW = 24 * 3600  # can_reply covers chats with an incoming message in the last 24 hours
# Business chats live in World.chats under keys no Telegram chat id reaches.
KEY_BASE = 9_000_000_000_000_000
CONNECTION_INVALID = "BUSINESS_CONNECTION_INVALID"
PEER_INVALID = "BUSINESS_PEER_INVALID"


@dataclass(slots=True)
class Connection:
    """The bot's connection with one business account."""

    id: str
    owner_id: int
    date: int
    rights: Json = field(default_factory=dict)
    is_enabled: bool = True

    def to_json(self, world: World) -> Json:
        """Return the Bot API BusinessConnection object."""
        data: Json = {
            "id": self.id,
            "user": world.user(self.owner_id).to_user(),
            "user_chat_id": self.owner_id,
            "date": self.date,
            "is_enabled": self.is_enabled,
        }
        rights = {key: True for key, value in self.rights.items() if value}
        if rights:
            data["rights"] = rights
        return data


def connections(world: World) -> dict[str, Connection]:
    """Return the world's connections by id."""
    return world.connections


def connect(
    world: World, owner_id: int, *, can_reply: bool = True, enabled: bool = True
) -> Connection:
    """Connect the bot to an account (the owner's Settings → Telegram Business → Chatbots)."""
    world.user(owner_id)
    for existing in connections(world).values():
        if existing.owner_id == owner_id:
            raise EmulatorError(f"user {owner_id} is connected already ({existing.id})")
    conn = Connection(
        id=secrets.token_urlsafe(12),
        owner_id=owner_id,
        date=world.now,
        rights={"can_reply": can_reply, "can_read_messages": True},
        is_enabled=enabled,
    )
    connections(world)[conn.id] = conn
    _announce(world, conn)
    return conn


def change(
    world: World, conn_id: str, *, enabled: bool | None = None, can_reply: bool | None = None
) -> Connection:
    """Disable, enable or change the rights of a connection, as its owner can."""
    conn = connection(world, conn_id)
    if enabled is not None:
        conn.is_enabled = enabled
    if can_reply is not None:
        conn.rights["can_reply"] = can_reply
    _announce(world, conn)
    return conn


def _announce(world: World, conn: Connection) -> None:
    world.mark_action()
    world.push_update("business_connection", conn.to_json(world))
    world.changed("business", conn.id)


def connection(world: World, conn_id: str) -> Connection:
    """Return a connection or raise EmulatorError."""
    try:
        return connections(world)[conn_id]
    except KeyError:
        raise EmulatorError(f"no business connection {conn_id!r}") from None


def connection_of(world: World, owner_id: int) -> Connection:
    """Return the connection of an owner's account."""
    for conn in connections(world).values():
        if conn.owner_id == owner_id:
            return conn
    raise EmulatorError(f"user {owner_id} has no business connection")


def business_chat(world: World, owner_id: int, customer_id: int) -> ChatState:
    """Return the chat between an account and a customer, created on first use."""
    world.user(owner_id)
    world.user(customer_id)
    key = world.business_chats.get((owner_id, customer_id))
    if key is None:
        key = KEY_BASE + len(world.business_chats) + 1
        world.business_chats[(owner_id, customer_id)] = key
        world.chats[key] = ChatState(
            id=key,
            type="private",
            next_message_id=world.used_message_id + 1,
            peer_id=customer_id,
            business_owner=owner_id,
        )
    return world.chats[key]


def business_chat_key(world: World, owner_id: int, customer_id: int) -> int:
    """Return the emulator's key of the chat between an account and a customer."""
    return business_chat(world, owner_id, customer_id).id


def post(
    world: World, conn: Connection, customer_id: int, content: Json, *, by_owner: bool
) -> Json:
    """A customer (or the owner) writes in their business chat: a business_message update."""
    chat = business_chat(world, conn.owner_id, customer_id)
    author = world.user(conn.owner_id if by_owner else customer_id)
    world.mark_action()
    stored = world.add_message(
        chat,
        author.to_user(),
        content,
        outgoing=False,
        extra={"business_connection_id": conn.id},
    )
    if not by_owner:
        keyboard = chat.reply_keyboard
        if keyboard and keyboard.get("one_time_keyboard") and "text" in content:
            chat.reply_keyboard = None
            world.changed("chat", chat.id)
    if conn.is_enabled:  # a disabled connection hears nothing, as on Telegram
        world.push_update("business_message", stored.data)
    return stored.view()


def edit(world: World, chat: ChatState, message_id: int, text: str) -> Json:
    """Edit a text in a business chat: an edited_business_message update."""
    stored = chat.messages.get(message_id)
    if stored is None or stored.outgoing or "text" not in stored.data:
        raise EmulatorError(f"no text message {message_id} to edit in that chat")
    world.replace_message(stored, {**stored.data, "text": text}, stored.markup)
    conn = _chat_connection(world, chat)
    world.mark_action()
    if conn is not None and conn.is_enabled:
        world.push_update("edited_business_message", stored.data)
    return stored.view()


def delete(world: World, chat: ChatState, message_ids: list[int]) -> None:
    """Delete messages in a business chat: a deleted_business_messages update."""
    for message_id in message_ids:
        stored = chat.messages.get(message_id)
        if stored is not None:
            world.delete_message(stored)
    conn = _chat_connection(world, chat)
    world.mark_action()
    if conn is not None and conn.is_enabled:
        world.push_update(
            "deleted_business_messages",
            {
                "business_connection_id": conn.id,
                "chat": world.chat_json(chat),
                "message_ids": list(message_ids),
            },
        )


def _chat_connection(world: World, chat: ChatState) -> Connection | None:
    return next((c for c in connections(world).values() if c.owner_id == chat.business_owner), None)


def send_target(world: World, conn_id: Any, chat_id: Any) -> ChatState:
    """Resolve (business_connection_id, chat_id) of a send or edit, refusing as Telegram does."""
    conn = connections(world).get(conn_id) if isinstance(conn_id, str) else None
    if conn is None or not conn.is_enabled:
        raise bad_request(CONNECTION_INVALID)
    if not isinstance(chat_id, int) or chat_id not in world.users:
        raise bad_request("chat not found")
    key = world.business_chats.get((conn.owner_id, chat_id))
    if key is None or not conn.rights.get("can_reply"):
        raise bad_request(PEER_INVALID)
    chat = world.chats[key]
    last = _last_incoming(chat)
    # can_reply: "send and edit messages in the private chats that had incoming messages in the
    # last 24 hours" (the Bot API's BusinessBotRights): edits are bound by the window too.
    if last is None or world.now - last.data["date"] > REPLY_WINDOW:
        raise bad_request(PEER_INVALID)
    return chat


def _last_incoming(chat: ChatState) -> StoredMessage | None:
    for stored in reversed(chat.messages.values()):
        if not stored.outgoing and stored.data.get("from", {}).get("id") == chat.peer_id:
            return stored
    return None


def sent_as(world: World, chat: ChatState) -> tuple[Json, Json]:
    """The sender and extra fields of a message the bot sends on behalf of the account."""
    assert chat.business_owner is not None
    conn = _chat_connection(world, chat)
    extra: Json = {"sender_business_bot": world.bot_user()}
    if conn is not None:
        extra["business_connection_id"] = conn.id
    return world.user(chat.business_owner).to_user(), extra
