"""/log: a customer's or a ticket's transcript as a text document, for managers."""

from __future__ import annotations

from zoneinfo import ZoneInfo

from aiogram import Router
from aiogram.filters import Command, CommandObject
from aiogram.types import BufferedInputFile, Message
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.console.text_log import render_log
from bot.console.transcript import find_conversations, load_transcript
from bot.container import Services
from bot.i18n import L10n
from handlers.manager.access import allowed

router = Router(name=__name__)


@router.message(Command("log"))
async def log(
    message: Message,
    command: CommandObject,
    session: AsyncSession,
    services: Services,
    l10n: L10n,
) -> None:
    """Send the transcript of a customer (Telegram id) or a ticket (number) as a file."""
    if not await allowed(message, session, services, l10n):
        return
    key = (command.args or "").strip()
    if not key:
        await message.answer(l10n("manager-log-usage"))
        return
    tz, now = ZoneInfo(services.settings.app.timezone), services.clock()
    sla = services.content.policy.reply_sla_seconds
    transcripts = [
        t
        for cid in await find_conversations(session, key)
        if (t := await load_transcript(session, cid, tz, now, reply_sla_seconds=sla)) is not None
    ]
    if not transcripts:
        await message.answer(l10n("manager-log-not-found", what=key))
        return
    name = "log-" + "".join(c for c in key if c.isalnum() or c == "-") + ".txt"
    document = BufferedInputFile(render_log(transcripts, tz).encode(), filename=name)
    await message.answer_document(
        document, caption=l10n("manager-log-caption", what=key, count=len(transcripts))
    )
