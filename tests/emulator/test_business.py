"""Telegram Business in the emulator: connections, business messages, and Telegram's refusals."""

import pytest
from aiogram import Bot
from aiogram.exceptions import TelegramBadRequest, TelegramForbiddenError

from tgemulator import Emulator

OWNER = 3001
SHOPPER = 3002


@pytest.fixture
async def shop(emu: Emulator) -> str:
    emu.add_user(OWNER, "Shop")
    emu.add_user(SHOPPER, "Olga", started=False)  # writes to the shop's account, not the bot
    return await emu.connect_business(OWNER)


async def test_connection_is_announced_and_readable(bot: Bot, emu: Emulator, shop: str) -> None:
    update = emu.pending_updates()[-1]["business_connection"]
    assert update["id"] == shop and update["user"]["id"] == OWNER and update["is_enabled"]
    assert update["rights"]["can_reply"] is True
    conn = await bot.get_business_connection(shop)
    assert conn.user_chat_id == OWNER and conn.rights is not None and conn.rights.can_reply
    with pytest.raises(TelegramBadRequest, match="BUSINESS_CONNECTION_INVALID"):
        await bot.get_business_connection("nope")


async def test_customer_and_owner_messages_arrive_as_business_messages(
    emu: Emulator, shop: str
) -> None:
    await emu.business_send(SHOPPER, OWNER, "Do you deliver?")
    await emu.owner_send(OWNER, SHOPPER, "Yes, daily")
    first, second = (u["business_message"] for u in emu.pending_updates()[-2:])
    assert first["from"]["id"] == SHOPPER and first["chat"]["id"] == SHOPPER
    assert first["business_connection_id"] == shop
    assert second["from"]["id"] == OWNER and second["chat"]["id"] == SHOPPER
    await emu.business_edit(OWNER, SHOPPER, first["message_id"], "Do you deliver today?")
    edited = emu.pending_updates()[-1]["edited_business_message"]
    assert edited["text"] == "Do you deliver today?" and "edit_date" in edited
    await emu.business_delete(OWNER, SHOPPER, [second["message_id"]])
    deleted = emu.pending_updates()[-1]["deleted_business_messages"]
    assert deleted == {
        "business_connection_id": shop,
        "chat": {"id": SHOPPER, "type": "private", "first_name": "Olga"},
        "message_ids": [second["message_id"]],
    }


async def test_the_bot_answers_only_through_the_right_connection(
    bot: Bot, emu: Emulator, shop: str
) -> None:
    asked = await emu.business_send(SHOPPER, OWNER, "Hi")
    sent = await bot.send_message(SHOPPER, "Hello!", business_connection_id=shop)
    assert sent.business_connection_id == shop and sent.from_user.id == OWNER
    assert sent.sender_business_bot is not None and sent.sender_business_bot.id == bot.id
    key = emu.business_chat(OWNER, SHOPPER)
    assert [m["message_id"] for m in emu.messages(key)] == [asked["message_id"], sent.message_id]
    edited = await bot.edit_message_text(
        "Hello again!", chat_id=SHOPPER, message_id=sent.message_id, business_connection_id=shop
    )
    assert edited.text == "Hello again!"
    # Without the id it is the bot's own chat, which the customer never started.
    with pytest.raises(TelegramForbiddenError, match="can't initiate conversation"):
        await bot.send_message(SHOPPER, "Hello!")
    # copyMessage takes no business_connection_id: the message is looked for in the bot's chat.
    with pytest.raises(TelegramBadRequest, match="message to copy not found"):
        await bot.copy_message(SHOPPER, SHOPPER, asked["message_id"])
    with pytest.raises(TelegramBadRequest, match="BUSINESS_CONNECTION_INVALID"):
        await bot.send_message(SHOPPER, "Hello!", business_connection_id="forged")
    stranger = emu.add_user(first_name="Ivan", started=False)["id"]
    with pytest.raises(TelegramBadRequest, match="BUSINESS_PEER_INVALID"):
        await bot.send_message(stranger, "Hello!", business_connection_id=shop)


