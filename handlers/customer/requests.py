"""My requests: the customer's returns and complaints with their statuses."""

from __future__ import annotations

from aiogram import Router
from aiogram.filters import StateFilter
from aiogram.types import Message
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.i18n import L10n
from bot.services.tickets import customer_tickets
from handlers.customer.button_filters import MenuButton
from models import Customer

router = Router(name=__name__)


@router.message(StateFilter(None), MenuButton("menu-requests"))
async def my_requests(
    message: Message, session: AsyncSession, customer: Customer, l10n: L10n
) -> None:
    """List the customer's latest tickets."""
    assert customer.id is not None
    tickets = await customer_tickets(session, customer.id)
    if not tickets:
        await message.answer(l10n("requests-none"))
        return
    lines = [
        l10n(
            f"requests-line-{t.kind}",
            number=t.number,
            status=l10n(f"ticket-status-{t.status}"),
            date=t.created_at.strftime("%d.%m.%Y"),
        )
        for t in tickets
    ]
    await message.answer(l10n("requests-header") + "\n" + "\n".join(lines))
