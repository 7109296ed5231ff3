"""The method table and the checks every Bot API method shares (chats, topics, limits)."""

from __future__ import annotations

import re
import secrets
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from tgemulator import business
from tgemulator.errors import ApiError, bad_request, conflict, forbidden
from tgemulator.formatting import EntityParseError, render, utf16_len
from tgemulator.media import StoredFile, UploadedFile, image_size
from tgemulator.state import (
    UPDATE_TYPES,
    ChatState,
    Json,
    StoredMessage,
    World,
)

Handler = Callable[["BotApi", Json], Awaitable[Any]]
HANDLERS: dict[str, Handler] = {}

TEXT_LIMIT = 4096
CAPTION_LIMIT = 1024
CALLBACK_DATA_LIMIT = 64
CALLBACK_ANSWER_LIMIT = 200
NOT_MODIFIED = (
    "message is not modified: specified new message content and reply markup are exactly "
    "the same as a current content and reply markup of the message"
)
CHAT_ACTIONS = frozenset(
    {
        "typing",
        "upload_photo",
        "record_video",
        "upload_video",
        "record_voice",
        "upload_voice",
        "upload_document",
        "choose_sticker",
        "find_location",
        "record_video_note",
        "upload_video_note",
    }
)
# Exactly one of these makes an inline button do something.
_BUTTON_ACTIONS = (
    "url",
    "callback_data",
    "web_app",
    "login_url",
    "switch_inline_query",
    "switch_inline_query_current_chat",
    "switch_inline_query_chosen_chat",
    "copy_text",
    "callback_game",
    "pay",
)
# Message fields that carry content; copyMessage copies these.
CONTENT_FIELDS = (
    "text",
    "entities",
    "link_preview_options",
    "photo",
    "document",
    "voice",
    "video",
    "animation",
    "sticker",
    "dice",
    "poll",
    "location",
    "contact",
    "caption",
    "caption_entities",
    "show_caption_above_media",
    "has_media_spoiler",
)
THREAD_NOT_FOUND = "message thread not found"


def serves(name: str) -> Callable[[Handler], Handler]:
    """Register a coroutine as the implementation of a Bot API method."""

    def register(func: Handler) -> Handler:
        HANDLERS[name] = func
        return func

    return register


@dataclass(slots=True)
class _Target:
    chat: ChatState
    thread_id: int | None
    reply_to: StoredMessage | None
    external_reply: Json | None = None


