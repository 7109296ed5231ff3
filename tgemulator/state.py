"""The emulated Telegram world: users, chats, messages, topics and the update queue."""

from __future__ import annotations

import asyncio
import secrets
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any, TypeVar

from tgemulator.errors import EmulatorError
from tgemulator.media import FileStore

Json = dict[str, Any]
T = TypeVar("T")

# thread_id meaning "the forum's General topic" in the emulator's own API (not a Bot API value).
GENERAL = 0
DEFAULT_GROUP_ID = -1001000000001
# The six colours Telegram allows for topic icons.
TOPIC_COLORS = (7322096, 16766590, 13338331, 9367192, 16749490, 16478047)
UPDATE_TYPES = (
    "message",
    "edited_message",
    "channel_post",
    "edited_channel_post",
    "business_connection",
    "business_message",
    "edited_business_message",
    "deleted_business_messages",
    "message_reaction",
    "message_reaction_count",
    "inline_query",
    "chosen_inline_result",
    "callback_query",
    "shipping_query",
    "pre_checkout_query",
    "purchased_paid_media",
    "poll",
    "poll_answer",
    "my_chat_member",
    "chat_member",
    "chat_join_request",
    "chat_boost",
    "removed_chat_boost",
)
# Telegram's default when allowed_updates is empty or never given.
DEFAULT_UPDATES = frozenset(UPDATE_TYPES) - {
    "chat_member",
    "message_reaction",
    "message_reaction_count",
}


class Notifier:
    """Wake coroutines waiting for the emulator's state to change."""

    def __init__(self) -> None:
        self._waiters: set[asyncio.Future[None]] = set()
        self.closed = False

    def notify(self) -> None:
        """Wake every waiter so it re-checks its condition."""
        for waiter in self._waiters:
            if not waiter.done():
                waiter.set_result(None)
        self._waiters.clear()

    def close(self) -> None:
        """Wake every waiter for good, as the emulator stops."""
        self.closed = True
        self.notify()

    def reopen(self) -> None:
        """Allow waiting again after a restart."""
        self.closed = False

    async def wait_for(self, check: Callable[[], T | None], seconds: float | None) -> T | None:
        """Return check()'s first non-None result, or None after `seconds` or on close."""
        loop = asyncio.get_running_loop()
        deadline = None if seconds is None else loop.time() + seconds
        while True:
            result = check()
            if result is not None or self.closed:
                return result
            remaining = None if deadline is None else deadline - loop.time()
            if remaining is not None and remaining <= 0:
                return None
            waiter: asyncio.Future[None] = loop.create_future()
            self._waiters.add(waiter)
            try:
                await asyncio.wait_for(waiter, remaining)
            except TimeoutError:
                return check()
            finally:
                self._waiters.discard(waiter)


@dataclass(slots=True)
class SimUser:
    """A simulated Telegram user (customer, staff member or manager)."""

    id: int
    first_name: str
    last_name: str | None = None
    username: str | None = None
    language_code: str | None = "en"
    staff: bool = False
    member_status: str = "left"
    phone_number: str | None = None
    blocked: bool = False
    started: bool = True
    # Writes to this owner's connected shop account instead of to the bot (the sandbox's demo).
    via_owner: int | None = None

    def to_user(self) -> Json:
        """Return the Bot API User object."""
        user: Json = {"id": self.id, "is_bot": False, "first_name": self.first_name}
        if self.last_name:
            user["last_name"] = self.last_name
        if self.username:
            user["username"] = self.username
        if self.language_code:
            user["language_code"] = self.language_code
        return user

    def view(self) -> Json:
        """Return the user with the emulator's own flags, for the control API."""
        return {
            **self.to_user(),
            "staff": self.staff,
            "member_status": self.member_status,
            "blocked": self.blocked,
            "phone_number": self.phone_number,
            "via_owner": self.via_owner,
        }


