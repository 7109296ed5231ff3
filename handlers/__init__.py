"""aiogram routers, one module per feature, assembled in order with their chat filters."""

from __future__ import annotations

from aiogram import F, Router
from aiogram.enums import ChatType

from bot.config import Settings
from handlers import errors, stale
from handlers.customer import complaints, faq, language, person, requests, returns, start
from handlers.customer import relay as customer_relay
from handlers.staff import canned
from handlers.staff import commands as staff_commands
from handlers.staff import relay as staff_relay
from handlers.staff import tickets as staff_tickets
from handlers.staff.topic import InCustomerTopic


def _detached(*routers: Router) -> list[Router]:
    """Free module routers from a previous tree, so each new Dispatcher can own them."""
    for router in routers:
        parent = router.parent_router
        if parent is not None:
            parent.sub_routers.remove(router)
            router._parent_router = None  # aiogram has no public detach; tests build many trees
    return list(routers)


def build_router(settings: Settings) -> Router:
    """Assemble the feature routers: customers in private chats, staff in the staff chat."""
    customer = Router(name="customer")
    customer.message.filter(F.chat.type == ChatType.PRIVATE)
    customer.callback_query.filter(F.message.chat.type == ChatType.PRIVATE)
    # The catch-all relay goes last so every specific journey gets its chance first.
    customer.include_routers(
        *_detached(
            start.router,
            language.router,
            returns.router,
            complaints.router,
            person.router,
            requests.router,
            faq.router,
            customer_relay.router,
        )
    )

    staff = Router(name="staff")
    staff.message.filter(F.chat.id == settings.telegram.staff_chat_id)
    staff.callback_query.filter(F.message.chat.id == settings.telegram.staff_chat_id)
    topic = Router(name="staff-topic")
    topic.message.filter(InCustomerTopic())
    topic.callback_query.filter(InCustomerTopic())
    topic.include_routers(
        *_detached(staff_commands.router, canned.router, staff_tickets.router, staff_relay.router)
    )
    staff.include_router(topic)

    root = Router(name="root")
    # Unclaimed buttons anywhere are refused politely and change nothing.
    root.include_routers(*_detached(errors.router), customer, staff, *_detached(stale.router))
    return root