async def test_disabled_or_read_only_connections_are_refused(
    bot: Bot, emu: Emulator, shop: str
) -> None:
    await emu.business_send(SHOPPER, OWNER, "Hi")
    await emu.change_business(shop, can_reply=False)
    assert (
        emu.pending_updates()[-1]["business_connection"].get("rights", {}).get("can_reply") is None
    )
    with pytest.raises(TelegramBadRequest, match="BUSINESS_PEER_INVALID"):
        await bot.send_message(SHOPPER, "Hello!", business_connection_id=shop)
    await emu.change_business(shop, can_reply=True, enabled=False)
    assert emu.pending_updates()[-1]["business_connection"]["is_enabled"] is False
    with pytest.raises(TelegramBadRequest, match="BUSINESS_CONNECTION_INVALID"):
        await bot.send_message(SHOPPER, "Hello!", business_connection_id=shop)
    before = len(emu.pending_updates())
    await emu.business_send(SHOPPER, OWNER, "Anyone?")
    assert len(emu.pending_updates()) == before  # a disabled connection hears nothing


async def test_the_reply_right_covers_24_hours_after_the_customer_wrote(
    bot: Bot, emu: Emulator, shop: str
) -> None:
    now = [1_800_000_000.0]
    emu.world.clock = lambda: now[0]
    await emu.business_send(SHOPPER, OWNER, "Hi")
    sent = await bot.send_message(SHOPPER, "Hello!", business_connection_id=shop)
    now[0] += 24 * 3600 + 1
    with pytest.raises(TelegramBadRequest, match="BUSINESS_PEER_INVALID"):
        await bot.send_message(SHOPPER, "Sorry for the wait", business_connection_id=shop)
    with pytest.raises(TelegramBadRequest, match="BUSINESS_PEER_INVALID"):  # edits too
        await bot.edit_message_text(
            "Hello again!", chat_id=SHOPPER, message_id=sent.message_id, business_connection_id=shop
        )
    await emu.business_send(SHOPPER, OWNER, "Hello?")
    await bot.send_message(SHOPPER, "Here we are", business_connection_id=shop)


async def test_the_sandbox_demo_customer_writes_to_the_shop_account(
    bot: Bot, emu: Emulator
) -> None:
    from tests.emulator.test_control import call
    from tgemulator.run import DEMO_SHOP_ACCOUNT, DEMO_SHOP_CUSTOMER, seed_demo

    seed_demo(emu)
    owner, olga = DEMO_SHOP_ACCOUNT[0], DEMO_SHOP_CUSTOMER[0]
    connection = emu.pending_updates()[-1]["business_connection"]
    assert connection["user"]["id"] == owner
    status, body = await call(emu, "POST", f"/_emu/users/{olga}/text", json={"text": "Hi shop"})
    assert status == 200 and body["result"]["business_connection_id"] == connection["id"]
    update = emu.pending_updates()[-1]
    assert update["business_message"]["chat"]["id"] == olga
    await bot.send_message(olga, "Hello Olga", business_connection_id=connection["id"])
    # The page shows the business chat as Olga's chat.
    status, body = await call(emu, "GET", f"/_emu/messages?chat_id={olga}")
    assert [m["message"].get("text") for m in body["result"]["messages"]] == [
        "Hi shop",
        "Hello Olga",
    ]
    status, body = await call(emu, "GET", "/_emu/feed")
    shown = [m for m in body["result"]["messages"] if m["message"].get("text") == "Hello Olga"]
    assert [m["chat_id"] for m in shown] == [olga]
    # A reset brings the account, its connection and the customer back (as in the sandbox).
    emu.after_reset.append(seed_demo)
    emu.reset()
    assert emu.pending_updates()[-1]["business_connection"]["user"]["id"] == owner


async def test_a_script_can_act_as_the_owner_and_change_the_connection(emu: Emulator) -> None:
    from tests.emulator.test_control import call

    emu.add_user(OWNER, "Shop")
    emu.add_user(SHOPPER, "Olga", started=False)
    await emu.connect_business(OWNER)
    await emu.business_send(SHOPPER, OWNER, "Hi")
    status, body = await call(
        emu, "POST", f"/_emu/business/{OWNER}/text", json={"customer_id": SHOPPER, "text": "Hey"}
    )
    assert status == 200 and body["result"]["from"]["id"] == OWNER
    assert emu.pending_updates()[-1]["business_message"]["text"] == "Hey"
    status, body = await call(
        emu, "POST", f"/_emu/business/{OWNER}/connection", json={"can_reply": False}
    )
    assert status == 200 and not body["result"]["rights"].get("can_reply")
    status, body = await call(emu, "GET", "/_emu/business")
    assert [c["user"]["id"] for c in body["result"]] == [OWNER]
