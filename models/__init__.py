"""SQLModel tables, one module per aggregate; importing this package registers them all."""

from models.business import BusinessChat, BusinessConnection
from models.conversation import Conversation
from models.customer import Customer
from models.deadline import Deadline
from models.enums import (
    AuthorKind,
    ConversationStatus,
    DeadlineStatus,
    Direction,
    Language,
    OutboxStatus,
    StaffRole,
    TicketKind,
    TicketStatus,
)
from models.event import Event
from models.faq_phrasing import FaqPhrasing
from models.inbox import InboxUpdate
from models.message import Message
from models.outbox import OutboxMessage
from models.rating import SatisfactionRating
from models.staff import StaffMember
from models.ticket import Ticket

__all__ = [
    "AuthorKind",
    "BusinessChat",
    "BusinessConnection",
    "Conversation",
    "ConversationStatus",
    "Customer",
    "Deadline",
    "DeadlineStatus",
    "Direction",
    "Event",
    "FaqPhrasing",
    "InboxUpdate",
    "Language",
    "Message",
    "OutboxMessage",
    "OutboxStatus",
    "SatisfactionRating",
    "StaffMember",
    "StaffRole",
    "Ticket",
    "TicketKind",
    "TicketStatus",
]
