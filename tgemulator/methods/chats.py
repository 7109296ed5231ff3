"""Commands, chats and members, forum topics and files."""

from __future__ import annotations

import json
import re
from typing import Any

from tgemulator.errors import bad_request
from tgemulator.media import GET_FILE_LIMIT
from tgemulator.methods.core import (
    THREAD_NOT_FOUND,
    BotApi,
    serves,
)
from tgemulator.state import (
    TOPIC_COLORS,
    ChatState,
    Json,
)

_COMMAND_RE = re.compile(r"[a-z0-9_]{1,32}")

# ---- commands --------------------------------------------------------------------------------


def _scope_key(api: BotApi, scope: Json | None) -> str:
    scope = dict(scope or {"type": "default"})
    if isinstance(scope.get("chat_id"), int):
        api.chat(scope["chat_id"])
    return json.dumps(scope, sort_keys=True)


@serves("setMyCommands")
async def set_my_commands(api: BotApi, params: Json) -> bool:
    """Store the command list for a scope and language."""
    commands = params["commands"]
    if len(commands) > 100:
        raise bad_request("too many commands")
    for command in commands:
        if not _COMMAND_RE.fullmatch(command["command"]):
            raise bad_request("BOT_COMMAND_INVALID")
        if not 1 <= len(command["description"]) <= 256:
            raise bad_request("command description is invalid")
    key = (_scope_key(api, params.get("scope")), params.get("language_code") or "")
    api.world.commands[key] = [
        {"command": c["command"], "description": c["description"]} for c in commands
    ]
    return True


@serves("getMyCommands")
async def get_my_commands(api: BotApi, params: Json) -> list[Json]:
    """Return the command list for exactly this scope and language."""
    key = (_scope_key(api, params.get("scope")), params.get("language_code") or "")
    return list(api.world.commands.get(key, []))


@serves("deleteMyCommands")
async def delete_my_commands(api: BotApi, params: Json) -> bool:
    """Forget the command list for a scope and language."""
    key = (_scope_key(api, params.get("scope")), params.get("language_code") or "")
    api.world.commands.pop(key, None)
    return True


# ---- chats and members ---------------------------------------------------------------------


@serves("getChat")
async def get_chat(api: BotApi, params: Json) -> Json:
    """Return ChatFullInfo for a private chat or the staff group."""
    chat = api.chat(params["chat_id"])
    info: Json = {
        **api.world.chat_json(chat),
        "accent_color_id": 0,
        "max_reaction_count": 11,
        "accepted_gift_types": {
            "unlimited_gifts": False,
            "limited_gifts": False,
            "unique_gifts": False,
            "premium_subscription": False,
            "gifts_from_channels": False,
        },
    }
    if chat.type != "private":
        info["permissions"] = {"can_send_messages": True, "can_manage_topics": False}
    return info


def _member(api: BotApi, chat: ChatState, user_id: int) -> Json:
    world = api.world
    if user_id == world.bot_id:
        if chat.type == "private":
            return {"status": "member", "user": world.bot_user()}
        return _administrator(world.bot_user(), can_be_edited=False)
    user = world.users.get(user_id)
    if user is None:
        raise bad_request("user not found")
    if chat.type == "private":
        status = "member" if user_id == chat.id else "left"
        return {"status": status, "user": user.to_user()}
    status = user.member_status
    if status == "administrator":
        return _administrator(user.to_user(), can_be_edited=True)
    if status == "creator":
        return {"status": "creator", "user": user.to_user(), "is_anonymous": False}
    if status == "kicked":
        return {"status": "kicked", "user": user.to_user(), "until_date": 0}
    if status == "member":
        return {"status": "member", "user": user.to_user()}
    return {"status": "left", "user": user.to_user()}


def _administrator(user: Json, *, can_be_edited: bool) -> Json:
    rights = [
        "is_anonymous",
        "can_manage_chat",
        "can_delete_messages",
        "can_manage_video_chats",
        "can_restrict_members",
        "can_promote_members",
        "can_change_info",
        "can_invite_users",
        "can_post_stories",
        "can_edit_stories",
        "can_delete_stories",
        "can_pin_messages",
        "can_manage_topics",
        "can_send_welcome_messages",  # newer than api.json 10.1; aiogram 3.31 requires it
    ]
    member: Json = {"status": "administrator", "user": user, "can_be_edited": can_be_edited}
    member.update({right: right != "is_anonymous" for right in rights})
    return member


@serves("getChatMember")
async def get_chat_member(api: BotApi, params: Json) -> Json:
    """Return a user's membership in a chat (staff are members of the staff group)."""
    return _member(api, api.chat(params["chat_id"]), params["user_id"])