@dataclass(slots=True)
class StoredMessage:
    """A message in a chat, with whatever keyboard the bot attached."""

    chat_id: int
    message_id: int
    data: Json
    outgoing: bool
    thread_id: int | None
    created_seq: int
    seq: int
    markup: Json | None = None

    def view(self) -> Json:
        """Return the Message object with any kind of reply_markup, for tests and the UI."""
        if self.markup is None or "inline_keyboard" in self.markup:
            return dict(self.data)
        return {**self.data, "reply_markup": self.markup}


@dataclass(slots=True)
class Topic:
    """A forum topic, identified like Telegram by the id of its creation message."""

    chat_id: int
    thread_id: int
    name: str
    icon_color: int
    created_by: int
    date: int
    icon_custom_emoji_id: str | None = None
    is_closed: bool = False

    def to_forum_topic(self) -> Json:
        """Return the Bot API ForumTopic object."""
        topic: Json = {
            "message_thread_id": self.thread_id,
            "name": self.name,
            "icon_color": self.icon_color,
        }
        if self.icon_custom_emoji_id:
            topic["icon_custom_emoji_id"] = self.icon_custom_emoji_id
        return topic

    def view(self) -> Json:
        """Return the topic with its state, for tests and the UI."""
        return {
            **self.to_forum_topic(),
            "chat_id": self.chat_id,
            "is_closed": self.is_closed,
            "created_by": self.created_by,
            "date": self.date,
        }


@dataclass(slots=True)
class ChatState:
    """A private chat with one user, or the staff forum supergroup."""

    id: int
    type: str
    title: str | None = None
    is_forum: bool = False
    messages: dict[int, StoredMessage] = field(default_factory=dict)
    next_message_id: int = 1
    reply_keyboard: Json | None = None
    action: Json | None = None
    # A business chat: the customer (the Bot API's chat id) and the account they write to.
    peer_id: int | None = None
    business_owner: int | None = None


@dataclass(slots=True)
class CallbackQueryState:
    """A button press waiting for answerCallbackQuery."""

    id: str
    user_id: int
    chat_id: int
    message_id: int
    data: str | None
    date: float
    answer: Json | None = None


@dataclass(slots=True)
class WebhookConfig:
    """The webhook the bot registered with setWebhook."""

    url: str = ""
    secret_token: str | None = None
    max_connections: int = 40
    ip_address: str | None = None
    last_error_date: int | None = None
    last_error_message: str | None = None
    version: int = 0


