"""The services the handlers and jobs share, built once and injected by the dispatcher."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy.ext.asyncio import AsyncEngine, async_sessionmaker
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.config import Settings
from bot.content.loader import Content
from bot.i18n import L10n, Translations
from bot.services.faq_meaning import FaqService
from bot.services.moderation import Moderator
from bot.services.rules import Promises
from bot.services.smalltalk import SmallTalk
from models.types import utcnow

if TYPE_CHECKING:
    from bot.telegram.business import BusinessRoutes
    from bot.telegram.outbound import OutboundLog
    from bot.telegram.sender import Outbox


@dataclass
class Services:
    """Everything a handler or job needs besides the update itself."""

    settings: Settings
    content: Content
    translations: Translations
    engine: AsyncEngine
    sessions: async_sessionmaker[AsyncSession]
    faq: FaqService
    promises: Promises
    moderator: Moderator
    smalltalk: SmallTalk = field(default_factory=lambda: SmallTalk(()))
    clock: Callable[[], datetime] = utcnow
    # The sender needs the services itself: the factory (create_services) sets it right after.
    outbox: Outbox = field(init=False)
    outbound_log: OutboundLog | None = field(init=False, default=None)  # set with the bot
    business_routes: BusinessRoutes | None = field(init=False, default=None)  # set with the bot

    def own_staff_groups(self) -> frozenset[int]:
        """Staff groups of shop accounts that have their own (beside STAFF_CHAT_ID)."""
        return frozenset(self.content.policy.business_staff_groups.values())

    def staff_texts(self) -> L10n:
        """Texts in the staff language: topics, alerts, managers."""
        return self.translations.get(self.settings.app.staff_language)
