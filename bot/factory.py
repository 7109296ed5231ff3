"""Factories: the bot, the dispatcher with its middlewares and scheduler, the webhook app."""

from __future__ import annotations

import asyncio
import functools
import logging
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

import aiogram.methods
from aiogram import Bot, Dispatcher
from aiogram.client.telegram import TelegramAPIServer
from aiogram.fsm.storage.base import BaseEventIsolation, BaseStorage, DefaultKeyBuilder
from aiogram.fsm.storage.memory import MemoryStorage, SimpleEventIsolation
from aiogram.methods.base import Response, TelegramMethod
from aiogram.types import BotCommandScopeAllPrivateChats
from aiogram.webhook.aiohttp_server import setup_application
from aiohttp import web
from apscheduler.schedulers.asyncio import AsyncIOScheduler
from sqlalchemy.ext.asyncio import async_sessionmaker
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.config import OFFICIAL_API_URL, ConfigError, Settings
from bot.container import Services
from bot.content.labels import unknown_labels
from bot.content.loader import Content, load_content
from bot.db import create_engine, create_sessionmaker, is_embedded, migrate, transaction
from bot.draining import DrainingDispatcher
from bot.encoders import encoder_for
from bot.fsm import ResilientIsolation, ResilientStorage
from bot.i18n import LANGUAGES, Translations
from bot.inbox import Inbox
from bot.jobs import Periodic, create_periodic, create_scheduler
from bot.metrics import MetricsMiddleware, add_ops_routes
from bot.resilience import ReplayGuard
from bot.services.faq_learning import learned_phrasings
from bot.services.faq_meaning import FaqService
from bot.services.moderation import Lexicon, Moderator
from bot.services.rules import Promises
from bot.services.smalltalk import SmallTalk
from bot.services.tickets import ReturnPolicy
from bot.telegram.after_commit import SendAfterCommit
from bot.telegram.business_routing import BusinessRoutes, BusinessRouting
from bot.telegram.dates import policy_words
from bot.telegram.edits import edit_copy
from bot.telegram.limiter import TelegramLimiter
from bot.telegram.outbound import OutboundLog
from bot.telegram.sender import Outbox
from bot.telegram.session import JsonBodySession
from bot.telegram.splitting import SplitLongMessages
from bot.telegram.webhook import StoreFirstHandler
from bot.timers.day_marks import plan_day_marks
from handlers import build_router
from handlers.manager.command_menu import commands, publish_manager_menus
from handlers.middlewares import ContextMiddleware, DbSessionMiddleware, InboundLogMiddleware
from handlers.middlewares.business_gate import BusinessGate
from models.types import utcnow

logger = logging.getLogger(__name__)

# aiogram parses every answer with `Response[method.__returning__]`, and pydantic caches such
# classes only weakly: after a garbage collection the next call rebuilds the class and its
# schema (milliseconds each). Holding one of each keeps them cached for the process's life.
_RESPONSE_TYPES: dict[Any, type[Response[Any]]] = {}


def _pin_response_types() -> None:
    """Build aiogram's Response[T] for every Bot API method once and keep them alive."""
    for method in vars(aiogram.methods).values():
        if (
            isinstance(method, type)
            and issubclass(method, TelegramMethod)
            and method is not TelegramMethod
        ):
            returning = method.__returning__
            if returning not in _RESPONSE_TYPES:
                _RESPONSE_TYPES[returning] = Response[returning]  # type: ignore[valid-type]


