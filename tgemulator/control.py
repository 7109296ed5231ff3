"""The /_emu/ control API (act as people, read chats, faults) and the sandbox page."""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from aiohttp import BodyPartReader, web

from tgemulator import business
from tgemulator.errors import EmulatorError
from tgemulator.state import GENERAL, Json, StoredMessage

if TYPE_CHECKING:
    from tgemulator.emulator import Emulator

STATIC_DIR = Path(__file__).with_name("static")
# The UI asks for at most this many messages per chat when it (re)loads everything.
FULL_FEED_PER_CHAT = 300
MAX_WAIT = 30.0

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


def _ok(result: Any, status: int = 200) -> web.Response:
    return web.Response(
        text=json.dumps({"ok": True, "result": result}, ensure_ascii=False),
        status=status,
        content_type="application/json",
    )


def _fail(message: str, status: int = 400) -> web.Response:
    return web.Response(
        text=json.dumps({"ok": False, "error": message}, ensure_ascii=False),
        status=status,
        content_type="application/json",
    )


def _guard(handler: Handler) -> Handler:
    """Turn misuse (unknown user, bad JSON, bad values) into a 400 JSON reply."""

    async def guarded(request: web.Request) -> web.StreamResponse:
        try:
            return await handler(request)
        except EmulatorError as err:
            return _fail(str(err))
        except (KeyError, ValueError, TypeError) as err:
            return _fail(f"bad request: {type(err).__name__}: {err}")

    return guarded


def _int(value: Any, name: str) -> int:
    try:
        return int(value)
    except (TypeError, ValueError):
        raise EmulatorError(f"{name} must be an integer") from None


def _opt_int(value: Any, name: str) -> int | None:
    return None if value in (None, "") else _int(value, name)


def _thread(value: Any) -> int | None:
    """Parse a thread filter: empty for all, "general" or 0 for General, else a topic id."""
    if value in (None, ""):
        return None
    if value == "general":
        return GENERAL
    return _int(value, "thread_id")


async def _body(request: web.Request) -> tuple[Json, dict[str, tuple[str, bytes]]]:
    """Read a JSON or multipart body; files come back as name -> (filename, bytes)."""
    if request.content_type == "multipart/form-data":
        fields: Json = {}
        files: dict[str, tuple[str, bytes]] = {}
        async for part in await request.multipart():
            if not isinstance(part, BodyPartReader) or part.name is None:
                continue
            if part.filename is not None:
                files[part.name] = (part.filename, bytes(await part.read()))
            else:
                fields[part.name] = await part.text()
        return fields, files
    if not request.can_read_body:
        return {}, {}
    try:
        body = await request.json()
    except ValueError:
        raise EmulatorError("body must be JSON") from None
    if not isinstance(body, dict):
        raise EmulatorError("body must be a JSON object")
    return body, {}


def _file_from(body: Json, files: dict[str, tuple[str, bytes]], name: str) -> tuple[str, bytes]:
    if name in files:
        return files[name]
    encoded = body.get(f"{name}_base64")
    if encoded:
        try:
            return body.get("filename") or name, base64.b64decode(encoded)
        except (binascii.Error, ValueError):
            raise EmulatorError(f"{name}_base64 is not valid base64") from None
    raise EmulatorError(f"attach the file as multipart field {name!r} or send {name}_base64")