class BotApi:
    """Execute validated Bot API calls against the emulated world."""

    def __init__(self, world: World) -> None:
        self.world = world
        self._poll_generation = 0

    def handler(self, name: str) -> Handler | None:
        """Return the implementation of a method, or None if the emulator lacks it."""
        return HANDLERS.get(name)

    # ---- shared checks ----------------------------------------------------------------

    def chat(self, chat_id: Any) -> ChatState:
        """Resolve chat_id (number or @username) or raise "chat not found"."""
        chat = None
        if isinstance(chat_id, int):
            chat = self.world.chat(chat_id)
        if chat is None:
            raise bad_request("chat not found")
        return chat

    def writable(self, chat: ChatState) -> ChatState:
        """Refuse chats whose user blocked the bot or never started it."""
        if chat.type == "private":
            user = self.world.users[chat.id]
            if user.blocked:
                raise forbidden("bot was blocked by the user")
            if not user.started:
                raise forbidden("bot can't initiate conversation with a user")
        return chat

    def destination(self, params: Json) -> ChatState:
        """The chat a send or edit goes to: a business chat when a connection id is given."""
        if params.get("business_connection_id") is not None:
            return business.send_target(
                self.world, params["business_connection_id"], params.get("chat_id")
            )
        return self.writable(self.chat(params["chat_id"]))

    def thread(self, chat: ChatState, thread_id: int | None) -> int | None:
        """Check message_thread_id names a topic of this forum."""
        if thread_id is None:
            return None
        if not chat.is_forum or self.world.topic(chat.id, thread_id) is None:
            raise bad_request(THREAD_NOT_FOUND)
        return thread_id

    def target(self, params: Json) -> _Target:
        """Resolve where a new message goes: chat, topic and the message it replies to."""
        chat = self.destination(params)
        thread_id = self.thread(chat, params.get("message_thread_id"))
        reply_to = None
        reply = params.get("reply_parameters")
        if reply is not None:
            reply_chat = chat if reply.get("chat_id") is None else self.chat(reply["chat_id"])
            reply_to = reply_chat.messages.get(reply["message_id"])
            if reply_to is None and not reply.get("allow_sending_without_reply"):
                raise bad_request("message to be replied not found")
            if reply_to is not None and reply_chat is not chat:
                # A reply to another chat's message is shown as an external reply.
                return _Target(chat, thread_id, None, _external_reply(self.world, reply_to))
            if reply_to is not None and thread_id is None:
                thread_id = reply_to.thread_id
        return _Target(chat, thread_id, reply_to)

    def deliver(
        self, target: _Target, content: Json, params: Json, *, extra: Json | None = None
    ) -> StoredMessage:
        """Append the bot's message and apply its keyboard."""
        markup = self.markup(params.get("reply_markup"))
        if target.external_reply is not None:
            extra = {**(extra or {}), "external_reply": target.external_reply}
        sender = self.world.bot_user()
        if target.chat.peer_id is not None:  # on behalf of the business account
            sender, on_behalf = business.sent_as(self.world, target.chat)
            extra = {**(extra or {}), **on_behalf}
        stored = self.world.add_message(
            target.chat,
            sender,
            content,
            outgoing=True,
            thread_id=target.thread_id,
            reply_to=target.reply_to,
            markup=markup,
            extra=extra,
        )
        if params.get("protect_content"):
            stored.data["has_protected_content"] = True
        self.world.set_keyboard(target.chat, markup)
        return stored

    def markup(self, markup: Json | None) -> Json | None:
        """Apply the limits Telegram enforces on keyboards."""
        if markup is None:
            return None
        for row in markup.get("inline_keyboard", []):
            for button in row:
                actions = [key for key in _BUTTON_ACTIONS if button.get(key) is not None]
                if not actions:
                    raise bad_request(
                        "can't parse inline keyboard button: Text buttons are unallowed in "
                        "the inline keyboard"
                    )
                data = button.get("callback_data")
                if data is not None and not 1 <= len(data.encode()) <= CALLBACK_DATA_LIMIT:
                    raise bad_request("BUTTON_DATA_INVALID")
                url = button.get("url")
                if url is not None and not re.match(r"(https?|tg)://\S+$", url):
                    raise bad_request(
                        f"inline keyboard button URL '{url}' is invalid: Wrong HTTP URL"
                    )
        for row in markup.get("keyboard", []):
            for button in row:
                if not button.get("text"):
                    raise bad_request("keyboard button text is empty")
        return markup

    def text(self, params: Json, *, caption: bool = False) -> Json:
        """Render text or caption with its parse_mode and check Telegram's length limits."""
        key, entities_key = ("caption", "caption_entities") if caption else ("text", "entities")
        raw = params.get(key)
        if raw is None and caption:
            return {}
        try:
            plain, entities = render(raw or "", params.get("parse_mode"), params.get(entities_key))
        except EntityParseError as err:
            raise bad_request(f"can't parse entities: {err}") from None
        if not plain:
            if caption:
                return {}
            raise bad_request("message text is empty")
        if caption and utf16_len(plain) > CAPTION_LIMIT:
            raise bad_request("message caption is too long")
        if not caption and utf16_len(plain) > TEXT_LIMIT:
            raise bad_request("message is too long")
        content: Json = {key: plain}
        if entities:
            content[entities_key] = entities
        if caption and params.get("show_caption_above_media"):
            content["show_caption_above_media"] = True
        return content

    def file(self, value: UploadedFile | str, kind: str) -> StoredFile:
        """Store an upload, or resolve a file_id / URL the bot passed."""
        files = self.world.files
        if isinstance(value, UploadedFile):
            if kind == "photo" and image_size(value.content) is None:
                raise bad_request("IMAGE_PROCESS_FAILED")
            return files.add(
                kind, value.content, file_name=value.filename, mime_type=value.content_type
            )
        existing = files.get(value)
        if existing is not None:
            if existing.kind != kind:
                raise bad_request(
                    f"wrong file identifier/HTTP URL specified: can't use file of type "
                    f"{existing.kind.title()} as {kind.title()}"
                )
            return existing
        if re.match(r"https?://\S+$", value):
            # No network here: keep the URL as a file with no bytes.
            name = value.rstrip("/").rsplit("/", 1)[-1] or None
            return files.add(kind, b"", file_name=name)
        raise bad_request("wrong file identifier/HTTP URL specified")

    def editable(self, params: Json) -> StoredMessage:
        """Find the bot's message an edit method refers to."""
        if params.get("inline_message_id") is not None:
            raise bad_request("MESSAGE_ID_INVALID")
        if params.get("chat_id") is None or params.get("message_id") is None:
            raise bad_request("message identifier is not specified")
        chat = self.destination(params)
        stored = chat.messages.get(params["message_id"])
        if stored is None:
            raise bad_request("message to edit not found")
        if not stored.outgoing:
            raise bad_request("message can't be edited")
        return stored

    def edit(
        self, stored: StoredMessage, changes: Json, drop: tuple[str, ...], markup: Any
    ) -> Json:
        """Apply an edit, refusing one that changes nothing."""
        data = {k: v for k, v in stored.data.items() if k not in drop and k != "edit_date"}
        data.update(changes)
        old = {k: v for k, v in stored.data.items() if k not in ("edit_date", "reply_markup")}
        new = {k: v for k, v in data.items() if k != "reply_markup"}
        old_markup = stored.markup if stored.markup and "inline_keyboard" in stored.markup else None
        if old == new and old_markup == markup:
            raise bad_request(NOT_MODIFIED)
        self.world.replace_message(stored, data, markup)
        return stored.data

    # ---- getUpdates long polling ------------------------------------------------------

    async def poll(self, params: Json) -> list[Json]:
        """Answer getUpdates: confirm by offset, then wait up to timeout for updates."""
        world = self.world
        if world.webhook.url:
            raise conflict(
                "can't use getUpdates method while webhook is active; use deleteWebhook to "
                "delete the webhook first"
            )
        if params.get("allowed_updates") is not None:
            world.allowed_updates = allowed_updates(params["allowed_updates"])
        world.confirm_updates(params.get("offset"))
        limit = min(max(params.get("limit") or 100, 1), 100)
        timeout = max(params.get("timeout") or 0, 0)
        # A newer getUpdates ends the one still waiting, as on Telegram.
        self._poll_generation += 1
        generation = self._poll_generation
        world.notifier.notify()

        def ready() -> str | None:
            if generation != self._poll_generation:
                return "conflict"
            if world.webhook.url:
                return "webhook"
            return "ready" if world.updates else None

        state = await world.notifier.wait_for(ready, float(timeout)) if timeout else ready()
        if state == "conflict":
            raise conflict(
                "terminated by other getUpdates request; make sure that only one bot instance "
                "is running"
            )
        if state == "webhook":
            raise conflict("can't use getUpdates method while webhook is active")
        return list(world.updates[:limit])


def _external_reply(world: World, source: StoredMessage) -> Json:
    chat = world.chats[source.chat_id]
    info: Json = {
        "origin": {"type": "user", "date": source.data["date"], "sender_user": source.data["from"]},
        "message_id": source.message_id,
    }
    if chat.type != "private":
        info["chat"] = world.chat_json(chat)
    info.update({k: source.data[k] for k in CONTENT_FIELDS if k in source.data and k != "text"})
    return info


def allowed_updates(values: list[str]) -> list[str] | None:
    """Check an allowed_updates list; an empty one means Telegram's default."""
    unknown = [value for value in values if value not in UPDATE_TYPES]
    if unknown:
        raise bad_request(f'invalid parameter "allowed_updates": unknown update type {unknown[0]}')
    return list(values) or None


def new_callback_id() -> str:
    """Return a callback query id shaped like Telegram's (a long decimal string)."""
    return str(secrets.randbits(62))


def api_error_for(exc: Exception) -> ApiError:
    """Wrap an unexpected exception as Telegram's 500 reply."""
    return ApiError(500, f"Internal Server Error: {type(exc).__name__}: {exc}")