class World:
    """Everything the emulated Telegram knows, shared by the Bot API and the people."""

    def __init__(
        self,
        *,
        bot_id: int,
        bot_username: str,
        bot_name: str,
        group_id: int,
        group_title: str,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.bot_id = bot_id
        self.bot_username = bot_username
        self.bot_name = bot_name
        self.group_id = group_id
        self.group_title = group_title
        self.clock = clock
        self.notifier = Notifier()
        self.files = FileStore()
        self.webhook = WebhookConfig()
        self.allowed_updates: list[str] | None = None
        self.commands: dict[tuple[str, str], list[Json]] = {}
        self.epoch = ""
        # Ids handed out before (by an earlier run whose bot database remains, or before a
        # reset) are never handed out again, as Telegram never reuses them: a new person must
        # not inherit an old customer's conversation, nor a new topic an old topic's id.
        self.used_user_id = 0
        self.used_message_id = 0
        self.users: dict[int, SimUser] = {}
        self.chats: dict[int, ChatState] = {}
        self.reset()

    def reset(self) -> None:
        """Forget users, chats, messages, topics, files and updates; keep the bot's settings."""
        self.reserve_ids(
            max(self.users, default=0),
            max((chat.next_message_id - 1 for chat in self.chats.values()), default=0),
        )
        self.users = {}
        self.chats = {
            # Message 1 of a supergroup is its creation service message; topics start after it,
            # so no topic gets thread id 1, which Telegram reserves for the General topic.
            self.group_id: ChatState(
                id=self.group_id,
                type="supergroup",
                title=self.group_title,
                is_forum=True,
                next_message_id=max(2, self.used_message_id + 1),
            )
        }
        self.topics: dict[tuple[int, int], Topic] = {}
        # Telegram Business: connections by id, and each (owner, customer) chat's key in chats.
        self.connections: dict[str, Any] = {}
        self.business_chats: dict[tuple[int, int], int] = {}
        # Tests of the journeys in business mode: customers "write to the bot" in their chat
        # with this owner's connected account instead (see Emulator.serve_customers_via).
        self.business_mirror: int | None = None
        self.callback_queries: dict[str, CallbackQueryState] = {}
        self.updates: list[Json] = []
        # Like Telegram after a pause, start from an arbitrary id: the bot's database may
        # remember ids from an earlier run (the sandbox keeps its data), so never reuse them.
        self.next_update_id = int(self.clock() * 1000)
        self.files.clear()
        # Change log for the control feed: (kind, key) per change; seq = position + 1.
        self.log: list[tuple[str, Any]] = []
        self.action_seq = 0
        self.epoch = secrets.token_hex(4)
        self.notifier.notify()

    # ---- identities -------------------------------------------------------------------

    @property
    def now(self) -> int:
        """Return the current unix time."""
        return int(self.clock())

    @property
    def seq(self) -> int:
        """Return the number of changes so far (the control feed's cursor)."""
        return len(self.log)

    def changed(self, kind: str, key: Any) -> int:
        """Record a change for the control feed and wake waiters."""
        self.log.append((kind, key))
        self.notifier.notify()
        return len(self.log)

    def bot_user(self) -> Json:
        """Return the bot's User object as it appears in messages."""
        return {
            "id": self.bot_id,
            "is_bot": True,
            "first_name": self.bot_name,
            "username": self.bot_username,
        }

    def add_user(self, user: SimUser) -> SimUser:
        """Register a simulated user; staff join the staff group."""
        if user.id in self.users or user.id == self.bot_id or user.id <= 0:
            raise EmulatorError(f"user id {user.id} is taken or invalid")
        if user.staff and user.member_status == "left":
            user.member_status = "member"
        self.users[user.id] = user
        self.changed("user", user.id)
        return user

    def user(self, user_id: int) -> SimUser:
        """Return a simulated user or raise EmulatorError."""
        try:
            return self.users[user_id]
        except KeyError:
            raise EmulatorError(f"no simulated user {user_id}; call add_user first") from None

    def next_user_id(self) -> int:
        """Return a user id never used before for a new simulated user."""
        return max([100000, self.used_user_id, *self.users]) + 1

    def reserve_ids(self, user_id: int, message_id: int) -> None:
        """Never hand out user ids up to `user_id`, nor message or topic ids up to `message_id`."""
        self.used_user_id = max(self.used_user_id, user_id)
        self.used_message_id = max(self.used_message_id, message_id)
        group = self.chats.get(self.group_id)
        if group is not None:
            group.next_message_id = max(group.next_message_id, self.used_message_id + 1)

    # ---- chats ------------------------------------------------------------------------

    @property
    def group(self) -> ChatState:
        """Return the staff forum supergroup."""
        return self.chats[self.group_id]

    def chat(self, chat_id: int) -> ChatState | None:
        """Return a chat by id; a user's private chat exists once the user does."""
        chat = self.chats.get(chat_id)
        if chat is None and chat_id in self.users:
            chat = self.chats[chat_id] = ChatState(
                id=chat_id, type="private", next_message_id=self.used_message_id + 1
            )
        return chat

    def mirrored(self, chat_id: int) -> int:
        """The chat a test means by a customer's id: their business chat in mirror mode."""
        user = self.users.get(chat_id)
        if user is None or user.staff:
            return chat_id
        owner = user.via_owner or self.business_mirror
        if owner is None or chat_id == owner:
            return chat_id
        key = self.business_chats.get((owner, chat_id))
        return chat_id if key is None else key

    def private_chat(self, user_id: int) -> ChatState:
        """Return the private chat between the bot and a user."""
        self.user(user_id)
        chat = self.chat(user_id)
        assert chat is not None
        return chat

    def chat_json(self, chat: ChatState) -> Json:
        """Return the Bot API Chat object."""
        if chat.type == "private":
            peer = chat.id if chat.peer_id is None else chat.peer_id
            user = self.users[peer]
            data: Json = {"id": peer, "type": "private", "first_name": user.first_name}
            if user.last_name:
                data["last_name"] = user.last_name
            if user.username:
                data["username"] = user.username
            return data
        data = {"id": chat.id, "type": chat.type, "title": chat.title}
        if chat.is_forum:
            data["is_forum"] = True
        return data

    def chat_view(self, chat: ChatState) -> Json:
        """Return the chat with its keyboard and typing state, for the UI."""
        return {
            **self.chat_json(chat),
            "reply_keyboard": chat.reply_keyboard,
            "action": chat.action,
            "message_count": len(chat.messages),
        }

    def set_keyboard(self, chat: ChatState, markup: Json | None) -> None:
        """Remember the reply keyboard the bot showed in a chat."""
        if markup is None:
            return
        if "keyboard" in markup:
            chat.reply_keyboard = markup
        elif markup.get("remove_keyboard"):
            chat.reply_keyboard = None
        else:
            return
        self.changed("chat", chat.id)

    def set_action(self, chat: ChatState, action: str | None, thread_id: int | None) -> None:
        """Show or clear the bot's chat action ("typing…")."""
        chat.action = (
            None if action is None else {"action": action, "date": self.now, "thread_id": thread_id}
        )
        self.changed("chat", chat.id)

    # ---- messages ---------------------------------------------------------------------

    def add_message(
        self,
        chat: ChatState,
        sender: Json,
        content: Json,
        *,
        outgoing: bool,
        thread_id: int | None = None,
        reply_to: StoredMessage | None = None,
        markup: Json | None = None,
        extra: Json | None = None,
    ) -> StoredMessage:
        """Append a message to a chat the way Telegram numbers and shapes it."""
        message_id = chat.next_message_id
        chat.next_message_id += 1
        data: Json = {"message_id": message_id}
        if thread_id:
            data["message_thread_id"] = thread_id
        data["from"] = sender
        data["chat"] = self.chat_json(chat)
        data["date"] = self.now
        if extra:
            data.update(extra)
        if thread_id:
            data["is_topic_message"] = True
            # Telegram shows a topic message as a reply to the topic's creation message.
            if reply_to is None and thread_id != message_id:
                reply_to = chat.messages.get(thread_id)
        if reply_to is not None:
            data["reply_to_message"] = _shallow(reply_to.data)
        data.update(content)
        if markup is not None and "inline_keyboard" in markup:
            data["reply_markup"] = markup
        seq = self.changed("message", (chat.id, message_id))
        stored = StoredMessage(
            chat_id=chat.id,
            message_id=message_id,
            data=data,
            outgoing=outgoing,
            thread_id=thread_id or None,
            created_seq=seq,
            seq=seq,
            markup=markup,
        )
        chat.messages[message_id] = stored
        if outgoing and chat.action is not None:
            chat.action = None
            self.changed("chat", chat.id)
        return stored

    def replace_message(
        self, stored: StoredMessage, data: Json, markup: Json | None, *, edited: bool = True
    ) -> StoredMessage:
        """Swap in a message's new content; dicts are copied so queued updates stay intact."""
        data = dict(data)
        if edited:
            data["edit_date"] = self.now
        if markup is not None and "inline_keyboard" in markup:
            data["reply_markup"] = markup
        else:
            data.pop("reply_markup", None)
        stored.data = data
        stored.markup = markup
        stored.seq = self.changed("message", (stored.chat_id, stored.message_id))
        return stored

    def delete_message(self, stored: StoredMessage) -> None:
        """Remove a message from its chat."""
        chat = self.chats[stored.chat_id]
        chat.messages.pop(stored.message_id, None)
        self.changed("deleted", (stored.chat_id, stored.message_id))

    def find_message(self, chat_id: int, message_id: int) -> StoredMessage | None:
        """Return a message by chat and id."""
        chat = self.chats.get(chat_id)
        return None if chat is None else chat.messages.get(message_id)

    def iter_messages(self, chat_id: int, thread_id: int | None = None) -> Iterator[StoredMessage]:
        """Yield a chat's messages in order; thread_id GENERAL means outside any topic."""
        chat = self.chats.get(chat_id)
        if chat is None:
            return
        for stored in chat.messages.values():
            if thread_id is None or (stored.thread_id or GENERAL) == thread_id:
                yield stored

    def messages_after(
        self, chat_id: int, seq: int, thread_id: int | None = None
    ) -> list[StoredMessage]:
        """Return a chat's messages created after a change cursor, oldest first."""
        chat = self.chats.get(chat_id)
        if chat is None:
            return []
        newer: list[StoredMessage] = []
        # Newest first, stopping at the cursor, so long chats stay cheap to watch.
        for stored in reversed(chat.messages.values()):
            if stored.created_seq <= seq:
                break
            if thread_id is None or (stored.thread_id or GENERAL) == thread_id:
                newer.append(stored)
        newer.reverse()
        return newer

    # ---- topics -----------------------------------------------------------------------

    def create_topic(
        self,
        creator: Json,
        name: str,
        icon_color: int,
        icon_custom_emoji_id: str | None,
        *,
        outgoing: bool,
        chat: ChatState | None = None,
    ) -> tuple[Topic, StoredMessage]:
        """Create a forum topic and its service message (in the staff group unless `chat`)."""
        chat = chat or self.group
        thread_id = chat.next_message_id
        created: Json = {"name": name, "icon_color": icon_color}
        if icon_custom_emoji_id:
            created["icon_custom_emoji_id"] = icon_custom_emoji_id
        stored = self.add_message(
            chat,
            creator,
            {"forum_topic_created": created},
            outgoing=outgoing,
            thread_id=thread_id,
        )
        topic = Topic(
            chat_id=chat.id,
            thread_id=thread_id,
            name=name,
            icon_color=icon_color,
            created_by=creator["id"],
            date=self.now,
            icon_custom_emoji_id=icon_custom_emoji_id,
        )
        self.topics[(chat.id, thread_id)] = topic
        self.changed("topic", thread_id)
        return topic, stored

    def topic(self, chat_id: int, thread_id: int) -> Topic | None:
        """Return a topic by chat and thread id."""
        return self.topics.get((chat_id, thread_id))

    # ---- updates ----------------------------------------------------------------------

    def push_update(self, kind: str, payload: Json) -> Json | None:
        """Queue an update for the bot unless its allowed_updates exclude the kind."""
        allowed = set(self.allowed_updates) if self.allowed_updates else DEFAULT_UPDATES
        if kind not in allowed:
            return None
        update = {"update_id": self.next_update_id, kind: payload}
        self.next_update_id += 1
        self.updates.append(update)
        self.notifier.notify()
        return update

    def confirm_updates(self, offset: int | None) -> None:
        """Drop updates the bot confirmed with an offset (negative: keep only the last ones)."""
        if not offset:
            return
        before = len(self.updates)
        if offset < 0:
            del self.updates[: max(len(self.updates) + offset, 0)]
        else:
            self.updates = [u for u in self.updates if u["update_id"] >= offset]
        if len(self.updates) != before:
            # The sandbox page shows how many updates still wait for the bot.
            self.changed("updates", len(self.updates))

    def drop_update(self, update_id: int) -> None:
        """Forget one delivered update."""
        self.updates = [u for u in self.updates if u["update_id"] != update_id]
        self.changed("updates", len(self.updates))

    def mark_action(self) -> None:
        """Remember when a simulated person last acted, for wait_for_bot_message."""
        self.action_seq = self.seq


def _shallow(data: Json) -> Json:
    """Return a message as it appears inside reply_to_message (one level deep)."""
    return {key: value for key, value in data.items() if key != "reply_to_message"}


def chat_instance(chat_id: int) -> str:
    """Return a stable chat_instance string for callback queries from a chat."""
    return str((chat_id * 2654435761) % (2**63))
