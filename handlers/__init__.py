"""aiogram routers, one module per feature, assembled in order with their chat filters."""

from __future__ import annotations

import dataclasses

from aiogram import F, Router
from aiogram.dispatcher.event.handler import HandlerObject
from aiogram.enums import ChatType
from aiogram.filters import StateFilter
from aiogram.fsm.state import State

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


def _flat(name: str, *features: Router) -> Router:
    """One router holding the features' handlers in their order, each behind its router's filters.

    aiogram pays per router an update passes (middleware chains built, the data dict copied
    four or five times), and a customer's free text passed some twenty routers on its way to
    the FAQ: more than all the handlers' checks together. Trying the same handlers in the same
    order from one router is equivalent; a router-level filter becomes each handler's first.
    The module routers themselves are never attached, so tests can build many trees.
    """
    flat = Router(name=name)
    for feature in features:
        if feature.sub_routers:
            raise ValueError(f"{feature.name}: a router with sub-routers cannot be flattened")
        for event, observer in feature.observers.items():
            if len(observer.middleware) or len(observer.outer_middleware):
                raise ValueError(f"{feature.name}.{event}: middlewares cannot be flattened")
            gate = list(observer._handler.filters or [])  # the router-level filters
            flat.observers[event].handlers.extend(
                dataclasses.replace(
                    handler, filters=[*gate, *(handler.filters or [])], flags=dict(handler.flags)
                )
                for handler in observer.handlers
            )
    return flat


def _may_pass(handler: HandlerObject, in_step: bool) -> bool:
    """Tell whether the handler's state filters may pass at no step, or at some step."""
    for check in handler.filters or []:
        if not isinstance(check.callback, StateFilter):
            continue
        states = check.callback.states
        idle = any(
            s is None or s == "*" or (isinstance(s, State) and s.state == "*") for s in states
        )
        stepped = any(s is not None for s in states)  # anything but None may name a step
        if not (stepped if in_step else idle):
            return False
    return True


def _split_by_step(name: str, flat: Router) -> list[Router]:
    """The same handlers in the same order, in two routers: for no step, and for a step.

    A customer's free text met every handler of every form's steps before reaching the FAQ
    (a dozen checks, each copying aiogram's data twice). An update goes to exactly one of the
    two routers, which holds every handler that could match it in the original order; the
    handlers that cannot (a step's handlers at no step, and the reverse) are left out.
    """
    routers = []
    no_step = StateFilter(None)
    for in_step, gate in ((False, no_step), (True, ~no_step)):
        router = Router(name=f"{name}-{'in-step' if in_step else 'no-step'}")
        for event, observer in flat.observers.items():
            handlers = [h for h in observer.handlers if _may_pass(h, in_step)]
            if handlers:
                router.observers[event].handlers.extend(handlers)
                router.observers[event].filter(gate)
        routers.append(router)
    return routers


def _manager_router() -> Router:
    """Manager commands in private chats, before the customer catch-all."""
    manager = _flat("manager", manager_console.router, manager_stats.router, manager_log.router)
    manager.message.filter(Magic(F.chat.type == ChatType.PRIVATE))
    return manager


def _customer_router() -> Router:
    """Private chats with customers: blocked first, the catch-all relay last."""
    features = _flat(
        "customer",
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
    customer = Router(name="customer")
    customer.include_routers(*_split_by_step("customer", features))
    customer.message.filter(Magic(F.chat.type == ChatType.PRIVATE))
    customer.edited_message.filter(Magic(F.chat.type == ChatType.PRIVATE))
    customer.callback_query.filter(Magic(F.message.chat.type == ChatType.PRIVATE))
    customer.message.outer_middleware(MenuLeavesStep())
    return customer


def _staff_router(staff_chat_id: int | None) -> Router:
    """The staff supergroup; inside a customer's topic, the topic commands and relay."""
    staff = Router(name="staff")
    staff.message.filter(Magic(F.chat.id == staff_chat_id))
    staff.edited_message.filter(Magic(F.chat.id == staff_chat_id))
    staff.callback_query.filter(Magic(F.message.chat.id == staff_chat_id))
    topic = _flat(
        "staff-topic",
        staff_commands.router,
        staff_moderation.router,
        canned.router,
        staff_tickets.router,
        staff_edits.router,
        staff_relay.router,
    )
    topic.message.filter(InCustomerTopic())
    topic.edited_message.filter(InCustomerTopic())
    topic.callback_query.filter(InCustomerTopic())
    staff.include_routers(_flat("staff-chat", duty.router, staff_callbacks.router), topic)
    return staff


def build_router(settings: Settings) -> Router:
    """Assemble the feature routers: customers in private chats, staff in the staff chat."""
    root = _flat("root", errors.router, stale.forged)
    root.include_routers(
        _manager_router(),
        _customer_router(),
        _staff_router(settings.telegram.staff_chat_id),
        # Unclaimed buttons anywhere are refused politely and change nothing.
        _flat("stale", stale.router),
    )
    return root
