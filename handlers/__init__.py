"""aiogram routers, one module per feature, assembled in order with their chat filters."""

from __future__ import annotations

from aiogram import F, Router
from aiogram.enums import ChatType

from bot.config import Settings
from handlers import errors
from handlers.customer import start


def build_router(settings: Settings) -> Router:
    """Assemble the feature routers: customers in private chats, staff in the staff chat."""
    root = Router(name="root")
    customer = Router(name="customer")
    customer.message.filter(F.chat.type == ChatType.PRIVATE)
    customer.callback_query.filter(F.message.chat.type == ChatType.PRIVATE)
    customer.include_routers(start.router)
    root.include_routers(errors.router, customer)
    return root
