"""aiogram routers, one module per feature, assembled in order with their chat filters."""

from __future__ import annotations

from aiogram import F, Router
from aiogram.enums import ChatType

from bot.config import Settings
from handlers import errors, stale
from handlers.customer import (
    blocked,
    callback,
    complaints,
    edits,
    faq,
    flows,
    followup,
    language,
    moderation,
    person,
    rating,
    requests,
    returns,
    start,
)
from handlers.customer import relay as customer_relay
from handlers.magic import Magic
from handlers.manager import console as manager_console
from handlers.manager import log as manager_log
from handlers.manager import stats as manager_stats
from handlers.middlewares.menu import MenuLeavesStep
from handlers.staff import callbacks as staff_callbacks
from handlers.staff import canned, duty
from handlers.staff import commands as staff_commands
from handlers.staff import edits as staff_edits
from handlers.staff import moderation as staff_moderation
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


def _manager_router() -> Router:
    """Manager commands in private chats, before the customer catch-all."""
    manager = Router(name="manager")
    manager.message.filter(Magic(F.chat.type == ChatType.PRIVATE))
    manager.include_routers(
        *_detached(manager_console.router, manager_stats.router, manager_log.router)
    )
    return manager


def _customer_router() -> Router:
    """Private chats with customers: blocked first, the catch-all relay last."""
    customer = Router(name="customer")
    customer.message.filter(Magic(F.chat.type == ChatType.PRIVATE))
    customer.edited_message.filter(Magic(F.chat.type == ChatType.PRIVATE))
    customer.callback_query.filter(Magic(F.message.chat.type == ChatType.PRIVATE))
    customer.message.outer_middleware(MenuLeavesStep())
    customer.include_routers(
        *_detached(
            blocked.router,
            moderation.router,
            start.router,
            edits.router,
            language.router,
            returns.router,
            complaints.router,
            person.router,
            callback.router,
            flows.router,
            requests.router,
            rating.router,
            followup.router,
            faq.router,
            customer_relay.router,
        )
    )
    return customer


def _staff_router(staff_chat_id: int | None) -> Router:
    """The staff supergroup; inside a customer's topic, the topic commands and relay."""
    staff = Router(name="staff")
    staff.message.filter(Magic(F.chat.id == staff_chat_id))
    staff.edited_message.filter(Magic(F.chat.id == staff_chat_id))
    staff.callback_query.filter(Magic(F.message.chat.id == staff_chat_id))
    topic = Router(name="staff-topic")
    topic.message.filter(InCustomerTopic())
    topic.edited_message.filter(InCustomerTopic())
    topic.callback_query.filter(InCustomerTopic())
    topic.include_routers(
        *_detached(
            staff_commands.router,
            staff_moderation.router,
            canned.router,
            staff_tickets.router,
            staff_edits.router,
            staff_relay.router,
        )
    )
    staff.include_routers(*_detached(duty.router, staff_callbacks.router), topic)
    return staff


def build_router(settings: Settings) -> Router:
    """Assemble the feature routers: customers in private chats, staff in the staff chat."""
    root = Router(name="root")
    root.include_routers(
        *_detached(errors.router, stale.forged),
        _manager_router(),
        _customer_router(),
        _staff_router(settings.telegram.staff_chat_id),
        # Unclaimed buttons anywhere are refused politely and change nothing.
        *_detached(stale.router),
    )
    return root
