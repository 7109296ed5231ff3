"""Files both ways (upload, file_id reuse, getFile, download) and injected faults."""

import asyncio
import time

import pytest
from aiogram import Bot
from aiogram.exceptions import (
    TelegramBadRequest,
    TelegramNetworkError,
    TelegramRetryAfter,
    TelegramServerError,
)
from aiogram.types import BufferedInputFile

from tests.emulator.conftest import CUSTOMER
from tgemulator import Emulator
from tgemulator.media import image_size, sample_png


async def download(bot: Bot, file_id: str) -> bytes:
    file = await bot.get_file(file_id)
    data = await bot.download_file(file.file_path)
    return data.read()


async def test_bot_uploads_photo_and_downloads_it_back(bot: Bot, emu: Emulator) -> None:
    png = sample_png(200, 100)
    sent = await bot.send_photo(CUSTOMER, BufferedInputFile(png, "chart.png"), caption="Chart")
    assert [(p.width, p.height) for p in sent.photo] == [(90, 45), (200, 100)]
    assert await download(bot, sent.photo[-1].file_id) == png
    again = await bot.send_photo(CUSTOMER, sent.photo[-1].file_id)
    assert again.photo[-1].file_unique_id == sent.photo[-1].file_unique_id
    with pytest.raises(TelegramBadRequest, match="IMAGE_PROCESS_FAILED"):
        await bot.send_photo(CUSTOMER, BufferedInputFile(b"not an image", "x.jpg"))
    with pytest.raises(TelegramBadRequest, match="wrong file identifier"):
        await bot.send_photo(CUSTOMER, "no-such-file-id")


async def test_user_files_reach_the_bot(bot: Bot, emu: Emulator) -> None:
    await emu.send_photo(CUSTOMER, caption="damaged")
    await emu.send_document(CUSTOMER, b"%PDF-1.4 receipt", "receipt.pdf")
    await emu.send_voice(CUSTOMER, duration=4)
    await emu.send_video(CUSTOMER)
    await emu.send_sticker(CUSTOMER, "🙂")
    await emu.send_location(CUSTOMER, 59.93, 30.31)
    await emu.send_contact(CUSTOMER)
    photo, document, voice, video, sticker, location, contact = [
        u.message for u in await bot.get_updates()
    ]
    assert photo.caption == "damaged" and image_size(await download(bot, photo.photo[-1].file_id))
    assert document.document.file_name == "receipt.pdf"
    assert document.document.mime_type == "application/pdf"
    assert await download(bot, document.document.file_id) == b"%PDF-1.4 receipt"
    assert voice.voice.duration == 4 and video.video.width == 640
    assert sticker.sticker.emoji == "🙂"
    assert (location.location.latitude, location.location.longitude) == (59.93, 30.31)
    assert contact.contact.user_id == CUSTOMER and contact.contact.phone_number.startswith("+")


async def test_bot_sends_document_voice_video_sticker(bot: Bot, emu: Emulator) -> None:
    doc = await bot.send_document(CUSTOMER, BufferedInputFile(b"a,b\n1,2\n", "report.csv"))
    assert doc.document.file_name == "report.csv"
    voice = await bot.send_voice(CUSTOMER, BufferedInputFile(b"OggS....", "v.ogg"), duration=2)
    video = await bot.send_video(
        CUSTOMER, BufferedInputFile(b"....", "v.mp4"), width=320, height=240
    )
    sticker = await bot.send_sticker(CUSTOMER, BufferedInputFile(sample_png(512, 512), "s.webp"))
    assert voice.voice.duration == 2 and (video.video.width, video.video.height) == (320, 240)
    assert sticker.sticker.width == 512
    with pytest.raises(TelegramBadRequest, match="can't use file of type Document as Photo"):
        await bot.send_photo(CUSTOMER, doc.document.file_id)
    await bot.edit_message_caption(chat_id=CUSTOMER, message_id=doc.message_id, caption="Q3")
    assert emu.message(CUSTOMER, doc.message_id)["caption"] == "Q3"


async def test_fault_429_is_retry_after(bot: Bot, emu: Emulator) -> None:
    emu.inject_fault("sendMessage", "429", count=1, retry_after=3)
    with pytest.raises(TelegramRetryAfter) as caught:
        await bot.send_message(CUSTOMER, "hi")
    assert caught.value.retry_after == 3
    assert emu.calls[-1].status == 429
    await bot.send_message(CUSTOMER, "hi again")
    assert [m["text"] for m in emu.messages(CUSTOMER)] == ["hi again"]


async def test_fault_500_and_any_method(bot: Bot, emu: Emulator) -> None:
    emu.inject_fault(None, "500", count=2)
    with pytest.raises(TelegramServerError):
        await bot.get_me()
    with pytest.raises(TelegramServerError):
        await bot.send_message(CUSTOMER, "x")
    assert (await bot.get_me()).id == 4242


async def test_fault_slow_and_drop(bot: Bot, emu: Emulator) -> None:
    emu.inject_fault("sendChatAction", "slow", count=1, delay=0.2)
    started = time.monotonic()
    await bot.send_chat_action(CUSTOMER, "typing")
    assert time.monotonic() - started >= 0.2
    emu.inject_fault("getMe", "drop")
    with pytest.raises(TelegramNetworkError):
        await bot.get_me()
    assert (await bot.get_me()).id == 4242


async def test_unlimited_fault_until_cleared(bot: Bot, emu: Emulator) -> None:
    emu.inject_fault("getMe", "500", count=None)
    for _ in range(3):
        with pytest.raises(TelegramServerError):
            await bot.get_me()
    emu.clear_faults()
    await bot.get_me()
    with pytest.raises(ValueError, match="sendMesage"):
        emu.inject_fault("sendMesage")


async def test_many_calls_per_second(bot: Bot, emu: Emulator) -> None:
    started = time.monotonic()
    await asyncio.gather(*(bot.send_message(CUSTOMER, f"n{i}") for i in range(200)))
    assert len(emu.messages(CUSTOMER)) == 200
    assert time.monotonic() - started < 3.0
