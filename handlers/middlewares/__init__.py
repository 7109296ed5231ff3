"""Middlewares: database session, people and language, the inbound message log."""

from handlers.middlewares.context import ContextMiddleware
from handlers.middlewares.database import DbSessionMiddleware
from handlers.middlewares.inbound import InboundLogMiddleware

__all__ = ["ContextMiddleware", "DbSessionMiddleware", "InboundLogMiddleware"]
