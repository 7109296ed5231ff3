"""The one error router: log the failure, keep the message, answer politely."""

from __future__ import annotations

import contextlib
import logging

from aiogram import Bot, F, Router
from aiogram.enums import ChatType
from aiogram.exceptions import TelegramBadRequest
from aiogram.filters import ExceptionTypeFilter
from aiogram.types import ErrorEvent

from bot.container import Services
from bot.db import transaction
from bot.i18n import L10n
from bot.resilience import is_transient
from bot.services.conversations import customer_and_conversation
from bot.services.errors import DomainError
from bot.services.inbound import record_inbound
from bot.telegram.content import person_of
from handlers.magic import Magic
from handlers.middlewares.inbound import inbound_of

router = Router(name=__name__)
logger = logging.getLogger(__name__)


@router.errors(ExceptionTypeFilter(DomainError))
async def on_domain_error(event: ErrorEvent, l10n: L10n) -> None:
    """Explain a refused action politely; the failed handler's changes were rolled back."""
    error = event.exception
    assert isinstance(error, DomainError)
    text = l10n(error.key, **error.args_for_text)
    update = event.update
    if update.callback_query is not None:
        await update.callback_query.answer(text, show_alert=True)
    elif update.message is not None:
        await update.message.reply(text)


@router.errors(
    ExceptionTypeFilter(TelegramBadRequest),
    Magic(F.update.callback_query, F.exception.message.contains("message is not modified")),
)
async def on_stale_edit(event: ErrorEvent, l10n: L10n) -> None:
    """A button whose message already changed (a double tap, an old or forged press) is stale."""
    assert event.update.callback_query is not None
    logger.info("update %s: stale button, nothing to edit", event.update.update_id)
    with contextlib.suppress(TelegramBadRequest):  # the handler may have answered it already
        await event.update.callback_query.answer(l10n("stale-button"), show_alert=True)


@router.errors()
async def on_error(event: ErrorEvent, bot: Bot, services: Services) -> None:
    """Save the message the failed handler rolled back and tell the customer politely."""
    update = event.update
    if is_transient(event.exception):
        # The database stayed away for the whole retry budget: nothing could be saved. Fail
        # the update, so a webhook answers 500 and Telegram delivers it again later.
        logger.error(
            "update %s given up: database unavailable (%s)",
            update.update_id,
            type(event.exception).__name__,
        )
        raise event.exception
    logger.exception(
        "update %s failed: %s",
        update.update_id,
        type(event.exception).__name__,
        exc_info=event.exception,
    )
    message = update.message or update.edited_message
    if message is None or message.from_user is None:
        return
    inbound = inbound_of(message)
    private = message.chat.type == ChatType.PRIVATE
    try:
        async with transaction(services.sessions) as session:
            now = services.clock()
            customer = conversation = None
            if private:
                person = person_of(message.from_user)
                customer, conversation = await customer_and_conversation(session, person, now)
            if inbound is not None:
                await record_inbound(
                    session,
                    inbound,
                    now,
                    staff_chat_id=services.settings.telegram.staff_chat_id,
                    customer=customer,
                    conversation=conversation,
                )
            language = customer.language if customer else services.settings.app.staff_language
        if private:
            await bot.send_message(
                message.chat.id, services.translations.get(language)("error-generic")
            )
    except Exception:
        logger.exception("could not recover from the failure of update %s", update.update_id)
