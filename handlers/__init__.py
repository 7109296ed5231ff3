"""aiogram routers, one module per feature, assembled in order with their chat filters."""

from __future__ import annotations

import dataclasses
from collections.abc import Collection
from typing import Any

from aiogram import F, Router
from aiogram.dispatcher.event.handler import HandlerObject
from aiogram.enums import ChatType
from aiogram.filters import Command, Filter, StateFilter
from aiogram.fsm.state import State
from aiogram.types import Message, TelegramObject

from bot.config import Settings
from handlers import error_router, shop_account, stale
from handlers.customer import (
    blocked,
    callback,
    complaints,
    edited_messages,
    flows,
    followup,
    forward_to_topic,
    insults,
    language,
    person,
    questions,
    rating,
    requests,
    returns,
    start,
)
from handlers.magic import Magic
from handlers.manager import console as manager_console
from handlers.manager import log as manager_log
from handlers.manager import stats as manager_stats
from handlers.middlewares.menu import MenuLeavesStep
from handlers.staff import bans, canned, duty_commands, reply_to_customer, topic_edits
from handlers.staff import callbacks as staff_callbacks
from handlers.staff import commands as staff_commands
from handlers.staff import decisions as staff_decisions
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
    return all(
        _passes(check.callback.states, in_step) is not False
        for check in handler.filters or []
        if isinstance(check.callback, StateFilter)
    )


def _passes(states: tuple[Any, ...], in_step: bool) -> bool | None:
    """Whether a StateFilter passes at no step, or at a step: always, never, or None (depends)."""
    anywhere = any(s == "*" or (isinstance(s, State) and s.state == "*") for s in states)
    if anywhere or (not in_step and None in states):
        return True
    stepped = any(s is not None for s in states)  # anything but None may name a step
    return None if in_step and stepped else False


def _without_settled_states(handler: HandlerObject, in_step: bool) -> HandlerObject:
    """The handler without the state filters its router's gate has already settled."""
    kept = [
        check
        for check in handler.filters or []
        if not (isinstance(check.callback, StateFilter) and _passes(check.callback.states, in_step))
    ]
    return dataclasses.replace(handler, filters=kept, flags=dict(handler.flags))


def _needs_command(handler: HandlerObject) -> bool:
    return any(isinstance(check.callback, Command) for check in handler.filters or [])


def _prefixes(handlers: list[HandlerObject]) -> str:
    """Every character a command of these handlers may start with (aiogram's `prefix`)."""
    found = {
        prefix
        for handler in handlers
        for check in handler.filters or []
        if isinstance(check.callback, Command)
        for prefix in check.callback.prefix
    }
    return "".join(sorted(found))


def _looks_like_command(message: Message, prefixes: str) -> bool:
    """What aiogram's Command reads first: the text or caption, after leading blanks, by prefix."""
    text = message.text or message.caption
    if not text:
        return False
    first = text.lstrip()[:1]
    return bool(first) and first in prefixes


class _Share(Filter):
    """The updates one customer router takes: at a step or not, and whether it looks like a command.

    One check where aiogram would run two (StateFilter and its inversion, then each Command).
    """

    __slots__ = ("command", "in_step", "prefixes")

    def __init__(self, in_step: bool, command: bool | None = None, prefixes: str = "") -> None:
        self.in_step, self.command, self.prefixes = in_step, command, prefixes

    async def __call__(self, event: TelegramObject, raw_state: str | None = None) -> bool:
        if (raw_state is not None) is not self.in_step:
            return False
        if self.command is None or not isinstance(event, Message):
            return True
        return _looks_like_command(event, self.prefixes) is self.command


class _CommandsOnly(Filter):
    """A router whose every message handler needs a command: plain text skips it at once."""

    __slots__ = ("prefixes",)

    def __init__(self, prefixes: str) -> None:
        self.prefixes = prefixes

    async def __call__(self, message: Message) -> bool:
        return _looks_like_command(message, self.prefixes)