async def create_services(
    settings: Settings,
    *,
    auto_migrate: bool | None = None,
    clock: Callable[[], datetime] = utcnow,
) -> Services:
    """Load content and texts, open the database, migrate the embedded one; build the rest."""
    content = load_content(settings.app.content_dir)
    for problem in unknown_labels(content):
        logger.warning("content: %s", problem)
    translations = Translations()
    translations.set_defaults(functools.partial(policy_words, content.policy))
    engine = create_engine(settings.storage.database_url)
    if auto_migrate if auto_migrate is not None else is_embedded(settings.storage.database_url):
        await migrate(engine)
    policy = content.policy
    promises = Promises(
        schedule=policy.schedule(),
        reply_sla_seconds=policy.reply_sla_seconds,
        second_alert_seconds=policy.second_alert_seconds,
        complaint_resolution_hours=policy.complaint_resolution_hours,
        return_decision_hours=policy.returns.return_decision_hours,
        follow_up_days=policy.follow_up_days,
    )
    sessions = create_sessionmaker(engine)
    telegram = settings.telegram
    managers = telegram.manager_ids
    # Managers are always answered in the bot's own chat.
    routes = BusinessRoutes(
        sessions,
        lambda chat: chat in managers,
        clock,
        lambda: timedelta(minutes=policy.business_quiet_minutes),
    )

    async def connection_of(chat: int) -> str | None:
        found = await routes.route(chat)
        return None if found is None else found.connection_id

    services = Services(
        settings=settings,
        content=content,
        translations=translations,
        engine=engine,
        sessions=sessions,
        faq=await start_faq(settings, content, sessions),
        promises=promises,
        return_policy=ReturnPolicy(
            policy.returns.auto_approve_limit,
            policy.returns.auto_approve_cap,
            policy.returns.cap_window_days,
        ),
        moderator=Moderator(Lexicon.load(settings.app.content_dir / "moderation.yaml")),
        smalltalk=SmallTalk(content.smalltalk),
        clock=clock,
        outbound_log=OutboundLog(
            sessions,
            telegram.staff_chat_id,
            clock,
            policy.own_staff_groups(),
            connection_of,
        ),
        business_routes=routes,
    )
    services.outbox = Outbox(services)  # it settles receipts with the services themselves
    services.outbound_log.mirror_late_edits(functools.partial(edit_copy, services))
    services.freeze()
    return services


async def start_faq(
    settings: Settings, content: Content, sessions: async_sessionmaker[AsyncSession]
) -> FaqService:
    """The FAQ matcher FAQ_ENCODER names, with the phrasings managers taught it."""
    app = settings.app
    key = app.faq_encoder_key.get_secret_value() if app.faq_encoder_key else None
    faq = FaqService(
        content,
        encoder_for(app.faq_encoder, app.faq_encoder_model, key),
        app.faq_cache_dir,
        app.faq_threshold,
    )
    async with sessions() as session:
        learned = await learned_phrasings(session)
    await faq.start(learned)
    return faq


def create_bot(services: Services) -> Bot:
    """Build the Bot, talking to Telegram or to the URL in TELEGRAM_API_URL."""
    token = services.settings.telegram.bot_token
    if token is None:
        raise ConfigError("BOT_TOKEN: not set (try `python -m bot sandbox` to run without one)")
    _pin_response_types()
    url = services.settings.telegram.telegram_api_url
    session = (
        JsonBodySession()
        if url == OFFICIAL_API_URL
        else JsonBodySession(api=TelegramAPIServer.from_base(url))
    )
    # Outermost: an answer held until its update commits then goes through the whole chain.
    session.middleware(SendAfterCommit())
    session.middleware(SplitLongMessages())  # each part is then logged, routed and limited
    # Before the business routing: a copy it turns into a send is logged as that copy.
    session.middleware(services.outbound_log)
    # Each part to a customer of a connected shop account goes through its connection.
    session.middleware(BusinessRouting(services.business_routes))
    telegram = services.settings.telegram
    session.middleware(
        TelegramLimiter(
            services.settings.storage.redis_url,
            telegram.rate_limit_chat,
            telegram.rate_limit_group,
            telegram.rate_limit_overall,
        )
    )
    session.middleware(ReplayGuard())  # innermost: a retried update does not send twice
    return Bot(token.get_secret_value(), session=session)


def create_storage(
    settings: Settings, key_prefix: str = "fsm"
) -> tuple[BaseStorage, BaseEventIsolation]:
    """Keep FSM state in Redis when REDIS_URL is set (cluster mode), else in memory."""
    if settings.storage.redis_url:
        from aiogram.fsm.storage.redis import RedisEventIsolation, RedisStorage

        storage = RedisStorage.from_url(
            settings.storage.redis_url,
            key_builder=DefaultKeyBuilder(prefix=key_prefix, with_bot_id=True),
        )
        isolation = RedisEventIsolation(storage.redis, key_builder=storage.key_builder)
        # While Redis is down or just restarted, updates are handled as if at no step.
        return ResilientStorage(storage), ResilientIsolation(isolation)
    return MemoryStorage(), SimpleEventIsolation()


