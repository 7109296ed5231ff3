"""The services the handlers and jobs share: built once by the factory, read-only afterwards."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import FrozenInstanceError, dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy.ext.asyncio import AsyncEngine, async_sessionmaker
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.config import Settings
from bot.content.loader import Content
from bot.i18n import L10n, Translations
from bot.services.faq_meaning import FaqService
from bot.services.moderation import Moderator
from bot.services.rules import Promises
from bot.services.smalltalk import SmallTalk
from bot.services.tickets import ReturnPolicy

if TYPE_CHECKING:
    from bot.telegram.business_routing import BusinessRoutes
    from bot.telegram.outbound import OutboundLog
    from bot.telegram.sender import Outbox


@dataclass(eq=False)
class Services:
    """Everything a handler or job needs besides the update itself."""

    settings: Settings
    content: Content
    translations: Translations
    engine: AsyncEngine
    sessions: async_sessionmaker[AsyncSession]
    faq: FaqService
    promises: Promises  # the deadlines the policy sets
    return_policy: ReturnPolicy  # which returns are approved on the spot
    moderator: Moderator
    smalltalk: SmallTalk
    clock: Callable[[], datetime]
    outbound_log: OutboundLog  # every sent message recorded (a request middleware)
    business_routes: BusinessRoutes  # which customers write through a shop account
    # The sender settles receipts with the services themselves: bot.factory.create_services
    # adds it to them, then freezes them.
    outbox: Outbox = field(init=False)

    def __setattr__(self, name: str, value: Any) -> None:
        """Refuse assignments once built: each part is made once, by the factory."""
        if self.__dict__.get("_frozen"):
            raise FrozenInstanceError(f"Services are built once by the factory: {name} is fixed")
        super().__setattr__(name, value)

    def __delattr__(self, name: str) -> None:
        """Refuse deletions once built."""
        if self.__dict__.get("_frozen"):
            raise FrozenInstanceError(f"Services are built once by the factory: {name} is fixed")
        super().__delattr__(name)

    def freeze(self) -> None:
        """Make the services read-only (the factory, once every part is in)."""
        if not hasattr(self, "outbox"):
            raise TypeError("Services frozen before the factory added the outbox")
        object.__setattr__(self, "_frozen", True)

    def own_staff_groups(self) -> frozenset[int]:
        """Staff groups of shop accounts that have their own (beside STAFF_CHAT_ID)."""
        return self.content.policy.own_staff_groups()

    def staff_texts(self) -> L10n:
        """Texts in the staff language: topics, alerts, managers."""
        return self.translations.get(self.settings.app.staff_language)
