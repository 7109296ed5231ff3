"""Fill a migrated database with realistic service history, fast (bulk inserts, COPY).

    python scripts/seed.py --url sqlite+aiosqlite:///data/demo.db --conversations 2000
    python scripts/seed.py --url postgresql+asyncpg://postgres@127.0.0.1/demo \\
        --conversations 100000 --messages 1000000

Deterministic for a given --seed. Writes what the bot writes: customers, conversations,
messages both ways (with relay copies and staff notes), tickets, ratings, staff members and
the events the figures are computed from.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import random
import sqlite3
import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bot.db import create_engine, migrate

STAFF_CHAT = -1009000000001  # not the emulator's group, so a live bot can share the database
STAFF = [
    (900101, "Anna Petrova", "staff"),
    (900102, "Dmitry Orlov", "staff"),
    (900103, "Elena Sokolova", "staff"),
    (900104, "Farid Aliev", "staff"),
    (900105, "Galina Kuznetsova", "staff"),
    (900106, "Hugo Martin", "staff"),
    (900201, "Boris Manager", "manager"),
]
FIRST_NAMES = {
    "ru": ["Иван", "Мария", "Ольга", "Пётр", "Анна", "Сергей", "Наталья", "Алексей", "Елена"],
    "en": ["Maria", "John", "Olga", "Peter", "Anna", "Sam", "Lucy", "Tom", "Emma", "Noah"],
}
PRODUCTS = {
    "ru": [
        "чайник",
        "кофемашина",
        "пылесос",
        "утюг",
        "блендер",
        "тостер",
        "миксер",
        "фен",
        "микроволновка",
        "холодильник",
        "телевизор",
        "наушники",
    ],
    "en": [
        "kettle",
        "coffee machine",
        "vacuum cleaner",
        "iron",
        "blender",
        "toaster",
        "mixer",
        "hair dryer",
        "microwave",
        "fridge",
        "television",
        "headphones",
    ],
}
CUSTOMER_LINES = {
    "ru": [
        "Здравствуйте, где мой заказ {order}?",
        "Курьер опоздал на два часа, заказ {order}",
        "Хочу вернуть {product}, он не работает",
        "{product} пришёл с царапиной, что делать?",
        "Можно поменять адрес доставки для заказа {order}?",
        "Спасибо, всё получил",
        "Когда вернутся деньги за {product}?",
        "Не могу оплатить картой, подскажите",
        "В заказе {order} не хватает товара: {product}",
        "Позовите, пожалуйста, оператора",
    ],
    "en": [
        "Hello, where is my order {order}?",
        "The courier was two hours late, order {order}",
        "I want to return the {product}, it does not work",
        "The {product} arrived scratched, what should I do?",
        "Can I change the delivery address for order {order}?",
        "Thanks, I got everything",
        "When will I get my money back for the {product}?",
        "My card payment keeps failing",
        "Order {order} is missing an item: {product}",
        "Can I talk to a person please",
    ],
}
BOT_LINES = {
    "ru": ["Доставка занимает 2–3 дня.", "Передаю ваш вопрос сотруднику.", "Помог ли ответ?"],
    "en": ["Delivery takes 2-3 days.", "I'm passing your question to a person.", "Did this help?"],
}
STAFF_LINES = {
    "ru": [
        "Проверяю заказ {order}, минуту.",
        "Извините за задержку! Курьер уже едет.",
        "Оформили возврат за {product}, деньги придут в течение 3 дней.",
        "Отправим замену завтра.",
    ],
    "en": [
        "Checking order {order}, one moment.",
        "Sorry for the delay! The courier is on the way.",
        "We've refunded the {product}, the money arrives within 3 days.",
        "We'll send a replacement tomorrow.",
    ],
}
NOTES = ["// постоянный клиент", "// regular customer, be generous", "// check the warehouse"]
ESCALATION_REASONS = [
    "staff",
    "faq_unhelpful",
    "complaint_overdue",
    "low_rating",
    "insult",
    "reply_breach",
    "callback_missed",
]
HANDOFF_REASONS = [
    "person",
    "faq_miss",
    "faq_unhelpful",
    "flow",
    "complaint",
    "return",
    "unhandled",
    "callback",
]


@dataclass
class Plan:
    """How much history to make."""

    conversations: int = 2000
    messages: int = 20000
    days: int = 60
    end: datetime = field(default_factory=lambda: datetime.now(UTC))
    seed: int = 7


@dataclass
class Tables:
    """Rows waiting to be written, per table, in column order."""

    rows: dict[str, list[tuple[Any, ...]]] = field(default_factory=dict)

    def add(self, table: str, row: tuple[Any, ...]) -> None:
        self.rows.setdefault(table, []).append(row)

    def size(self) -> int:
        return sum(len(r) for r in self.rows.values())


COLUMNS = {
    "staff_members": (
        "id",
        "telegram_id",
        "name",
        "username",
        "role",
        "on_duty",
        "duty_changed_at",
        "active",
        "created_at",
    ),
    "customers": (
        "id",
        "telegram_id",
        "first_name",
        "last_name",
        "username",
        "language",
        "language_chosen",
        "phone",
        "blocked",
        "blocked_reason",
        "topic_id",
        "created_at",
        "updated_at",
    ),
    "conversations": (
        "id",
        "customer_id",
        "status",
        "abusive",
        "staff_topic_id",
        "language",
        "opened_at",
        "waiting_since",
        "first_response_at",
        "last_message_at",
        "resolved_at",
        "closed_at",
        "updated_at",
    ),
    "messages": (
        "id",
        "conversation_id",
        "customer_id",
        "chat_id",
        "telegram_message_id",
        "thread_id",
        "direction",
        "author_kind",
        "author_telegram_id",
        "content_type",
        "text",
        "file_ids",
        "extra",
        "relay_of",
        "created_at",
        "edited_at",
    ),
    "tickets": (
        "id",
        "number",
        "kind",
        "status",
        "customer_id",
        "conversation_id",
        "description",
        "purchased_when",
        "reason",
        "amount",
        "currency",
        "photo_file_ids",
        "auto_approved",
        "refund_method",
        "decided_by",
        "decided_at",
        "resolved_at",
        "follow_up_outcome",
        "created_at",
        "updated_at",
    ),
    "satisfaction_ratings": (
        "id",
        "conversation_id",
        "customer_id",
        "score",
        "comment",
        "created_at",
    ),
    "events": (
        "id",
        "kind",
        "conversation_id",
        "customer_id",
        "ticket_id",
        "actor_kind",
        "actor_telegram_id",
        "reason",
        "data",
        "created_at",
    ),
}
ORDER = (
    "staff_members",
    "customers",
    "conversations",
    "messages",
    "tickets",
    "satisfaction_ratings",
    "events",
)
JSON_COLUMNS = {"file_ids", "extra", "photo_file_ids", "data"}


class Generator:
    """Makes the rows of one conversation at a time, with ids assigned in order."""

    def __init__(self, plan: Plan) -> None:
        self.plan = plan
        self.rnd = random.Random(plan.seed)
        self.ids = dict.fromkeys(ORDER, 0)
        self.customers: list[tuple[int, int, str, str]] = []  # id, telegram id, name, language
        self.tables = Tables()
        self.messages_left = plan.messages
        self.conversations_left = plan.conversations
        self.start = plan.end - timedelta(days=plan.days)
        self.last: tuple[int, tuple[int, int, str, str], datetime] | None = None

    def next_id(self, table: str) -> int:
        self.ids[table] += 1
        return self.ids[table]

    def staff(self) -> None:
        created = self.start - timedelta(days=30)
        for telegram_id, name, role in STAFF:
            self.tables.add(
                "staff_members",
                (
                    self.next_id("staff_members"),
                    telegram_id,
                    name,
                    None,
                    role,
                    role == "staff",
                    None,
                    True,
                    created,
                ),
            )

    def customer(self) -> tuple[int, int, str, str]:
        # About three conversations per customer, so regulars show up in the lists.
        if self.customers and self.rnd.random() < 0.66:
            return self.rnd.choice(self.customers)
        language = "ru" if self.rnd.random() < 0.6 else "en"
        cid = self.next_id("customers")
        telegram_id = 100_000_000 + cid
        name = self.rnd.choice(FIRST_NAMES[language])
        self.tables.add(
            "customers",
            (
                cid,
                telegram_id,
                name,
                None,
                f"user{cid}",
                language,
                False,
                None,
                False,
                None,
                50_000 + cid,
                self.start,
                self.start,
            ),
        )
        entry = (cid, telegram_id, name, language)
        self.customers.append(entry)
        return entry

    def fill(self, template: str, language: str) -> str:
        return template.format(
            order=f"#{self.rnd.randint(100000, 999999)}",
            product=self.rnd.choice(PRODUCTS[language]),
        )

    def event(
        self,
        kind: str,
        at: datetime,
        conv: int,
        customer: int,
        *,
        actor_kind: str = "system",
        actor: int | None = None,
        reason: str | None = None,
        data: Any = None,
        ticket: int | None = None,
    ) -> None:
        self.tables.add(
            "events",
            (
                self.next_id("events"),
                kind,
                conv,
                customer,
                ticket,
                actor_kind,
                actor,
                reason,
                data,
                at,
            ),
        )

    def message(
        self,
        conv: int,
        customer: tuple[int, int, str, str],
        at: datetime,
        author: str,
        text: str | None,
        *,
        staff: int | None = None,
        staff_side: bool = False,
        relay_of: int | None = None,
        content_type: str = "text",
        file_ids: list[str] | None = None,
    ) -> int:
        mid = self.next_id("messages")
        cid, telegram_id, _, _ = customer
        direction = "out" if author == "bot" or relay_of is not None else "in"
        chat = STAFF_CHAT if staff_side else telegram_id
        author_id = telegram_id if author == "customer" else staff
        # Telegram's message ids, far from a live bot's so the two never collide.
        self.tables.add(
            "messages",
            (
                mid,
                conv,
                cid,
                chat,
                500_000_000 + mid,
                50_000 + cid if staff_side else None,
                direction,
                author,
                author_id,
                content_type,
                text,
                file_ids,
                None,
                relay_of,
                at,
                None,
            ),
        )
        self.messages_left -= 1
        return mid

    def conversation(self, index: int) -> None:
        rnd, plan = self.rnd, self.plan
        customer = self.customer()
        cid, _, _, language = customer
        span = plan.days * 86400
        opened = self.start + timedelta(seconds=span * (index + rnd.random()) / plan.conversations)
        conv = self.next_id("conversations")
        budget = max(2, round(self.messages_left / max(self.conversations_left, 1)))
        self.conversations_left -= 1
        count = max(2, min(int(rnd.expovariate(1 / budget)) + 1, 60, self.messages_left))
        recent = plan.end - opened < timedelta(hours=2)
        faq = rnd.random() < 0.3
        at = opened
        staff_member = rnd.choice([s for s in STAFF if s[2] == "staff"])[0]
        waited_breach = rnd.random() < 0.08
        status = "with_bot"
        first_response = last = resolved = waiting = None
        handed = False
        for n in range(count):
            at += timedelta(seconds=rnd.randint(5, 240))
            if n % 2 == 0:  # the customer speaks
                photo = rnd.random() < 0.03
                mid = self.message(
                    conv,
                    customer,
                    at,
                    "customer",
                    None if photo else self.fill(rnd.choice(CUSTOMER_LINES[language]), language),
                    content_type="photo" if photo else "text",
                    file_ids=[f"seed-photo-{conv}-{n}"] if photo else None,
                )
                last = at
                if n == 0 and faq:
                    self.message(
                        conv, customer, at + timedelta(seconds=1), "bot", BOT_LINES[language][0]
                    )
                    self.event(
                        "faq_answered",
                        at + timedelta(seconds=1),
                        conv,
                        cid,
                        actor_kind="bot",
                        data={"entry": "delivery-time", "score": round(rnd.uniform(0.7, 1), 2)},
                    )
                    helpful = rnd.random() < 0.7
                    self.event(
                        "faq_helpful" if helpful else "faq_unhelpful",
                        at + timedelta(seconds=30),
                        conv,
                        cid,
                        actor_kind="customer",
                    )
                    if helpful:
                        status = "closed"
                        break
                if not handed and self.messages_left > 0:
                    handed = True
                    self.event(
                        "handoff",
                        at,
                        conv,
                        cid,
                        actor_kind="bot",
                        reason=rnd.choice(HANDOFF_REASONS),
                    )
                    if self.messages_left > 1 and rnd.random() < 0.5:
                        self.message(conv, customer, at, "bot", None, staff_side=True, relay_of=mid)
                waiting = waiting or at
                status = "waiting_staff"
            else:  # a person answers
                wait = rnd.lognormvariate(4.3, 0.6) * (3.5 if waited_breach else 1)
                at = (waiting or at) + timedelta(seconds=wait)
                breached = wait > 180
                if breached:
                    self.event(
                        "reply_breach",
                        (waiting or at) + timedelta(seconds=180),
                        conv,
                        cid,
                        data={"waiting_since": (waiting or at).isoformat()},
                    )
                if rnd.random() < 0.05:
                    self.message(
                        conv,
                        customer,
                        at - timedelta(seconds=20),
                        "note",
                        rnd.choice(NOTES),
                        staff=staff_member,
                        staff_side=True,
                    )
                text = self.fill(rnd.choice(STAFF_LINES[language]), language)
                self.message(conv, customer, at, "staff", text, staff=staff_member, staff_side=True)
                self.event(
                    "reply_clock_stopped",
                    at,
                    conv,
                    cid,
                    actor_kind="staff",
                    actor=staff_member,
                    data={"waited_seconds": round(wait, 1), "breached": breached},
                )
                first_response = first_response or at
                waiting, last, status = None, at, "answered"
            if self.messages_left <= 0:
                break
        if status == "answered" and not recent:
            resolved = at + timedelta(minutes=rnd.randint(1, 90))
            status = "resolved"
            self.event("resolved", resolved, conv, cid, actor_kind="staff", actor=staff_member)
            if rnd.random() < 0.45:
                score = rnd.choices([1, 2, 3, 4, 5], [3, 4, 10, 30, 53])[0]
                at_rating = resolved + timedelta(minutes=2)
                self.tables.add(
                    "satisfaction_ratings",
                    (
                        self.next_id("satisfaction_ratings"),
                        conv,
                        cid,
                        score,
                        "Спасибо!" if language == "ru" and score > 3 else None,
                        at_rating,
                    ),
                )
                self.event(
                    "rating", at_rating, conv, cid, actor_kind="customer", data={"score": score}
                )
                if score <= 2:
                    self.event("escalated", at_rating, conv, cid, reason="low_rating")
        elif status == "waiting_staff" and not recent:
            # Old conversations are not left waiting for ever: a person answered off the log.
            status = "resolved"
            resolved = at + timedelta(hours=1)
            self.event("resolved", resolved, conv, cid, actor_kind="staff", actor=staff_member)
        if rnd.random() < 0.03:
            self.event(
                "escalated",
                opened + timedelta(minutes=5),
                conv,
                cid,
                reason=rnd.choice(ESCALATION_REASONS),
                actor_kind="staff",
                actor=staff_member,
            )
        if rnd.random() < 0.05:
            due = opened + timedelta(hours=12)
            self.event("callback_promised", opened, conv, cid, data={"due_at": due.isoformat()})
            if rnd.random() < 0.85:
                self.event(
                    "callback_done",
                    due - timedelta(hours=1),
                    conv,
                    cid,
                    actor_kind="staff",
                    actor=staff_member,
                    data={"on_time": True},
                )
            else:
                self.event("callback_breach", due, conv, cid)
        self.last = (conv, customer, at)
        abusive = rnd.random() < 0.01
        if abusive:
            self.event("abusive", opened + timedelta(minutes=1), conv, cid, reason="insult")
        self.tickets(conv, customer, opened, staff_member)
        self.tables.add(
            "conversations",
            (
                conv,
                cid,
                status,
                abusive,
                50_000 + cid,
                language,
                opened,
                waiting if status == "waiting_staff" else None,
                first_response,
                last,
                resolved,
                None,
                last or opened,
            ),
        )

    def top_up(self) -> None:
        """Add the messages the conversations left over to the last one, so counts are exact."""
        if self.messages_left <= 0 or self.last is None:
            return
        conv, customer, at = self.last
        while self.messages_left > 0:
            at += timedelta(seconds=30)
            self.message(conv, customer, at, "customer", "Any news about my order?")

    def tickets(
        self, conv: int, customer: tuple[int, int, str, str], opened: datetime, staff: int
    ) -> None:
        rnd = self.rnd
        cid, _, _, language = customer
        roll = rnd.random()
        if roll < 0.05:
            tid = self.next_id("tickets")
            amount = round(rnd.choice([49, 90, 150, 390, 1290, 4990]) * 1.0, 2)
            auto = amount <= 100
            status = (
                "approved" if auto or rnd.random() < 0.8 else rnd.choice(["pending", "rejected"])
            )
            decided = opened + timedelta(minutes=1 if auto else 40)
            self.tables.add(
                "tickets",
                (
                    tid,
                    f"R-{tid:06d}",
                    "return",
                    status,
                    cid,
                    conv,
                    rnd.choice(PRODUCTS[language]),
                    "last week",
                    "broken",
                    amount,
                    "RUB",
                    None,
                    auto,
                    "card" if status == "approved" else None,
                    None if auto else staff,
                    None if status == "pending" else decided,
                    None,
                    None,
                    opened,
                    decided,
                ),
            )
            self.event(
                "return_opened",
                opened,
                conv,
                cid,
                ticket=tid,
                actor_kind="customer",
                data={"amount": str(amount)},
            )
            if status != "pending":
                self.event(
                    "return_decided",
                    decided,
                    conv,
                    cid,
                    ticket=tid,
                    actor_kind="bot" if auto else "staff",
                    actor=None if auto else staff,
                    reason="auto" if auto else "staff",
                    data={"status": status},
                )
        elif roll < 0.08:
            tid = self.next_id("tickets")
            resolved = rnd.random() < 0.75
            done = opened + timedelta(hours=rnd.randint(1, 30))
            outcome = rnd.choice(["ok", "ok", "ok", "problem"]) if resolved else None
            self.tables.add(
                "tickets",
                (
                    tid,
                    f"C-{tid:06d}",
                    "complaint",
                    "resolved" if resolved else "in_progress",
                    cid,
                    conv,
                    self.fill(rnd.choice(CUSTOMER_LINES[language]), language),
                    None,
                    None,
                    None,
                    None,
                    None,
                    False,
                    None,
                    staff,
                    None,
                    done if resolved else None,
                    outcome,
                    opened,
                    done,
                ),
            )
            self.event("complaint_opened", opened, conv, cid, ticket=tid, actor_kind="customer")
            self.event(
                "ticket_status",
                opened + timedelta(minutes=30),
                conv,
                cid,
                ticket=tid,
                actor_kind="staff",
                actor=staff,
                data={"from": "new", "to": "in_progress"},
            )
            if resolved:
                self.event(
                    "ticket_status",
                    done,
                    conv,
                    cid,
                    ticket=tid,
                    actor_kind="staff",
                    actor=staff,
                    data={"from": "in_progress", "to": "resolved"},
                )
                follow = done + timedelta(days=2)
                if follow < self.plan.end:
                    self.event("follow_up_sent", follow, conv, cid, ticket=tid)
                    self.event(
                        f"follow_up_{outcome}",
                        follow + timedelta(hours=1),
                        conv,
                        cid,
                        ticket=tid,
                        actor_kind="customer",
                    )


def _sqlite_value(value: Any, column: str) -> Any:
    if isinstance(value, datetime):
        # SQLAlchemy's SQLite DateTime format: comparisons are string comparisons.
        return value.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S.%f")
    if column in JSON_COLUMNS and value is not None:
        return json.dumps(value, ensure_ascii=False)
    return value


class SqliteSink:
    """Writes with the stdlib driver in one transaction; triggers keep the FTS index."""

    def __init__(self, path: str) -> None:
        self.db = sqlite3.connect(path)
        self.db.execute("PRAGMA journal_mode=WAL")
        self.db.execute("PRAGMA synchronous=OFF")
        self.db.execute("PRAGMA foreign_keys=OFF")  # rows arrive table by table, ids are known
        self.db.execute("PRAGMA cache_size=-262144")

    async def write(self, table: str, rows: Sequence[tuple[Any, ...]]) -> None:
        columns = COLUMNS[table]
        converted = [
            tuple(_sqlite_value(v, c) for v, c in zip(row, columns, strict=True)) for row in rows
        ]
        marks = ", ".join("?" for _ in columns)
        self.db.executemany(
            f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({marks})", converted
        )

    async def close(self) -> None:
        self.db.commit()
        self.db.execute("ANALYZE")
        self.db.commit()
        self.db.close()


class PostgresSink:
    """Writes with COPY through asyncpg."""

    def __init__(self, url: str) -> None:
        self.url = url.replace("postgresql+asyncpg://", "postgresql://")
        self.conn: Any = None

    async def write(self, table: str, rows: Sequence[tuple[Any, ...]]) -> None:
        import asyncpg

        if self.conn is None:
            self.conn = await asyncpg.connect(self.url)
        columns = COLUMNS[table]
        converted = [
            tuple(
                json.dumps(v, ensure_ascii=False) if c in JSON_COLUMNS and v is not None else v
                for v, c in zip(row, columns, strict=True)
            )
            for row in rows
        ]
        await self.conn.copy_records_to_table(table, records=converted, columns=list(columns))

    async def close(self) -> None:
        if self.conn is not None:
            for table in ORDER:
                await self.conn.execute(
                    f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                    f"(SELECT coalesce(max(id), 1) FROM {table}))"
                )
            await self.conn.execute("ANALYZE")
            await self.conn.close()


async def seed(url: str, plan: Plan, *, quiet: bool = False) -> dict[str, int]:
    """Migrate the database at `url` and fill it; return the rows written per table."""
    engine = create_engine(url)
    await migrate(engine)
    await engine.dispose()
    sink: SqliteSink | PostgresSink
    sink = SqliteSink(url.split(":///", 1)[1]) if url.startswith("sqlite") else PostgresSink(url)
    gen = Generator(plan)
    gen.staff()
    written = dict.fromkeys(ORDER, 0)
    started = time.perf_counter()

    async def flush() -> None:
        for table in ORDER:
            rows = gen.tables.rows.pop(table, [])
            if rows:
                await sink.write(table, rows)
                written[table] += len(rows)

    for index in range(plan.conversations):
        gen.conversation(index)
        if gen.tables.size() >= 200_000:
            await flush()
            if not quiet:
                print(
                    f"  {index + 1:,} conversations, {written['messages']:,} messages "
                    f"({time.perf_counter() - started:.0f} s)",
                    flush=True,
                )
    gen.top_up()
    await flush()
    await sink.close()
    return written


def main(argv: Sequence[str] | None = None) -> int:
    """Parse the command line and seed."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--url", required=True, help="database URL (migrated first)")
    parser.add_argument("--conversations", type=int, default=2000)
    parser.add_argument("--messages", type=int, default=20000)
    parser.add_argument("--days", type=int, default=60)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args(argv)
    plan = Plan(args.conversations, args.messages, args.days, seed=args.seed)
    started = time.perf_counter()
    written = asyncio.run(seed(args.url, plan))
    print(", ".join(f"{table} {count:,}" for table, count in written.items()))
    print(f"done in {time.perf_counter() - started:.1f} s")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