class ControlRoutes:
    """aiohttp handlers for /_emu/* and the sandbox page at /."""

    def __init__(self, emu: Emulator) -> None:
        self.emu = emu

    def register(self, app: web.Application) -> None:
        """Add the control routes and static files to an application."""
        routes = [
            ("GET", "/_emu/state", self.state),
            ("GET", "/_emu/users", self.list_users),
            ("POST", "/_emu/users", self.create_user),
            ("POST", "/_emu/users/{user_id}/text", self.send_text),
            ("POST", "/_emu/users/{user_id}/photo", self.send_photo),
            ("POST", "/_emu/users/{user_id}/document", self.send_document),
            ("POST", "/_emu/users/{user_id}/contact", self.send_contact),
            ("POST", "/_emu/users/{user_id}/location", self.send_location),
            ("POST", "/_emu/users/{user_id}/press", self.press),
            ("POST", "/_emu/users/{user_id}/edit", self.edit),
            ("POST", "/_emu/users/{user_id}/block", self.block),
            ("POST", "/_emu/users/{user_id}/unblock", self.unblock),
            ("POST", "/_emu/staff/{user_id}/text", self.staff_text),
            ("POST", "/_emu/staff/{user_id}/photo", self.staff_photo),
            ("POST", "/_emu/staff/{user_id}/topics", self.staff_topic),
            ("GET", "/_emu/business", self.business_connections),
            ("POST", "/_emu/business/{owner_id}/text", self.owner_text),
            ("POST", "/_emu/business/{owner_id}/connection", self.change_connection),
            ("GET", "/_emu/chats", self.chats),
            ("GET", "/_emu/topics", self.topics),
            ("GET", "/_emu/messages", self.messages),
            ("GET", "/_emu/feed", self.feed),
            ("GET", "/_emu/calls", self.calls),
            ("GET", "/_emu/updates", self.updates),
            ("GET", "/_emu/faults", self.list_faults),
            ("POST", "/_emu/faults", self.add_fault),
            ("DELETE", "/_emu/faults", self.clear_faults),
            ("POST", "/_emu/reset", self.reset),
            ("GET", "/_emu/files/{file_id}", self.file),
        ]
        for method, path, handler in routes:
            app.router.add_route(method, path, _guard(handler))
        app.router.add_get("/", self.index)
        app.router.add_static("/static/", STATIC_DIR)

    async def index(self, request: web.Request) -> web.StreamResponse:
        """Serve the sandbox page."""
        return web.FileResponse(STATIC_DIR / "index.html")

    # ---- overview -----------------------------------------------------------------------

    def _overview(self) -> Json:
        emu, world = self.emu, self.emu.world
        return {
            "bot": world.bot_user(),
            "group": world.chat_json(world.group),
            "base_url": emu.base_url,
            "epoch": world.epoch,
            "seq": world.seq,
            "webhook": world.webhook.url or None,
            "pending_updates": len(world.updates),
            "faults": [fault.view() for fault in emu.faults.active()],
            "unsupported_calls": sorted(set(emu.unsupported_calls)),
        }

    async def state(self, request: web.Request) -> web.StreamResponse:
        """Describe the bot, the group, users, topics and chats."""
        return _ok(
            {
                **self._overview(),
                "users": self.emu.users(),
                "topics": self.emu.topics(),
                "chats": self._chats(),
            }
        )

    def _chats(self) -> list[Json]:
        world = self.emu.world
        return [
            world.chat_view(chat)
            for chat in world.chats.values()
            if chat.messages or chat.type != "private"
        ]

    async def chats(self, request: web.Request) -> web.StreamResponse:
        """List chats that have messages (and the staff group)."""
        return _ok(self._chats())

    async def topics(self, request: web.Request) -> web.StreamResponse:
        """List the staff group's topics."""
        return _ok(self.emu.topics())

    # ---- users --------------------------------------------------------------------------

    async def list_users(self, request: web.Request) -> web.StreamResponse:
        """List simulated users."""
        return _ok(self.emu.users())

    async def create_user(self, request: web.Request) -> web.StreamResponse:
        """Create a simulated customer or staff member."""
        body, _ = await _body(request)
        name = str(body.get("first_name") or "").strip()
        if not name:
            raise EmulatorError("first_name is required")
        user = self.emu.add_user(
            _opt_int(body.get("id"), "id"),
            name,
            body.get("last_name") or None,
            body.get("username") or None,
            body.get("language_code") or "en",
            bool(body.get("staff")),
            member_status=body.get("member_status") or None,
            phone_number=body.get("phone_number") or None,
        )
        return _ok(self.emu.world.user(user["id"]).view(), 201)

    def _user(self, request: web.Request) -> int:
        user_id = _int(request.match_info["user_id"], "user_id")
        self.emu.world.user(user_id)
        return user_id

    async def send_text(self, request: web.Request) -> web.StreamResponse:
        """Write a text message as a user."""
        body, _ = await _body(request)
        message = await self.emu.send_text(
            self._user(request),
            str(body.get("text", "")),
            chat_id=_opt_int(body.get("chat_id"), "chat_id"),
            thread_id=_opt_int(body.get("thread_id"), "thread_id"),
            reply_to=_opt_int(body.get("reply_to"), "reply_to"),
        )
        return _ok(message)

    async def send_photo(self, request: web.Request) -> web.StreamResponse:
        """Send a photo (multipart field "photo" or photo_base64) as a user."""
        body, files = await _body(request)
        filename, content = _file_from(body, files, "photo")
        message = await self.emu.send_photo(
            self._user(request),
            content,
            body.get("caption") or None,
            filename=filename,
            chat_id=_opt_int(body.get("chat_id"), "chat_id"),
            thread_id=_opt_int(body.get("thread_id"), "thread_id"),
        )
        return _ok(message)

    async def send_document(self, request: web.Request) -> web.StreamResponse:
        """Send a file (multipart field "document" or document_base64) as a user."""
        body, files = await _body(request)
        filename, content = _file_from(body, files, "document")
        message = await self.emu.send_document(
            self._user(request),
            content,
            filename,
            body.get("caption") or None,
            chat_id=_opt_int(body.get("chat_id"), "chat_id"),
            thread_id=_opt_int(body.get("thread_id"), "thread_id"),
        )
        return _ok(message)

    async def send_contact(self, request: web.Request) -> web.StreamResponse:
        """Share a contact as a user (their own when no phone_number is given)."""
        body, _ = await _body(request)
        message = await self.emu.send_contact(
            self._user(request),
            body.get("phone_number") or None,
            body.get("first_name") or None,
            body.get("last_name") or None,
            chat_id=_opt_int(body.get("chat_id"), "chat_id"),
        )
        return _ok(message)

    async def send_location(self, request: web.Request) -> web.StreamResponse:
        """Share a location as a user."""
        body, _ = await _body(request)
        message = await self.emu.send_location(
            self._user(request),
            float(body["latitude"]),
            float(body["longitude"]),
            chat_id=_opt_int(body.get("chat_id"), "chat_id"),
        )
        return _ok(message)

    async def press(self, request: web.Request) -> web.StreamResponse:
        """Press an inline button as a user."""
        body, _ = await _body(request)
        query_id = await self.emu.press_button(
            self._user(request),
            _int(body.get("chat_id"), "chat_id"),
            _int(body.get("message_id"), "message_id"),
            body.get("callback_data"),
            button_text=body.get("button_text"),
        )
        return _ok({"callback_query_id": query_id})

    async def edit(self, request: web.Request) -> web.StreamResponse:
        """Edit a user's own text message."""
        body, _ = await _body(request)
        message = await self.emu.edit_text(
            self._user(request),
            _int(body.get("message_id"), "message_id"),
            str(body.get("text", "")),
            chat_id=_opt_int(body.get("chat_id"), "chat_id"),
        )
        return _ok(message)

    async def block(self, request: web.Request) -> web.StreamResponse:
        """Block the bot as a user."""
        await self.emu.block_bot(self._user(request))
        return _ok(True)

    async def unblock(self, request: web.Request) -> web.StreamResponse:
        """Unblock the bot as a user."""
        await self.emu.unblock_bot(self._user(request))
        return _ok(True)

    # ---- Telegram Business ------------------------------------------------------------

    async def business_connections(self, request: web.Request) -> web.StreamResponse:
        """List the business accounts connected to the bot."""
        world = self.emu.world
        return _ok([conn.to_json(world) for conn in business.connections(world).values()])

    async def owner_text(self, request: web.Request) -> web.StreamResponse:
        """Write as a connected account's owner to a customer ({"customer_id", "text"})."""
        body, _ = await _body(request)
        owner = _int(request.match_info["owner_id"], "owner_id")
        customer = _int(body.get("customer_id"), "customer_id")
        return _ok(await self.emu.owner_send(owner, customer, str(body.get("text", ""))))

    async def change_connection(self, request: web.Request) -> web.StreamResponse:
        """Disable or enable an owner's connection, or change its reply right."""
        body, _ = await _body(request)
        owner = _int(request.match_info["owner_id"], "owner_id")
        conn = business.connection_of(self.emu.world, owner)
        enabled, can_reply = body.get("is_enabled"), body.get("can_reply")
        await self.emu.change_business(
            conn.id,
            enabled=None if enabled is None else bool(enabled),
            can_reply=None if can_reply is None else bool(can_reply),
        )
        return _ok(self.emu.business_connection(conn.id))

    async def staff_text(self, request: web.Request) -> web.StreamResponse:
        """Write in the staff group as a staff member (thread_id empty for General)."""
        body, _ = await _body(request)
        message = await self.emu.staff_send(
            self._user(request),
            _opt_int(body.get("thread_id"), "thread_id") or None,
            str(body.get("text", "")),
            reply_to=_opt_int(body.get("reply_to"), "reply_to"),
        )
        return _ok(message)

    async def staff_photo(self, request: web.Request) -> web.StreamResponse:
        """Send a photo in the staff group as a staff member."""
        body, files = await _body(request)
        _, content = _file_from(body, files, "photo")
        message = await self.emu.staff_send_photo(
            self._user(request),
            _opt_int(body.get("thread_id"), "thread_id") or None,
            content,
            body.get("caption") or None,
        )
        return _ok(message)

    async def staff_topic(self, request: web.Request) -> web.StreamResponse:
        """Create a topic as a staff member."""
        body, _ = await _body(request)
        topic = await self.emu.staff_create_topic(self._user(request), str(body.get("name", "")))
        return _ok(topic, 201)

    # ---- reading ------------------------------------------------------------------------

    @staticmethod
    def _message_view(stored: StoredMessage) -> Json:
        # A business chat is shown as the customer's chat (the page's customer writes there).
        peer = (
            stored.data.get("chat", {}).get("id")
            if stored.chat_id != stored.data.get("chat", {}).get("id")
            else None
        )
        return {
            "chat_id": peer or stored.chat_id,
            "message_id": stored.message_id,
            "thread_id": stored.thread_id,
            "outgoing": stored.outgoing,
            "seq": stored.seq,
            "message": stored.view(),
        }

    async def messages(self, request: web.Request) -> web.StreamResponse:
        """List a chat's messages changed after the `since` cursor; long-poll with `timeout`."""
        world = self.emu.world
        chat_id = world.mirrored(_int(request.query.get("chat_id"), "chat_id"))
        thread_id = _thread(request.query.get("thread_id"))
        since = _int(request.query.get("since", 0), "since")
        timeout = min(float(request.query.get("timeout", 0)), MAX_WAIT)

        if timeout > 0:
            await world.notifier.wait_for(lambda: True if world.seq > since else None, timeout)
        items = [
            self._message_view(stored)
            for stored in world.iter_messages(chat_id, thread_id)
            if stored.seq > since
        ]
        deleted = [
            key[1] for kind, key in world.log[since:] if kind == "deleted" and key[0] == chat_id
        ]
        return _ok({"cursor": world.seq, "messages": items, "deleted": deleted})

    async def feed(self, request: web.Request) -> web.StreamResponse:
        """Everything that changed since a cursor, for the sandbox page; long-polls."""
        world = self.emu.world
        since = _int(request.query.get("since", 0), "since")
        epoch = request.query.get("epoch", "")
        calls_since = _int(request.query.get("calls", 0), "calls")
        timeout = min(float(request.query.get("timeout", 0)), MAX_WAIT)
        if epoch != world.epoch or since > world.seq:
            since = 0
        elif timeout > 0:
            await world.notifier.wait_for(
                lambda: True if world.seq > since or world.epoch != epoch else None, timeout
            )
            if world.epoch != epoch:
                since = 0
        return _ok(self._feed(since, calls_since))

    def _feed(self, since: int, calls_since: int) -> Json:
        world = self.emu.world
        full = since == 0
        messages: list[Json] = []
        deleted: list[Json] = []
        notices: list[Json] = []
        if full:
            for chat in world.chats.values():
                for stored in list(chat.messages.values())[-FULL_FEED_PER_CHAT:]:
                    messages.append(self._message_view(stored))
        else:
            seen: set[Any] = set()
            for kind, key in world.log[since:]:
                if kind == "message" and key not in seen:
                    seen.add(key)
                    found = world.find_message(*key)
                    if found is not None:
                        messages.append(self._message_view(found))
                elif kind == "deleted":
                    deleted.append({"chat_id": key[0], "message_id": key[1]})
                elif kind == "notice":
                    query = world.callback_queries.get(key)
                    if query is not None and query.answer is not None:
                        notices.append(query.answer)
        errors = [
            {"index": c.index, "method": c.method, "error": c.error, "status": c.status}
            for c in self.emu.gateway.calls
            if c.index > calls_since and not c.ok
        ][-20:]
        return {
            **self._overview(),
            "full": full,
            "cursor": world.seq,
            "calls": self.emu.gateway.total,
            "messages": messages,
            "deleted": deleted,
            "notices": notices,
            "errors": errors,
            "users": self.emu.users(),
            "topics": self.emu.topics(),
            "chats": [world.chat_view(chat) for chat in world.chats.values()],
        }

    async def calls(self, request: web.Request) -> web.StreamResponse:
        """List Bot API calls after index `since`, optionally of one method."""
        since = _int(request.query.get("since", 0), "since")
        method = request.query.get("method", "").lower()
        limit = _int(request.query.get("limit", 500), "limit")
        items = [
            call.view()
            for call in self.emu.gateway.calls
            if call.index > since and (not method or call.method.lower() == method)
        ]
        return _ok(items[-limit:])

    async def updates(self, request: web.Request) -> web.StreamResponse:
        """List updates the bot has not confirmed yet."""
        return _ok(self.emu.pending_updates())

    # ---- faults, reset, files -----------------------------------------------------------

    async def list_faults(self, request: web.Request) -> web.StreamResponse:
        """List injected faults."""
        return _ok([fault.view() for fault in self.emu.faults.active()])

    async def add_fault(self, request: web.Request) -> web.StreamResponse:
        """Inject a fault: {method?, kind: 429|500|502|slow|drop, count?, retry_after?, delay?}."""
        body, _ = await _body(request)
        count = body.get("count", 1)
        fault = self.emu.inject_fault(
            body.get("method") or None,
            str(body.get("kind", "429")),
            None if count is None else _int(count, "count"),
            _int(body.get("retry_after", 1), "retry_after"),
            float(body.get("delay", 0.5)),
        )
        return _ok(fault.view(), 201)

    async def clear_faults(self, request: web.Request) -> web.StreamResponse:
        """Remove every injected fault."""
        self.emu.clear_faults()
        return _ok(True)

    async def reset(self, request: web.Request) -> web.StreamResponse:
        """Forget people, chats, messages, topics, files, updates, calls and faults."""
        self.emu.reset()
        return _ok(True)

    async def file(self, request: web.Request) -> web.StreamResponse:
        """Serve a file by file_id, for the sandbox page to show photos."""
        stored = self.emu.world.files.get(request.match_info["file_id"])
        if stored is None:
            return _fail("unknown file_id", 404)
        return web.Response(
            body=stored.content, content_type=stored.mime_type or "application/octet-stream"
        )
