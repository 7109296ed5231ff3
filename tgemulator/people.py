"""Simulated people: customers and staff who write to the bot, press buttons, block it."""

from __future__ import annotations

from typing import Any

from tgemulator import business
from tgemulator.errors import EmulatorError
from tgemulator.formatting import auto_entities, utf16_len
from tgemulator.media import (
    SAMPLE_VIDEO,
    SAMPLE_VOICE,
    StoredFile,
    image_size,
    media_payload,
    sample_png,
)
from tgemulator.methods import TEXT_LIMIT, new_callback_id
from tgemulator.state import (
    GENERAL,
    TOPIC_COLORS,
    CallbackQueryState,
    ChatState,
    Json,
    SimUser,
    StoredMessage,
    World,
    chat_instance,
)


class People:
    """Act as simulated users: every action becomes an update for the bot."""

    def __init__(self, world: World) -> None:
        self.world = world

    # ---- where a person writes ------------------------------------------------------

    def _place(
        self, user: SimUser, chat_id: int | None, thread_id: int | None
    ) -> tuple[ChatState, int | None]:
        world = self.world
        if chat_id is None or chat_id == user.id:
            if thread_id not in (None, GENERAL):
                raise EmulatorError("private chats have no topics")
            return world.private_chat(user.id), None
        chat = world.chats.get(chat_id)
        if chat is None:
            raise EmulatorError(f"user {user.id} cannot write to unknown chat {chat_id}")
        if chat.type != "private" and user.member_status in ("left", "kicked"):
            raise EmulatorError(f"user {user.id} is not a member of chat {chat_id}")
        if thread_id in (None, GENERAL):
            return chat, None
        if world.topic(chat.id, thread_id) is None:
            raise EmulatorError(f"no topic {thread_id} in chat {chat_id}")
        return chat, thread_id

    def _reply_target(self, chat: ChatState, reply_to: int | None) -> StoredMessage | None:
        if reply_to is None:
            return None
        stored = chat.messages.get(reply_to)
        if stored is None:
            raise EmulatorError(f"no message {reply_to} in chat {chat.id} to reply to")
        return stored

    def post(
        self,
        user_id: int,
        content: Json,
        *,
        chat_id: int | None = None,
        thread_id: int | None = None,
        reply_to: int | None = None,
    ) -> Json:
        """Write a message as a person and queue the message update for the bot."""
        world = self.world
        user = world.user(user_id)
        owner = user.via_owner or world.business_mirror
        if owner is not None and chat_id in (None, user_id) and not user.staff:
            if reply_to is not None or thread_id not in (None, GENERAL):
                raise EmulatorError("business chats take no replies or topics here")
            conn = business.connection_of(world, owner)
            return business.post(world, conn, user_id, content, by_owner=False)
        chat, thread = self._place(user, chat_id, thread_id)
        target = self._reply_target(chat, reply_to)
        if target is not None and thread is None:
            thread = target.thread_id
        if chat.type == "private" and user.blocked:
            # Writing to a bot you blocked restarts it, as in the Telegram apps.
            self.set_blocked(user_id, False)
        world.mark_action()
        stored = world.add_message(
            chat, user.to_user(), content, outgoing=False, thread_id=thread, reply_to=target
        )
        keyboard = chat.reply_keyboard
        if keyboard and keyboard.get("one_time_keyboard") and "text" in content:
            # A one-time keyboard hides once the person uses it.
            chat.reply_keyboard = None
            world.changed("chat", chat.id)
        world.push_update("message", stored.data)
        return stored.view()

    # ---- content ----------------------------------------------------------------------

    def text_content(self, text: str) -> Json:
        """Return the content of a typed text message, with auto-detected entities."""
        text = text.strip()
        if not text:
            raise EmulatorError("a Telegram message cannot be empty")
        if utf16_len(text) > TEXT_LIMIT:
            raise EmulatorError(f"a Telegram message holds at most {TEXT_LIMIT} characters")
        content: Json = {"text": text}
        entities = auto_entities(text, [])
        if entities:
            content["entities"] = entities
        return content

    def media_content(
        self,
        kind: str,
        content: bytes | None,
        *,
        caption: str | None = None,
        filename: str | None = None,
        mime_type: str | None = None,
        **details: Any,
    ) -> Json:
        """Store a person's file and return the message content that carries it."""
        if content is None:
            content = {"photo": sample_png(), "voice": SAMPLE_VOICE, "video": SAMPLE_VIDEO}.get(
                kind, sample_png(512, 512)
            )
        if kind == "photo" and image_size(content) is None:
            raise EmulatorError("photo bytes are not a PNG, JPEG, GIF or WebP image")
        stored: StoredFile = self.world.files.add(
            kind, content, file_name=filename, mime_type=mime_type
        )
        for key in ("duration", "width", "height"):
            if details.get(key) is not None:
                stored.extra[key] = details[key]
        body: Json = media_payload(self.world.files, kind, stored, **details)
        if caption:
            caption = caption.strip()
            body["caption"] = caption
            entities = auto_entities(caption, [])
            if entities:
                body["caption_entities"] = entities
        return body

    def contact_content(
        self,
        user_id: int,
        phone_number: str | None,
        first_name: str | None,
        last_name: str | None,
    ) -> Json:
        """Return a contact; without details it is the person's own, as the share button sends."""
        user = self.world.user(user_id)
        own = phone_number is None and first_name is None
        if phone_number is None:
            phone_number = user.phone_number or f"+1555{user_id % 10_000_000:07d}"
            if own:
                user.phone_number = phone_number
        contact: Json = {"phone_number": phone_number, "first_name": first_name or user.first_name}
        surname = last_name if not own else user.last_name
        if surname:
            contact["last_name"] = surname
        if own:
            contact["user_id"] = user.id
        return contact

    # ---- other actions ----------------------------------------------------------------

    def edit_text(self, user_id: int, message_id: int, text: str, chat_id: int | None) -> Json:
        """Edit a person's own text message and queue an edited_message update."""
        world = self.world
        user = world.user(user_id)
        mirrored = world.mirrored(user_id)
        if mirrored != user_id and chat_id in (None, user_id):
            return business.edit(world, world.chats[mirrored], message_id, text)
        chat = world.private_chat(user_id) if chat_id is None else world.chats.get(chat_id)
        stored = None if chat is None else chat.messages.get(message_id)
        if chat is None or stored is None:
            raise EmulatorError(f"no message {message_id} in chat {chat_id or user_id}")
        if stored.outgoing or stored.data.get("from", {}).get("id") != user.id:
            raise EmulatorError("people can only edit their own messages")
        if "text" not in stored.data:
            raise EmulatorError("only text messages can be edited this way")
        content = self.text_content(text)
        data = {k: v for k, v in stored.data.items() if k not in ("text", "entities")}
        data.update(content)
        world.mark_action()
        world.replace_message(stored, data, stored.markup)
        world.push_update("edited_message", stored.data)
        return stored.view()

    def press(
        self,
        user_id: int,
        chat_id: int,
        message_id: int,
        callback_data: str | None,
        button_text: str | None,
    ) -> str:
        """Press an inline button (or forge callback data) and queue a callback_query."""
        world = self.world
        user = world.user(user_id)
        chat_id = world.mirrored(chat_id)
        stored = world.find_message(chat_id, message_id)
        if stored is None:
            raise EmulatorError(f"no message {message_id} in chat {chat_id}")
        if button_text is not None:
            callback_data = self._button_data(stored, button_text)
        if callback_data is None:
            raise EmulatorError("give callback_data or button_text")
        query = CallbackQueryState(
            id=new_callback_id(),
            user_id=user.id,
            chat_id=chat_id,
            message_id=message_id,
            data=callback_data,
            date=world.clock(),
        )
        world.callback_queries[query.id] = query
        world.mark_action()
        world.push_update(
            "callback_query",
            {
                "id": query.id,
                "from": user.to_user(),
                "message": stored.data,
                "chat_instance": chat_instance(chat_id),
                "data": callback_data,
            },
        )
        return query.id

    @staticmethod
    def _button_data(stored: StoredMessage, text: str) -> str:
        keyboard = (stored.markup or {}).get("inline_keyboard", [])
        for row in keyboard:
            for button in row:
                if button.get("text") == text and button.get("callback_data") is not None:
                    return str(button["callback_data"])
        labels = [b.get("text") for row in keyboard for b in row]
        raise EmulatorError(f"no callback button {text!r} on message; buttons: {labels}")

    def set_blocked(self, user_id: int, blocked: bool) -> None:
        """Block or unblock the bot as a person, queueing my_chat_member like Telegram."""
        world = self.world
        user = world.user(user_id)
        if user.blocked == blocked:
            return
        user.blocked = blocked
        old, new = ("member", "kicked") if blocked else ("kicked", "member")
        bot = world.bot_user()
        chat = world.private_chat(user_id)
        world.changed("user", user_id)
        world.mark_action()
        world.push_update(
            "my_chat_member",
            {
                "chat": world.chat_json(chat),
                "from": user.to_user(),
                "date": world.now,
                "old_chat_member": _member(old, bot),
                "new_chat_member": _member(new, bot),
            },
        )

    def create_topic(self, user_id: int, name: str, icon_color: int = TOPIC_COLORS[0]) -> Json:
        """Create a topic in the staff group as a staff member."""
        world = self.world
        user = world.user(user_id)
        if user.member_status in ("left", "kicked"):
            raise EmulatorError(f"user {user_id} is not a member of the staff group")
        world.mark_action()
        topic, stored = world.create_topic(user.to_user(), name, icon_color, None, outgoing=False)
        world.push_update("message", stored.data)
        return topic.view()


def _member(status: str, user: Json) -> Json:
    member: Json = {"status": status, "user": user}
    if status == "kicked":
        member["until_date"] = 0
    return member
