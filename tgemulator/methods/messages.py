"""Sending, copying, editing and deleting messages; answering button presses."""

from __future__ import annotations

from typing import Any

from tgemulator.errors import bad_request
from tgemulator.media import media_payload
from tgemulator.methods.core import (
    CALLBACK_ANSWER_LIMIT,
    CHAT_ACTIONS,
    CONTENT_FIELDS,
    BotApi,
    serves,
)
from tgemulator.state import (
    Json,
    StoredMessage,
)

_MEDIA_KINDS = ("photo", "document", "voice", "video", "sticker")


# ---- sending -------------------------------------------------------------------------------


@serves("sendMessage")
async def send_message(api: BotApi, params: Json) -> Json:
    """Send a text message."""
    target = api.target(params)
    content = api.text(params)
    if params.get("link_preview_options"):
        content["link_preview_options"] = params["link_preview_options"]
    return api.deliver(target, content, params).data


async def _send_media(api: BotApi, params: Json, kind: str, **details: Any) -> Json:
    target = api.target(params)
    caption = api.text(params, caption=True) if kind != "sticker" else {}
    stored = api.file(params[kind], kind)
    content: Json = {**media_payload(api.world.files, kind, stored, **details), **caption}
    if params.get("has_spoiler"):
        content["has_media_spoiler"] = True
    return api.deliver(target, content, params).data


@serves("sendPhoto")
async def send_photo(api: BotApi, params: Json) -> Json:
    """Send a photo (upload, file_id or URL)."""
    return await _send_media(api, params, "photo")


@serves("sendDocument")
async def send_document(api: BotApi, params: Json) -> Json:
    """Send a general file."""
    return await _send_media(api, params, "document")


@serves("sendVoice")
async def send_voice(api: BotApi, params: Json) -> Json:
    """Send a voice note."""
    return await _send_media(api, params, "voice", duration=params.get("duration"))


@serves("sendVideo")
async def send_video(api: BotApi, params: Json) -> Json:
    """Send a video."""
    return await _send_media(
        api,
        params,
        "video",
        duration=params.get("duration"),
        width=params.get("width"),
        height=params.get("height"),
    )


@serves("sendSticker")
async def send_sticker(api: BotApi, params: Json) -> Json:
    """Send a sticker."""
    return await _send_media(api, params, "sticker", emoji=params.get("emoji"))


@serves("sendLocation")
async def send_location(api: BotApi, params: Json) -> Json:
    """Send a point on the map."""
    latitude, longitude = params["latitude"], params["longitude"]
    if not (-90 <= latitude <= 90 and -180 <= longitude <= 180):
        raise bad_request("wrong coordinates specified")
    target = api.target(params)
    location: Json = {"latitude": latitude, "longitude": longitude}
    for key in ("horizontal_accuracy", "live_period", "heading", "proximity_alert_radius"):
        if params.get(key) is not None:
            location[key] = params[key]
    return api.deliver(target, {"location": location}, params).data


@serves("sendContact")
async def send_contact(api: BotApi, params: Json) -> Json:
    """Send a phone contact."""
    target = api.target(params)
    contact: Json = {"phone_number": params["phone_number"], "first_name": params["first_name"]}
    for key in ("last_name", "vcard"):
        if params.get(key):
            contact[key] = params[key]
    return api.deliver(target, {"contact": contact}, params).data


@serves("sendChatAction")
async def send_chat_action(api: BotApi, params: Json) -> bool:
    """Show "typing…" or a similar status in the chat."""
    chat = api.destination(params)
    thread_id = api.thread(chat, params.get("message_thread_id"))
    if params["action"] not in CHAT_ACTIONS:
        raise bad_request("wrong parameter action in request")
    api.world.set_action(chat, params["action"], thread_id)
    return True


def _source(api: BotApi, params: Json, missing: str) -> StoredMessage:
    chat = api.chat(params["from_chat_id"])
    stored = chat.messages.get(params["message_id"])
    if stored is None:
        raise bad_request(missing)
    return stored