def create_dispatcher(services: Services, bot: Bot, key_prefix: str = "fsm") -> Dispatcher:
    """Build the dispatcher: storage, middlewares, routers and the scheduler's life cycle."""
    storage, isolation = create_storage(services.settings, key_prefix)
    dp = DrainingDispatcher(storage=storage, events_isolation=isolation, services=services)
    inbox = dp.inbox = Inbox(services, dp)
    dp.update.outer_middleware(MetricsMiddleware())
    dp.update.outer_middleware(DbSessionMiddleware(services.sessions, services.clock))
    dp.update.outer_middleware(ContextMiddleware(services))
    inbound = InboundLogMiddleware(services)
    dp.message.outer_middleware(inbound)
    dp.edited_message.outer_middleware(inbound)
    dp.message.outer_middleware(BusinessGate(services))  # after the message is logged
    dp.include_router(build_router(services.settings, services.own_staff_groups()))
    dp["periodic"] = create_periodic(services, bot)
    dp["scheduler"] = create_scheduler(services)
    dp["inbox"] = inbox
    dp.startup.register(_on_startup)
    dp.shutdown.register(inbox.stop)  # first: hand out nothing new
    dp.shutdown.register(dp.drain)  # then: updates in flight still need the database
    dp.shutdown.register(inbox.close)  # what still waits for its turn stays stored
    dp.shutdown.register(_on_shutdown)
    return dp


async def _on_startup(
    bot: Bot,
    scheduler: AsyncIOScheduler,
    periodic: list[Periodic],
    services: Services,
    inbox: Inbox,
) -> None:
    """Publish the command menus, start the jobs, handle the updates stored before."""
    for language in LANGUAGES:
        await bot.set_my_commands(
            commands(services, language),
            scope=BotCommandScopeAllPrivateChats(),
            language_code=None if language == "en" else language,
        )
    await publish_manager_menus(bot, services)
    async with transaction(services.sessions) as session:
        await plan_day_marks(session, services, services.clock())
    for job in periodic:
        job.start()
    if not scheduler.running:
        scheduler.start()
    await inbox.start(bot)
    logger.info("bot started")


async def _on_shutdown(
    scheduler: AsyncIOScheduler, periodic: list[Periodic], services: Services
) -> None:
    """Stop the jobs, let the outbox finish a send, close the FAQ encoder and the database."""
    if scheduler.running:
        scheduler.shutdown(wait=False)
    await asyncio.gather(*(job.stop() for job in periodic))
    await services.outbox.close()
    await services.outbound_log.close()
    await services.faq.close()
    await services.engine.dispose()
    logger.info("bot stopped")


def create_webhook_app(
    services: Services, bot: Bot, dp: Dispatcher, register: bool = True
) -> web.Application:
    """Build the aiohttp app that receives updates, checking Telegram's secret token."""
    webhook = services.settings.webhook
    secret = webhook.webhook_secret.get_secret_value() if webhook.webhook_secret else None
    app = web.Application()
    # First, so the dispatcher's shutdown (scheduler, outbox) runs before the handler closes
    # the bot's HTTP session: a send after that would open a new session and leak it.
    setup_application(app, dp, bot=bot)
    # Acknowledge an update only once it is stored; it is handled from the store after.
    assert isinstance(dp, DrainingDispatcher) and dp.inbox is not None
    inbox = dp.inbox
    StoreFirstHandler(inbox, bot, secret_token=secret).register(app, path=webhook.webhook_path)
    add_ops_routes(app, services, lambda: inbox.fault)

    async def set_webhook(_app: web.Application) -> None:
        if webhook.webhook_url:
            await bot.set_webhook(
                webhook.webhook_url,
                secret_token=secret,
                drop_pending_updates=False,
            )

    if register:
        app.on_startup.append(set_webhook)
    return app