def _split_by_share(name: str, flat: Router) -> list[Router]:
    """The same handlers in the same order, in routers that each take a share of the updates.

    A customer's free text met every handler of every form's steps, and every command, before
    reaching the FAQ (two dozen checks, each copying aiogram's data twice). The updates are
    split by whether the customer is at a step of a form, and messages at no step by whether
    they look like a command. An update goes to exactly one router, which holds, in the
    original order, every handler that could match it; the handlers that cannot (a step's at
    no step, a command's for plain text) are left out, and so are state filters its share
    already settles.
    """
    routers = []
    shares = [(False, True), (False, False), (True, None)]  # (in_step, looks like a command)
    for in_step, command in shares:
        suffix = {True: "-command", False: "", None: ""}[command]
        router = Router(name=f"{name}-{'in-step' if in_step else 'no-step'}{suffix}")
        for event, observer in flat.observers.items():
            by_command = command if event == "message" else None
            if command and by_command is None:
                continue  # the command share takes messages only; the next share the rest
            handlers = [
                _without_settled_states(h, in_step)
                for h in observer.handlers
                if _may_pass(h, in_step) and not (by_command is False and _needs_command(h))
            ]
            if handlers:
                router.observers[event].handlers.extend(handlers)
                gate = _Share(in_step, by_command, _prefixes(observer.handlers))
                router.observers[event].filter(gate)
        routers.append(router)
    return routers


def _manager_router() -> Router:
    """Manager commands in private chats, before the customer catch-all."""
    manager = _flat("manager", manager_console.router, manager_stats.router, manager_log.router)
    handlers = manager.message.handlers
    if not all(_needs_command(handler) for handler in handlers):
        raise ValueError("manager: every message handler must need a command")
    manager.message.filter(
        _CommandsOnly(_prefixes(handlers)), Magic(F.chat.type == ChatType.PRIVATE)
    )
    return manager


def _customer_router() -> Router:
    """Private chats with customers: blocked first, the catch-all relay last."""
    features = _flat(
        "customer",
        blocked.router,
        insults.router,
        start.router,
        edited_messages.router,
        language.router,
        returns.router,
        complaints.router,
        person.router,
        callback.router,
        flows.router,
        requests.router,
        rating.router,
        followup.router,
        questions.router,
        forward_to_topic.router,
    )
    customer = Router(name="customer")
    customer.include_routers(*_split_by_share("customer", features))
    customer.message.filter(Magic(F.chat.type == ChatType.PRIVATE))
    customer.edited_message.filter(Magic(F.chat.type == ChatType.PRIVATE))
    customer.callback_query.filter(Magic(F.message.chat.type == ChatType.PRIVATE))
    customer.message.outer_middleware(MenuLeavesStep())
    return customer


def _staff_router(staff_chat_id: int | None, own_groups: Collection[int] = ()) -> Router:
    """The staff supergroups; inside a customer's topic, the topic commands and relay.

    `own_groups`: shop accounts' own staff groups, served like STAFF_CHAT_ID.
    """
    staff = Router(name="staff")
    if own_groups:
        chats = frozenset({staff_chat_id, *own_groups})
        staff.message.filter(Magic(F.chat.id.in_(chats)))
        staff.edited_message.filter(Magic(F.chat.id.in_(chats)))
        staff.callback_query.filter(Magic(F.message.chat.id.in_(chats)))
    else:
        staff.message.filter(Magic(F.chat.id == staff_chat_id))
        staff.edited_message.filter(Magic(F.chat.id == staff_chat_id))
        staff.callback_query.filter(Magic(F.message.chat.id == staff_chat_id))
    topic = _flat(
        "staff-topic",
        staff_commands.router,
        bans.router,
        canned.router,
        staff_decisions.router,
        topic_edits.router,
        shop_account.topic_router,
        reply_to_customer.router,
    )
    topic.message.filter(InCustomerTopic())
    topic.edited_message.filter(InCustomerTopic())
    topic.callback_query.filter(InCustomerTopic())
    staff.include_routers(_flat("staff-chat", duty_commands.router, staff_callbacks.router), topic)
    return staff


def build_router(settings: Settings, own_groups: Collection[int] = ()) -> Router:
    """Assemble the feature routers: customers in private chats, staff in the staff chat
    (and in the staff groups of shop accounts that have their own, `own_groups`)."""
    # Telegram Business updates (connections, the shop owner's own messages) are handled at the
    # root: other updates meet none of those observers, and no router is added on their way.
    root = _flat("root", error_router.router, stale.forged, shop_account.router)
    root.include_routers(
        _manager_router(),
        _customer_router(),
        _staff_router(settings.telegram.staff_chat_id, own_groups),
        # Unclaimed buttons anywhere are refused politely and change nothing.
        _flat("stale", stale.router),
    )
    return root
