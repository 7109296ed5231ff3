"""No free text fails or is cut by a column limit, on SQLite and on PostgreSQL."""

from __future__ import annotations

from sqlalchemy import inspect
from sqlalchemy.ext.asyncio import AsyncEngine
from sqlmodel import select

from bot.db import create_sessionmaker, transaction
from models import Customer, StaffMember

FREE_TEXT = {
    "customers": ("first_name", "last_name", "username", "phone", "blocked_reason"),
    "staff_members": ("name", "username"),
}


async def test_names_phones_and_ban_reasons_of_any_length_are_stored_whole(
    engine: AsyncEngine,
) -> None:
    long = "Ёлка-палка " * 400  # 4400 characters, more than any old limit
    sessions = create_sessionmaker(engine)
    async with transaction(sessions) as session:
        session.add(
            Customer(
                telegram_id=1,
                first_name=long,
                last_name=long,
                username=long,
                phone=long,
                blocked=True,
                blocked_reason=long,
            )
        )
        session.add(StaffMember(telegram_id=2, name=long, username=long))
    async with transaction(sessions) as session:
        customer = (await session.exec(select(Customer))).one()
        member = (await session.exec(select(StaffMember))).one()
    assert {customer.first_name, customer.last_name, customer.username} == {long}
    assert {customer.phone, customer.blocked_reason, member.name, member.username} == {long}


async def test_the_free_text_columns_have_no_length(engine: AsyncEngine) -> None:
    def lengths(sync_conn) -> dict[tuple[str, str], int | None]:
        insp = inspect(sync_conn)
        return {
            (table, c["name"]): getattr(c["type"], "length", None)
            for table, names in FREE_TEXT.items()
            for c in insp.get_columns(table)
            if c["name"] in names
        }

    async with engine.connect() as conn:
        found = await conn.run_sync(lengths)
    assert len(found) == 7
    if engine.dialect.name == "postgresql":  # SQLite never enforces a declared length
        assert set(found.values()) == {None}
