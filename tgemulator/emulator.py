"""The Emulator: a local Bot API server plus a Python API to act as people and inspect."""

from __future__ import annotations

import asyncio
import json
import logging
import time
from collections.abc import Callable
from pathlib import Path
from types import TracebackType
from typing import Any, Self, TypeVar

from aiohttp import web

from tgemulator import business
from tgemulator.control import ControlRoutes
from tgemulator.errors import EmulatorError
from tgemulator.faults import Fault, Faults
from tgemulator.methods import BotApi
from tgemulator.people import People
from tgemulator.server import ApiGateway, BotApiRoutes, CallRecord
from tgemulator.spec import ApiSpec, load_spec
from tgemulator.state import (
    DEFAULT_GROUP_ID,
    GENERAL,
    ChatState,
    Json,
    SimUser,
    StoredMessage,
    World,
)
from tgemulator.webhook import WebhookDelivery

logger = logging.getLogger("tgemulator")

DEFAULT_TOKEN = "1234567890:AAEmulatorTokenForLocalTestsOnly000000"
MessagePredicate = Callable[[Json], bool]
T = TypeVar("T")


class Emulator:
    """A local Telegram Bot API server with simulated customers and staff."""

    GENERAL = GENERAL

    def __init__(
        self,
        token: str = DEFAULT_TOKEN,
        *,
        spec_path: str | Path | None = None,
        spec: ApiSpec | None = None,
        bot_username: str = "service_bot",
        bot_name: str = "Service Bot",
        group_id: int = DEFAULT_GROUP_ID,
        group_title: str = "Staff",
        webhook_retry_delay: float = 0.05,
        webhook_max_retry_delay: float = 2.0,
        calls_limit: int = 100_000,
        clock: Callable[[], float] = time.time,
    ) -> None:
        bot_id, sep, secret = token.partition(":")
        if not sep or not bot_id.isdigit() or not secret:
            raise ValueError("token must look like '<bot id>:<secret>'")
        self.token = token
        self.bot_id = int(bot_id)
        self.spec = spec if spec is not None else load_spec(spec_path)
        self.world = World(
            bot_id=self.bot_id,
            bot_username=bot_username,
            bot_name=bot_name,
            group_id=group_id,
            group_title=group_title,
            clock=clock,
        )
        self.api = BotApi(self.world)
        self.faults = Faults()
        self.gateway = ApiGateway(self.spec, self.api, self.faults, calls_limit=calls_limit)
        self.people = People(self.world)
        self.webhook = WebhookDelivery(
            self.world,
            self.gateway.execute,
            retry_delay=webhook_retry_delay,
            max_retry_delay=webhook_max_retry_delay,
        )
        self.base_url: str | None = None
        self._runner: web.AppRunner | None = None
        # Run after every reset, e.g. to bring back the sandbox's demo staff and customers.
        self.after_reset: list[Callable[[Emulator], None]] = []

    # ---- lifecycle --------------------------------------------------------------------

    def make_app(self) -> web.Application:
        """Build the aiohttp application: Bot API, file downloads, control API and sandbox."""
        app = web.Application(client_max_size=64 * 1024 * 1024)
        BotApiRoutes(self.token, self.gateway).register(app)
        ControlRoutes(self).register(app)
        return app

    async def start(self, host: str = "127.0.0.1", port: int = 0) -> str:
        """Start serving (port 0 picks a free one) and return the base URL for aiogram."""
        if self._runner is not None:
            raise EmulatorError("emulator already started")
        self.world.notifier.reopen()
        runner = web.AppRunner(self.make_app(), access_log=None, shutdown_timeout=1.0)
        await runner.setup()
        site = web.TCPSite(runner, host, port)
        await site.start()
        self._runner = runner
        bound = runner.addresses[0]
        self.base_url = f"http://{host}:{bound[1]}"
        self.webhook.start()
        logger.info("Telegram emulator serving at %s", self.base_url)
        return self.base_url

    async def stop(self) -> None:
        """Stop serving; waiting long polls end with no updates."""
        self.world.notifier.close()
        await self.webhook.stop()
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    async def __aenter__(self) -> Self:
        if self._runner is None:
            await self.start()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.stop()

    @property
    def api_url(self) -> str:
        """Return the base URL (for TelegramAPIServer.from_base); the emulator must be started."""
        if self.base_url is None:
            raise EmulatorError("emulator not started")
        return self.base_url

    @property
    def group_id(self) -> int:
        """Return the staff forum supergroup's chat id."""
        return self.world.group_id

    @property
    def bot_username(self) -> str:
        """Return the bot's username."""
        return self.world.bot_username

    def reset(self) -> None:
        """Forget people, chats, messages, topics, files, updates, calls and faults."""
        # The bot's own settings (webhook, commands, allowed_updates) survive: the running
        # bot would not set them again.
        self.world.reset()
        self.gateway.calls.clear()
        self.gateway.unsupported.clear()
        self.faults.clear()
        for seed in self.after_reset:
            seed(self)

    # ---- people -----------------------------------------------------------------------

    def add_user(
        self,
        id: int | None = None,
        first_name: str = "User",
        last_name: str | None = None,
        username: str | None = None,
        language_code: str | None = "en",
        staff: bool = False,
        *,
        member_status: str | None = None,
        phone_number: str | None = None,
        started: bool = True,
    ) -> Json:
        """Add a simulated user (staff join the staff group) and return its User object."""
        user = SimUser(
            id=self.world.next_user_id() if id is None else id,
            first_name=first_name,
            last_name=last_name,
            username=username,
            language_code=language_code,
            staff=staff,
            member_status=member_status or ("member" if staff else "left"),
            phone_number=phone_number,
            started=started,
        )
        return self.world.add_user(user).to_user()

    def users(self) -> list[Json]:
        """Return every simulated user with the emulator's flags (staff, blocked...)."""
        return [user.view() for user in self.world.users.values()]

    def set_member_status(self, user_id: int, status: str) -> None:
        """Set a user's status in the staff group: creator, administrator, member, left, kicked."""
        if status not in ("creator", "administrator", "member", "left", "kicked"):
            raise EmulatorError(f"unknown member status {status!r}")
        self.world.user(user_id).member_status = status
        self.world.changed("user", user_id)

    async def send_text(
        self,
        user_id: int,
        text: str,
        *,
        chat_id: int | None = None,
        thread_id: int | None = None,
        reply_to: int | None = None,
    ) -> Json:
        """Write a text as a user (private chat unless chat_id is given); return the Message."""
        content = self.people.text_content(text)
        return await self._post(user_id, content, chat_id, thread_id, reply_to)

    async def send_photo(
        self,
        user_id: int,
        photo: bytes | None = None,
        caption: str | None = None,
        *,
        filename: str = "photo.jpg",
        chat_id: int | None = None,
        thread_id: int | None = None,
        reply_to: int | None = None,
    ) -> Json:
        """Send a photo as a user (a generated PNG unless bytes are given)."""
        content = self.people.media_content("photo", photo, caption=caption, filename=filename)
        return await self._post(user_id, content, chat_id, thread_id, reply_to)

    async def send_document(
        self,
        user_id: int,
        content: bytes = b"%PDF-1.4\n%emulator\n",
        filename: str = "document.pdf",
        caption: str | None = None,
        *,
        mime_type: str | None = None,
        chat_id: int | None = None,
        thread_id: int | None = None,
    ) -> Json:
        """Send a file as a user."""
        body = self.people.media_content(
            "document", content, caption=caption, filename=filename, mime_type=mime_type
        )
        return await self._post(user_id, body, chat_id, thread_id, None)

    async def send_voice(
        self,
        user_id: int,
        content: bytes | None = None,
        duration: int = 3,
        *,
        chat_id: int | None = None,
        thread_id: int | None = None,
    ) -> Json:
        """Send a voice note as a user."""
        body = self.people.media_content("voice", content, duration=duration)
        return await self._post(user_id, body, chat_id, thread_id, None)

    async def send_video(
        self,
        user_id: int,
        content: bytes | None = None,
        caption: str | None = None,
        *,
        duration: int = 5,
        width: int = 640,
        height: int = 360,
        chat_id: int | None = None,
        thread_id: int | None = None,
    ) -> Json:
        """Send a video as a user."""
        body = self.people.media_content(
            "video",
            content,
            caption=caption,
            filename="video.mp4",
            duration=duration,
            width=width,
            height=height,
        )
        return await self._post(user_id, body, chat_id, thread_id, None)

    async def send_sticker(
        self,
        user_id: int,
        emoji: str = "👍",
        content: bytes | None = None,
        *,
        chat_id: int | None = None,
        thread_id: int | None = None,
    ) -> Json:
        """Send a sticker as a user."""
        body = self.people.media_content("sticker", content, emoji=emoji)
        return await self._post(user_id, body, chat_id, thread_id, None)

    async def send_location(
        self,
        user_id: int,
        latitude: float,
        longitude: float,
        *,
        chat_id: int | None = None,
        thread_id: int | None = None,
    ) -> Json:
        """Share a location as a user."""
        if not (-90 <= latitude <= 90 and -180 <= longitude <= 180):
            raise EmulatorError("latitude must be within ±90 and longitude within ±180")
        content = {"location": {"latitude": float(latitude), "longitude": float(longitude)}}
        return await self._post(user_id, content, chat_id, thread_id, None)

    async def send_contact(
        self,
        user_id: int,
        phone_number: str | None = None,
        first_name: str | None = None,
        last_name: str | None = None,
        *,
        chat_id: int | None = None,
        thread_id: int | None = None,
    ) -> Json:
        """Share a contact as a user; with no details it is the user's own (request_contact)."""
        contact = self.people.contact_content(user_id, phone_number, first_name, last_name)
        return await self._post(user_id, {"contact": contact}, chat_id, thread_id, None)

    async def edit_text(
        self, user_id: int, message_id: int, new_text: str, *, chat_id: int | None = None
    ) -> Json:
        """Edit a user's own text message (an edited_message update)."""
        result = self.people.edit_text(user_id, message_id, new_text, chat_id)
        await asyncio.sleep(0)
        return result

    async def press_button(
        self,
        user_id: int,
        chat_id: int,
        message_id: int,
        callback_data: str | None = None,
        *,
        button_text: str | None = None,
    ) -> str:
        """Press an inline button by its label, or send any callback_data; return the query id."""
        query_id = self.people.press(user_id, chat_id, message_id, callback_data, button_text)
        await asyncio.sleep(0)
        return query_id

    async def staff_send(
        self,
        user_id: int,
        thread_id: int | None,
        text: str,
        *,
        reply_to: int | None = None,
    ) -> Json:
        """Write in the staff group as a staff member, in a topic (None: General)."""
        return await self.send_text(
            user_id, text, chat_id=self.group_id, thread_id=thread_id, reply_to=reply_to
        )

    async def staff_send_photo(
        self,
        user_id: int,
        thread_id: int | None,
        photo: bytes | None = None,
        caption: str | None = None,
    ) -> Json:
        """Send a photo in the staff group as a staff member."""
        return await self.send_photo(
            user_id, photo, caption, chat_id=self.group_id, thread_id=thread_id
        )

    async def staff_create_topic(self, user_id: int, name: str) -> Json:
        """Create a topic in the staff group as a staff member."""
        topic = self.people.create_topic(user_id, name)
        await asyncio.sleep(0)
        return topic

    # ---- Telegram Business -------------------------------------------------------------

    def add_staff_group(self, chat_id: int, title: str) -> int:
        """Add another forum supergroup the bot is in (a shop account's own staff group).

        Its members are the staff group's: membership is one status per user here.
        """
        if chat_id >= 0 or chat_id in self.world.chats:
            raise ValueError(f"{chat_id} is no new supergroup id")
        self.world.chats[chat_id] = ChatState(
            id=chat_id, type="supergroup", title=title, is_forum=True, next_message_id=2
        )
        return chat_id

    async def connect_business(
        self, owner_id: int, *, can_reply: bool = True, enabled: bool = True
    ) -> str:
        """Connect the bot to an owner's account (a business_connection update); its id."""
        conn = business.connect(self.world, owner_id, can_reply=can_reply, enabled=enabled)
        await asyncio.sleep(0)
        return conn.id

    async def change_business(
        self, connection_id: str, *, enabled: bool | None = None, can_reply: bool | None = None
    ) -> None:
        """Disable or enable a connection or change its reply right, as the owner can."""
        business.change(self.world, connection_id, enabled=enabled, can_reply=can_reply)
        await asyncio.sleep(0)

    def serve_customers_via(self, owner_id: int | None) -> None:
        """Business mirror mode: customers write to this connected account, not to the bot.

        What tests do as a customer in "the private chat" (send_*, edit_text, press_button,
        messages, wait_for_bot_message...) then happens in their chat with the account, so
        the journeys' tests run unchanged in business mode. None turns it off.
        """
        if owner_id is not None:
            business.connection_of(self.world, owner_id)
        self.world.business_mirror = owner_id

    def business_connection(self, connection_id: str) -> Json:
        """Return a connection as the Bot API's BusinessConnection."""
        return business.connection(self.world, connection_id).to_json(self.world)

    def business_chat(self, owner_id: int, customer_id: int) -> int:
        """Return the emulator's key of the chat between an account and a customer.

        Pass it where a chat_id is asked (messages, wait_for_bot_message, press_button): the
        Bot API shows that chat with the customer's id, like the bot's own chat with them.
        """
        return business.business_chat_key(self.world, owner_id, customer_id)

    async def business_send(self, customer_id: int, owner_id: int, text: str) -> Json:
        """Write a text as a customer to a connected account (a business_message update)."""
        conn = business.connection_of(self.world, owner_id)
        content = self.people.text_content(text)
        message = business.post(self.world, conn, customer_id, content, by_owner=False)
        await asyncio.sleep(0)
        return message

    async def business_send_content(self, customer_id: int, owner_id: int, content: Json) -> Json:
        """Send any content as a customer to a connected account (see People.media_content)."""
        conn = business.connection_of(self.world, owner_id)
        message = business.post(self.world, conn, customer_id, content, by_owner=False)
        await asyncio.sleep(0)
        return message

    async def business_send_photo(
        self, customer_id: int, owner_id: int, caption: str | None = None
    ) -> Json:
        """Send a generated photo as a customer to a connected account."""
        content = self.people.media_content("photo", None, caption=caption, filename="photo.jpg")
        return await self.business_send_content(customer_id, owner_id, content)

    async def owner_send(self, owner_id: int, customer_id: int, text: str) -> Json:
        """Write as the account's owner in a customer's chat, from the Telegram app."""
        conn = business.connection_of(self.world, owner_id)
        content = self.people.text_content(text)
        message = business.post(self.world, conn, customer_id, content, by_owner=True)
        await asyncio.sleep(0)
        return message

    async def business_edit(
        self, owner_id: int, customer_id: int, message_id: int, text: str
    ) -> Json:
        """Edit a text in a business chat (an edited_business_message update)."""
        chat = business.business_chat(self.world, owner_id, customer_id)
        message = business.edit(self.world, chat, message_id, text)
        await asyncio.sleep(0)
        return message

    async def business_delete(
        self, owner_id: int, customer_id: int, message_ids: list[int]
    ) -> None:
        """Delete messages in a business chat (a deleted_business_messages update)."""
        chat = business.business_chat(self.world, owner_id, customer_id)
        business.delete(self.world, chat, message_ids)
        await asyncio.sleep(0)

    async def block_bot(self, user_id: int) -> None:
        """Block the bot as a user: later messages to them fail with 403."""
        self.people.set_blocked(user_id, True)
        await asyncio.sleep(0)

    async def unblock_bot(self, user_id: int) -> None:
        """Unblock the bot as a user."""
        self.people.set_blocked(user_id, False)
        await asyncio.sleep(0)

    async def _post(
        self,
        user_id: int,
        content: Json,
        chat_id: int | None,
        thread_id: int | None,
        reply_to: int | None,
    ) -> Json:
        message = self.people.post(
            user_id, content, chat_id=chat_id, thread_id=thread_id, reply_to=reply_to
        )
        # Let the server and the bot's pending long poll see the update.
        await asyncio.sleep(0)
        return message

    # ---- reading ----------------------------------------------------------------------

    def messages(self, chat_id: int, thread_id: int | None = None) -> list[Json]:
        """Return a chat's messages in order, both directions; thread_id=GENERAL for General."""
        chat_id = self.world.mirrored(chat_id)
        return [stored.view() for stored in self.world.iter_messages(chat_id, thread_id)]

    def bot_messages(self, chat_id: int, thread_id: int | None = None) -> list[Json]:
        """Return the messages the bot sent to a chat (or one topic of it)."""
        chat_id = self.world.mirrored(chat_id)
        return [s.view() for s in self.world.iter_messages(chat_id, thread_id) if s.outgoing]

    def message(self, chat_id: int, message_id: int) -> Json | None:
        """Return one message, or None."""
        stored = self.world.find_message(self.world.mirrored(chat_id), message_id)
        return None if stored is None else stored.view()

    def topics(self) -> list[Json]:
        """Return the staff group's topics in creation order."""
        return [topic.view() for topic in self.world.topics.values()]

    def topic(self, thread_id: int) -> Json | None:
        """Return one topic of the staff group, or None."""
        topic = self.world.topic(self.group_id, thread_id)
        return None if topic is None else topic.view()

    def reply_keyboard(self, chat_id: int) -> Json | None:
        """Return the reply keyboard the bot currently shows in a chat."""
        chat = self.world.chats.get(self.world.mirrored(chat_id))
        return None if chat is None else chat.reply_keyboard

    def chat_action(self, chat_id: int) -> Json | None:
        """Return the last chat action ("typing"...) the bot showed in a chat."""
        chat = self.world.chats.get(self.world.mirrored(chat_id))
        return None if chat is None else chat.action

    def callback_answer(self, query_id: str) -> Json | None:
        """Return how the bot answered a button press, or None if it has not."""
        query = self.world.callback_queries.get(query_id)
        return None if query is None else query.answer

    def commands(self, scope: Json | None = None, language_code: str = "") -> list[Json]:
        """Return the commands the bot set for a scope and language."""
        key = (json.dumps(scope or {"type": "default"}, sort_keys=True), language_code)
        return list(self.world.commands.get(key, []))

    def file_bytes(self, file_id: str) -> bytes:
        """Return the bytes behind a file_id."""
        stored = self.world.files.get(file_id)
        if stored is None:
            raise EmulatorError(f"unknown file_id {file_id}")
        return stored.content

    def pending_updates(self) -> list[Json]:
        """Return the updates the bot has not confirmed yet."""
        return list(self.world.updates)

    @property
    def calls(self) -> list[CallRecord]:
        """Return every Bot API call so far, oldest first."""
        return list(self.gateway.calls)

    def calls_to(self, method: str) -> list[CallRecord]:
        """Return the calls of one method (case-insensitive)."""
        name = method.lower()
        return [call for call in self.gateway.calls if call.method.lower() == name]

    @property
    def rejected_calls(self) -> list[CallRecord]:
        """Return the calls answered with an error."""
        return [call for call in self.gateway.calls if not call.ok]

    @property
    def unsupported_calls(self) -> list[str]:
        """Return the spec methods the bot called that the emulator does not serve."""
        return list(self.gateway.unsupported)

    def mark(self) -> int:
        """Return a cursor; pass it as `since` to wait only for later bot messages."""
        return self.world.seq

    # ---- waiting ----------------------------------------------------------------------

    async def wait_for_bot_message(
        self,
        chat_id: int,
        predicate: MessagePredicate | None = None,
        thread_id: int | None = None,
        timeout: float = 5.0,
        *,
        since: int | None = None,
    ) -> Json:
        """Wait for a bot message in a chat sent after the last simulated action (or `since`)."""
        after = self.world.action_seq if since is None else since
        chat_id = self.world.mirrored(chat_id)

        def check() -> Json | None:
            for stored in self.world.messages_after(chat_id, after, thread_id):
                if stored.outgoing:
                    view = stored.view()
                    if predicate is None or predicate(view):
                        return view
            return None

        found = await self.world.notifier.wait_for(check, timeout)
        if found is None:
            raise TimeoutError(self._timeout_report(chat_id, thread_id, timeout))
        return found

    async def wait_for_call(
        self,
        method: str,
        predicate: Callable[[CallRecord], bool] | None = None,
        timeout: float = 5.0,
        *,
        since: int = 0,
    ) -> CallRecord:
        """Wait for a Bot API call of a method (index > since) matching a predicate."""
        name = method.lower()

        def check() -> CallRecord | None:
            newer: list[CallRecord] = []
            for call in reversed(self.gateway.calls):
                if call.index <= since:
                    break
                newer.append(call)
            for call in reversed(newer):
                if call.method.lower() == name and (predicate is None or predicate(call)):
                    return call
            return None

        found = await self.world.notifier.wait_for(check, timeout)
        if found is None:
            raise TimeoutError(f"no {method} call within {timeout}s")
        return found

    async def wait_for_callback_answer(
        self,
        query_id: str,
        timeout: float = 5.0,
    ) -> Json:
        """Wait until the bot answers a button press."""
        answer = await self.world.notifier.wait_for(lambda: self.callback_answer(query_id), timeout)
        if answer is None:
            raise TimeoutError(f"callback query {query_id} not answered within {timeout}s")
        return answer

    async def wait_for_topic(
        self,
        predicate: Callable[[Json], bool] | None = None,
        timeout: float = 5.0,
    ) -> Json:
        """Wait for a staff-group topic (e.g. the one the bot opens for a customer)."""

        def check() -> Json | None:
            for topic in self.topics():
                if predicate is None or predicate(topic):
                    return topic
            return None

        found = await self.world.notifier.wait_for(check, timeout)
        if found is None:
            names = [topic["name"] for topic in self.topics()]
            raise TimeoutError(f"no matching topic within {timeout}s; topics: {names}")
        return found

    async def wait_until(self, check: Callable[[], T | None], timeout: float = 5.0) -> T:
        """Wait until check() returns something other than None (re-checked on every change)."""
        found = await self.world.notifier.wait_for(check, timeout)
        if found is None:
            raise TimeoutError(f"condition not met within {timeout}s")
        return found

    async def wait_until_delivered(
        self,
        timeout: float = 5.0,
    ) -> None:
        """Wait until the bot has fetched and confirmed every queued update."""
        done = await self.world.notifier.wait_for(
            lambda: True if not self.world.updates else None, timeout
        )
        if done is None:
            raise TimeoutError(f"{len(self.world.updates)} updates still pending after {timeout}s")

    def _timeout_report(self, chat_id: int, thread_id: int | None, timeout: float) -> str:
        recent = [
            m.get("text") or m.get("caption") or next(iter(set(m) - {"message_id"}), "?")
            for m in self.bot_messages(chat_id, thread_id)[-3:]
        ]
        rejected = [f"{c.method}: {c.error}" for c in self.rejected_calls[-3:]]
        where = f"chat {chat_id}" + (f" thread {thread_id}" if thread_id is not None else "")
        return (
            f"no matching bot message in {where} within {timeout}s; "
            f"last bot messages there: {recent}; recent rejected calls: {rejected}"
        )

    # ---- faults -----------------------------------------------------------------------

    def inject_fault(
        self,
        method: str | None = None,
        kind: str = "429",
        count: int | None = 1,
        retry_after: int = 1,
        delay: float = 0.5,
    ) -> Fault:
        """Make the next `count` calls of a method (None: any) fail, lag or drop the connection."""
        if method is not None and self.spec.method(method) is None:
            raise ValueError(f"no Bot API method {method!r} to inject a fault into")
        return self.faults.add(method, kind, count, retry_after, delay)

    def clear_faults(self) -> None:
        """Remove every injected fault."""
        self.faults.clear()

    async def call(self, method: str, **params: Any) -> Any:
        """Run a Bot API call in-process (validated and logged); raise EmulatorError on error."""
        status, body = await self.gateway.execute(method, params, {}, "python")
        if status != 200:
            raise EmulatorError(body["description"])
        return body["result"]

    def find_stored(self, chat_id: int, message_id: int) -> StoredMessage | None:
        """Return the emulator's record of a message (with its keyboard), or None."""
        return self.world.find_message(self.world.mirrored(chat_id), message_id)
