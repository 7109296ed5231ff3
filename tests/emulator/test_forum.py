"""The staff forum: topics, staff messages in topics, copying customer messages across."""

import asyncio

import pytest
from aiogram import Bot
from aiogram.exceptions import TelegramBadRequest

from tests.emulator.conftest import CUSTOMER, STAFF
from tgemulator import Emulator


async def test_create_topic_and_staff_reply_carries_thread(bot: Bot, emu: Emulator) -> None:
    topic = await bot.create_forum_topic(emu.group_id, "Maria Petrova #1001")
    thread = topic.message_thread_id
    [service] = emu.messages(emu.group_id, thread)
    assert service["message_id"] == thread
    assert service["forum_topic_created"]["name"] == "Maria Petrova #1001"
    assert emu.topics()[0]["message_thread_id"] == thread

    await emu.staff_send(STAFF, thread, "Hello Maria, how can I help?")
    [update] = await bot.get_updates()
    message = update.message
    assert message.chat.id == emu.group_id
    assert message.message_thread_id == thread and message.is_topic_message
    assert message.reply_to_message.message_id == thread
    assert message.from_user.id == STAFF


async def test_staff_reply_to_a_message_in_topic(bot: Bot, emu: Emulator) -> None:
    topic = await bot.create_forum_topic(emu.group_id, "Case")
    posted = await bot.send_message(
        emu.group_id, "customer: hi", message_thread_id=topic.message_thread_id
    )
    assert posted.is_topic_message and posted.reply_to_message.message_id == topic.message_thread_id
    reply = await emu.staff_send(STAFF, None, "answer", reply_to=posted.message_id)
    assert reply["message_thread_id"] == topic.message_thread_id
    assert reply["reply_to_message"]["message_id"] == posted.message_id


async def test_general_thread_has_no_thread_id(bot: Bot, emu: Emulator) -> None:
    await emu.staff_send(STAFF, None, "/duty on")
    [update] = await bot.get_updates()
    assert update.message.message_thread_id is None and not update.message.is_topic_message
    assert [m["text"] for m in emu.messages(emu.group_id, Emulator.GENERAL)] == ["/duty on"]


async def test_copy_customer_message_into_topic(bot: Bot, emu: Emulator) -> None:
    topic = await bot.create_forum_topic(emu.group_id, "Maria")
    incoming = await emu.send_text(CUSTOMER, "My parcel is late")
    photo = await emu.send_photo(CUSTOMER, caption="broken box")
    copied = await bot.copy_message(
        emu.group_id, CUSTOMER, incoming["message_id"], message_thread_id=topic.message_thread_id
    )
    copied_photo = await bot.copy_message(
        emu.group_id, CUSTOMER, photo["message_id"], message_thread_id=topic.message_thread_id
    )
    in_topic = emu.bot_messages(emu.group_id, topic.message_thread_id)
    assert [m["message_id"] for m in in_topic[1:]] == [copied.message_id, copied_photo.message_id]
    assert in_topic[1]["text"] == "My parcel is late" and "forward_origin" not in in_topic[1]
    assert in_topic[2]["photo"] == photo["photo"] and in_topic[2]["caption"] == "broken box"
    recaptioned = await bot.copy_message(
        CUSTOMER, CUSTOMER, photo["message_id"], caption="<i>new</i>", parse_mode="HTML"
    )
    copy = emu.message(CUSTOMER, recaptioned.message_id)
    assert copy["caption"] == "new" and copy["caption_entities"][0]["type"] == "italic"
    with pytest.raises(TelegramBadRequest, match="message to copy not found"):
        await bot.copy_message(emu.group_id, CUSTOMER, 999)


async def test_forward_keeps_origin(bot: Bot, emu: Emulator) -> None:
    incoming = await emu.send_text(CUSTOMER, "complaint text")
    forwarded = await bot.forward_message(emu.group_id, CUSTOMER, incoming["message_id"])
    assert forwarded.forward_origin.sender_user.id == CUSTOMER
    assert forwarded.text == "complaint text"


async def test_bad_thread_is_refused(bot: Bot, emu: Emulator) -> None:
    with pytest.raises(TelegramBadRequest, match="message thread not found"):
        await bot.send_message(emu.group_id, "x", message_thread_id=12345)
    with pytest.raises(TelegramBadRequest, match="message thread not found"):
        await bot.send_message(CUSTOMER, "x", message_thread_id=1)


async def test_edit_close_reopen_topic(bot: Bot, emu: Emulator) -> None:
    topic = await bot.create_forum_topic(emu.group_id, "Open case")
    thread = topic.message_thread_id
    await bot.edit_forum_topic(emu.group_id, thread, name="Resolved case")
    await bot.close_forum_topic(emu.group_id, thread)
    assert emu.topic(thread)["is_closed"] and emu.topic(thread)["name"] == "Resolved case"
    with pytest.raises(TelegramBadRequest, match="TOPIC_NOT_MODIFIED"):
        await bot.close_forum_topic(emu.group_id, thread)
    await bot.reopen_forum_topic(emu.group_id, thread)
    kinds = [
        next(k for k in m if k.startswith("forum_topic"))
        for m in emu.messages(emu.group_id, thread)
    ]
    assert kinds == [
        "forum_topic_created",
        "forum_topic_edited",
        "forum_topic_closed",
        "forum_topic_reopened",
    ]
    with pytest.raises(TelegramBadRequest, match="the chat is not a forum"):
        await bot.create_forum_topic(CUSTOMER, "nope")


async def test_wait_for_topic_and_state(bot: Bot, emu: Emulator) -> None:
    waiting = asyncio.create_task(emu.wait_for_topic(lambda t: t["name"].endswith("1001")))
    await bot.create_forum_topic(emu.group_id, "Other")
    await bot.create_forum_topic(emu.group_id, "Maria · 1001")
    topic = await waiting
    assert topic["name"] == "Maria · 1001"
    closed = asyncio.create_task(
        emu.wait_until(lambda: True if emu.topic(topic["message_thread_id"])["is_closed"] else None)
    )
    await bot.close_forum_topic(emu.group_id, topic["message_thread_id"])
    assert await closed is True


async def test_staff_created_topic_and_photo(bot: Bot, emu: Emulator) -> None:
    topic = await emu.staff_create_topic(STAFF, "Manual case")
    photo = await emu.staff_send_photo(STAFF, topic["message_thread_id"], caption="receipt")
    updates = await bot.get_updates()
    assert updates[0].message.forum_topic_created.name == "Manual case"
    assert updates[1].message.photo[-1].file_id == photo["photo"][-1]["file_id"]
    assert updates[1].message.message_thread_id == topic["message_thread_id"]
