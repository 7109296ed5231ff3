"""Telegram Business methods: the bot reads its connections."""

from __future__ import annotations

from tgemulator import business
from tgemulator.errors import bad_request
from tgemulator.methods.core import BotApi, serves
from tgemulator.state import Json


@serves("getBusinessConnection")
async def get_business_connection(api: BotApi, params: Json) -> Json:
    """Return a connection by id, even a disabled one."""
    conn = business.connections(api.world).get(params["business_connection_id"])
    if conn is None:
        raise bad_request(business.CONNECTION_INVALID)
    return conn.to_json(api.world)
