"""SQLModel tables, one module per aggregate; importing this package registers them all."""

from models.business_account import BusinessChat, BusinessConnection
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
from models.inbox_update import InboxUpdate
from models.message import Message
from models.outbox_message import OutboxMessage
from models.satisfaction_rating import SatisfactionRating
from models.staff_member import StaffMember
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
