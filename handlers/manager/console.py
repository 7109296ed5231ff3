"""/console: a one-time sign-in link to the web console, for managers in a private chat."""

from __future__ import annotations

from aiogram import F, Router
from aiogram.enums import ChatType
from aiogram.filters import Command
from aiogram.types import LinkPreviewOptions, Message
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.console.page_context import console_keys
from bot.console.settings import console_settings
from bot.container import Services
from bot.i18n import L10n, language_for
from bot.services.console_auth import LINK_PATH
from handlers.magic import Magic
from handlers.manager.access import allowed

router = Router(name=__name__)


@router.message(Command("console"), Magic(F.chat.type == ChatType.PRIVATE))
async def console_link(
    message: Message, session: AsyncSession, services: Services, l10n: L10n
) -> None:
    """Send a manager a signed link that opens one console session."""
    if not await allowed(message, session, services, l10n):
        return
    assert message.from_user is not None
    settings = services.settings
    console = console_settings(settings)
    if not settings.app.console_port or console.console_secret is None:
        await message.answer(l10n("manager-console-off"))  # no console to sign in to
        return
    token = console_keys(settings, console).issue_link_token(message.from_user.id)
    # The console opens in the manager's Telegram language (a switch on every page changes it).
    lang = language_for(message.from_user.language_code)
    url = f"{console.base_url(settings.app.console_port)}{LINK_PATH}?t={token}&lang={lang}"
    minutes = max(console.console_link_ttl_seconds // 60, 1)
    # No preview: a preview fetch would be the first to open the link.
    await message.answer(
        l10n("manager-console-link", url=url, minutes=minutes),
        link_preview_options=LinkPreviewOptions(is_disabled=True),
    )
