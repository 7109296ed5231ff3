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
from bot.resilience import cannot_write, is_transient
from bot.services.conversations import customer_and_conversation
from bot.services.errors import DomainError
from bot.services.inbound_log import record_inbound
from bot.services.updates import claim_update
from bot.telegram.content import person_of
from handlers.magic import Magic
from handlers.middlewares.inbound import inbound_of

router = Router(name=__name__)
logger = logging.getLogger(__name__)


async def settle(services: Services, update_id: int) -> bool:
    """Mark a failed update handled (its handler's claim rolled back); False if it already was."""
    # Otherwise the update would stay pending in the inbox and be handled again later.
    async with transaction(services.sessions) as session:
        return await claim_update(session, update_id, services.clock())


@router.errors(ExceptionTypeFilter(DomainError))
async def on_domain_error(event: ErrorEvent, l10n: L10n, services: Services) -> None:
    """Explain a refused action politely; the failed handler's changes were rolled back."""
    error = event.exception
    assert isinstance(error, DomainError)
    if not await settle(services, event.update.update_id):
        return
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
async def on_stale_edit(event: ErrorEvent, l10n: L10n, services: Services) -> None:
    """A button whose message already changed (a double tap, an old or forged press) is stale."""
    assert event.update.callback_query is not None
    if not await settle(services, event.update.update_id):
        return
    logger.info("update %s: stale button, nothing to edit", event.update.update_id)
    with contextlib.suppress(TelegramBadRequest):  # the handler may have answered it already
        await event.update.callback_query.answer(l10n("stale-button"), show_alert=True)


@router.errors()
async def on_error(event: ErrorEvent, bot: Bot, services: Services, inbox_attempt: int = 1) -> None:
    """Save the message the failed handler rolled back and tell the customer politely."""
    update = event.update
    # A stored update retried after a failure (a full disk) is logged in full only once.
    level = logging.ERROR if inbox_attempt == 1 else logging.DEBUG
    if is_transient(event.exception) or cannot_write(event.exception):
        # The database stayed away for the whole retry budget, or cannot write (a full disk,
        # a read-only file): storing the bare message instead would keep it from staff. Fail
        # the update: it stays pending in the inbox and is handled whole once writes work.
        logger.log(
            level,
            "update %s not handled: the database cannot take it now (%s); it stays stored",
            update.update_id,
            type(event.exception).__name__,
        )
        raise event.exception
    logger.log(
        level,
        "update %s failed: %s",
        update.update_id,
        type(event.exception).__name__,
        exc_info=event.exception,
    )
    message = update.message or update.edited_message
    if message is None or message.from_user is None:
        await settle(services, update.update_id)
        return
    inbound = inbound_of(message)
    private = message.chat.type == ChatType.PRIVATE
    try:
        async with transaction(services.sessions) as session:
            now = services.clock()
            if not await claim_update(session, update.update_id, now):
                return  # handled meanwhile (another worker, an earlier attempt)
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
    except Exception as error:
        # Nothing was stored: the update stays pending in the inbox and is tried again.
        logger.log(
            level,
            "could not recover from the failure of update %s (%s); it stays stored",
            update.update_id,
            type(error).__name__,
        )
        raise
    if private:
        try:
            await bot.send_message(
                message.chat.id, services.translations.get(language)("error-generic")
            )
        except Exception:
            logger.exception("could not apologise for update %s", update.update_id)