@serves("getChatAdministrators")
async def get_chat_administrators(api: BotApi, params: Json) -> list[Json]:
    """List the bot and the staff with administrator or creator status."""
    chat = api.chat(params["chat_id"])
    if chat.type == "private":
        raise bad_request("there are no administrators in the private chat")
    admins = [
        _member(api, chat, user.id)
        for user in api.world.users.values()
        if user.member_status in ("creator", "administrator")
    ]
    return [*admins, _member(api, chat, api.world.bot_id)]


@serves("getChatMemberCount")
async def get_chat_member_count(api: BotApi, params: Json) -> int:
    """Count the members of a chat, the bot included."""
    chat = api.chat(params["chat_id"])
    if chat.type == "private":
        return 2
    members = [u for u in api.world.users.values() if u.member_status not in ("left", "kicked")]
    return len(members) + 1


# ---- forum topics ----------------------------------------------------------------------------


def _forum(api: BotApi, chat_id: Any) -> ChatState:
    chat = api.chat(chat_id)
    if not chat.is_forum:
        raise bad_request("the chat is not a forum")
    return chat


def _topic_name(name: str) -> str:
    if not name.strip():
        raise bad_request("TOPIC_TITLE_EMPTY")
    if len(name) > 128:
        raise bad_request("TOPIC_TITLE_INVALID")
    return name


@serves("createForumTopic")
async def create_forum_topic(api: BotApi, params: Json) -> Json:
    """Create a topic; its id is the id of the service message that opens it."""
    chat = _forum(api, params["chat_id"])
    color = params.get("icon_color", TOPIC_COLORS[0])
    if color not in TOPIC_COLORS:
        raise bad_request("invalid icon_color specified")
    topic, _ = api.world.create_topic(
        api.world.bot_user(),
        _topic_name(params["name"]),
        color,
        params.get("icon_custom_emoji_id"),
        outgoing=True,
        chat=chat,
    )
    return topic.to_forum_topic()


def _existing_topic(api: BotApi, params: Json) -> tuple[ChatState, Any]:
    chat = _forum(api, params["chat_id"])
    topic = api.world.topic(chat.id, params["message_thread_id"])
    if topic is None:
        raise bad_request(THREAD_NOT_FOUND)
    return chat, topic


@serves("editForumTopic")
async def edit_forum_topic(api: BotApi, params: Json) -> bool:
    """Rename a topic or change its icon."""
    chat, topic = _existing_topic(api, params)
    edited: Json = {}
    if params.get("name") is not None and params["name"] != topic.name:
        topic.name = edited["name"] = _topic_name(params["name"])
    emoji = params.get("icon_custom_emoji_id")
    if emoji is not None and emoji != (topic.icon_custom_emoji_id or ""):
        topic.icon_custom_emoji_id = emoji or None
        edited["icon_custom_emoji_id"] = emoji
    if not edited:
        raise bad_request("TOPIC_NOT_MODIFIED")
    _topic_service(api, chat, topic.thread_id, {"forum_topic_edited": edited})
    return True


def _topic_service(api: BotApi, chat: ChatState, thread_id: int, content: Json) -> None:
    api.world.add_message(chat, api.world.bot_user(), content, outgoing=True, thread_id=thread_id)
    api.world.changed("topic", thread_id)


@serves("closeForumTopic")
async def close_forum_topic(api: BotApi, params: Json) -> bool:
    """Close a topic."""
    chat, topic = _existing_topic(api, params)
    if topic.is_closed:
        raise bad_request("TOPIC_NOT_MODIFIED")
    topic.is_closed = True
    _topic_service(api, chat, topic.thread_id, {"forum_topic_closed": {}})
    return True


@serves("reopenForumTopic")
async def reopen_forum_topic(api: BotApi, params: Json) -> bool:
    """Reopen a closed topic."""
    chat, topic = _existing_topic(api, params)
    if not topic.is_closed:
        raise bad_request("TOPIC_NOT_MODIFIED")
    topic.is_closed = False
    _topic_service(api, chat, topic.thread_id, {"forum_topic_reopened": {}})
    return True


@serves("deleteForumTopic")
async def delete_forum_topic(api: BotApi, params: Json) -> bool:
    """Delete a topic with all its messages."""
    chat, topic = _existing_topic(api, params)
    for stored in list(api.world.iter_messages(chat.id, topic.thread_id)):
        api.world.delete_message(stored)
    del api.world.topics[(chat.id, topic.thread_id)]
    api.world.changed("topic", topic.thread_id)
    return True


# ---- files -----------------------------------------------------------------------------------


@serves("getFile")
async def get_file(api: BotApi, params: Json) -> Json:
    """Return a File with the file_path to download it from /file/bot<token>/."""
    stored = api.world.files.get(params["file_id"])
    if stored is None:
        raise bad_request("invalid file_id")
    if stored.size > GET_FILE_LIMIT:
        raise bad_request("file is too big")
    return {
        "file_id": stored.file_id,
        "file_unique_id": stored.file_unique_id,
        "file_size": stored.size,
        "file_path": stored.file_path,
    }