@serves("copyMessage")
async def copy_message(api: BotApi, params: Json) -> Json:
    """Copy a message's content without a link to the original; return its MessageId."""
    source = _source(api, params, "message to copy not found")
    content = {key: source.data[key] for key in CONTENT_FIELDS if key in source.data}
    if not content:
        raise bad_request("message can't be copied")
    if params.get("caption") is not None and "text" not in content:
        for key in ("caption", "caption_entities", "show_caption_above_media"):
            content.pop(key, None)
        content.update(api.text(params, caption=True))
    target = api.target(params)
    stored = api.deliver(target, content, params)
    return {"message_id": stored.message_id}


@serves("forwardMessage")
async def forward_message(api: BotApi, params: Json) -> Json:
    """Forward a message, keeping who sent it originally in forward_origin."""
    source = _source(api, params, "message to forward not found")
    content = {key: source.data[key] for key in CONTENT_FIELDS if key in source.data}
    if not content:
        raise bad_request("message can't be forwarded")
    origin = source.data.get("forward_origin") or {
        "type": "user",
        "date": source.data["date"],
        "sender_user": source.data["from"],
    }
    target = api.target(params)
    return api.deliver(target, content, params, extra={"forward_origin": origin}).data


# ---- editing and deleting ------------------------------------------------------------------


@serves("editMessageText")
async def edit_message_text(api: BotApi, params: Json) -> Json:
    """Change the text of one of the bot's messages."""
    stored = api.editable(params)
    if "text" not in stored.data:
        raise bad_request("there is no text in the message to edit")
    content = api.text(params)
    if params.get("link_preview_options"):
        content["link_preview_options"] = params["link_preview_options"]
    markup = api.markup(params.get("reply_markup"))
    return api.edit(stored, content, ("text", "entities", "link_preview_options"), markup)


@serves("editMessageCaption")
async def edit_message_caption(api: BotApi, params: Json) -> Json:
    """Change the caption of one of the bot's media messages."""
    stored = api.editable(params)
    if not any(kind in stored.data for kind in _MEDIA_KINDS if kind != "sticker"):
        raise bad_request("there is no caption in the message to edit")
    content = api.text(params, caption=True)
    markup = api.markup(params.get("reply_markup"))
    drop = ("caption", "caption_entities", "show_caption_above_media")
    return api.edit(stored, content, drop, markup)


@serves("editMessageReplyMarkup")
async def edit_message_reply_markup(api: BotApi, params: Json) -> Json:
    """Change or remove the inline keyboard of one of the bot's messages."""
    stored = api.editable(params)
    markup = api.markup(params.get("reply_markup"))
    if markup is not None and not markup.get("inline_keyboard"):
        markup = None
    return api.edit(stored, {}, (), markup)


@serves("deleteMessage")
async def delete_message(api: BotApi, params: Json) -> bool:
    """Delete a message (the bot's own, or any in a private chat or the staff group)."""
    chat = api.chat(params["chat_id"])
    stored = chat.messages.get(params["message_id"])
    if stored is None:
        raise bad_request("message to delete not found")
    if "forum_topic_created" in stored.data:
        raise bad_request("message can't be deleted")
    api.world.delete_message(stored)
    return True


@serves("deleteMessages")
async def delete_messages(api: BotApi, params: Json) -> bool:
    """Delete several messages; missing ones are skipped as on Telegram."""
    chat = api.chat(params["chat_id"])
    ids = params["message_ids"]
    if not 1 <= len(ids) <= 100:
        raise bad_request("message identifiers are not specified")
    for message_id in ids:
        stored = chat.messages.get(message_id)
        if stored is not None and "forum_topic_created" not in stored.data:
            api.world.delete_message(stored)
    return True


@serves("answerCallbackQuery")
async def answer_callback_query(api: BotApi, params: Json) -> bool:
    """Answer a button press (toast or alert) once."""
    query = api.world.callback_queries.get(params["callback_query_id"])
    if query is None or query.answer is not None:
        raise bad_request("query is too old and response timeout expired or query ID is invalid")
    text = params.get("text")
    if text is not None and len(text) > CALLBACK_ANSWER_LIMIT:
        raise bad_request("MESSAGE_TOO_LONG")
    query.answer = {
        "callback_query_id": query.id,
        "text": text,
        "show_alert": bool(params.get("show_alert")),
        "url": params.get("url"),
        "user_id": query.user_id,
        "chat_id": query.chat_id,
        "message_id": query.message_id,
    }
    api.world.changed("notice", query.id)
    return True
