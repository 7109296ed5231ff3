"""A local Telegram Bot API emulator for end-to-end tests, benchmarks and the offline sandbox.

The real bot talks to it over HTTP exactly as to Telegram::

    from aiogram import Bot
    from aiogram.client.session.aiohttp import AiohttpSession
    from aiogram.client.telegram import TelegramAPIServer
    from tgemulator import Emulator

    async with Emulator(token) as emu:          # listens on 127.0.0.1, ephemeral port
        session = AiohttpSession(api=TelegramAPIServer.from_base(emu.api_url))
        bot = Bot(token, session=session)
        customer = emu.add_user(1001, "Maria", language_code="en")
        await emu.send_text(1001, "/start")
        reply = await emu.wait_for_bot_message(1001)

Every call is checked against the Bot API facts shipped beside this module (``bot_api.json``,
derived from the official description; ``$BOT_API_SPEC`` names a full one instead): unknown
method, missing or mistyped parameter, Telegram's limits (text 1-4096, caption 1024,
callback_data 1-64 bytes), chat not found, message to edit not found, message is not
modified, message thread not found, bot blocked by the user (403). Rejected calls are logged
at WARNING on ``tgemulator``.

Module API
----------
``Emulator(token=DEFAULT_TOKEN, *, spec_path=None, bot_username="service_bot",
bot_name="Service Bot", group_id=-1001000000001, group_title="Staff",
webhook_retry_delay=0.05, webhook_max_retry_delay=2.0, calls_limit=100_000, clock=time.time)``

Lifecycle: ``await start(host="127.0.0.1", port=0) -> base_url``, ``await stop()``,
``async with``; ``api_url``, ``group_id``, ``bot_username``, ``make_app()``, ``reset()``.

People (each action queues the update Telegram would send):
``add_user(id=None, first_name, last_name=None, username=None, language_code="en",
staff=False, *, member_status=None, phone_number=None, started=True) -> User``,
``users()``, ``set_member_status(user_id, status)``,
``await send_text(user_id, text, *, chat_id=None, thread_id=None, reply_to=None)``,
``send_photo(user_id, photo=None, caption=None, ...)``, ``send_document(user_id, content,
filename, caption=None, ...)``, ``send_voice``, ``send_video``, ``send_sticker``,
``send_location(user_id, latitude, longitude)``, ``send_contact(user_id, phone_number=None,
...)`` (no details: the user's own number, as the request_contact button sends),
``edit_text(user_id, message_id, new_text)``, ``press_button(user_id, chat_id, message_id,
callback_data=None, *, button_text=None) -> callback_query_id`` (any data may be forged),
``staff_send(user_id, thread_id, text, *, reply_to=None)`` (thread_id None: General),
``staff_send_photo(user_id, thread_id, photo=None, caption=None)``,
``staff_create_topic(user_id, name)``, ``block_bot(user_id)``, ``unblock_bot(user_id)``.
All return the new Message as a dict (with ``reply_markup`` of any kind for bot messages).

Reading: ``messages(chat_id, thread_id=None)`` (thread_id ``Emulator.GENERAL`` = General),
``bot_messages(...)``, ``message(chat_id, message_id)``, ``topics()``, ``topic(thread_id)``,
``reply_keyboard(chat_id)``, ``chat_action(chat_id)``, ``callback_answer(query_id)``,
``commands(scope=None, language_code="")``, ``file_bytes(file_id)``, ``pending_updates()``,
``calls`` / ``calls_to(method)`` / ``rejected_calls`` (``CallRecord``: index, method, params,
status, result, error, timestamp, duration, via), ``unsupported_calls``, ``mark()``.

Waiting (event-driven): ``await wait_for_bot_message(chat_id, predicate=None, thread_id=None,
timeout=5.0, *, since=None)`` returns the first bot message sent after the last simulated
action (or after ``since=emu.mark()``); ``wait_for_call(method, predicate=None, timeout=5.0,
*, since=0)``; ``wait_for_callback_answer(query_id)``; ``wait_for_topic(predicate=None)``;
``wait_until(check)`` (any emulator state: re-checked on every change, resolves on the first
non-None result); ``wait_until_delivered()`` (the bot confirmed every queued update).
Timeouts raise ``TimeoutError`` describing what the bot did send.

Faults: ``inject_fault(method=None, kind="429"|"500"|"502"|"slow"|"drop", count=1,
retry_after=1, delay=0.5)`` (count=None: until ``clear_faults()``); ``await call(method,
**params)`` runs a Bot API call in-process, validated and logged.

Standalone: ``await run_emulator(host="127.0.0.1", port=8081, token=DEFAULT_TOKEN, *,
spec_path=None, bot_username="service_bot", seed=True, on_ready=None)`` serves until
cancelled (``seed`` adds staff 900001 Anna and 900002 Boris, an administrator, and customers
700001 Maria (en) and 700002 Иван (ru); ``on_ready(emu)`` may be async); or
``python -m tgemulator --port 8081``.

HTTP control API (JSON ``{"ok": true, "result": ...}`` or ``{"ok": false, "error": ...}``):
``GET /_emu/state``; ``GET|POST /_emu/users`` (``first_name``, ``last_name``,
``language_code``, ``staff``, ``member_status``); ``POST /_emu/users/{id}/text|photo|document|
contact|location|press|edit|block|unblock`` (photo/document as multipart or ``*_base64``);
``POST /_emu/staff/{id}/text|photo|topics`` (``thread_id`` empty for General);
``GET /_emu/chats``, ``/_emu/topics``, ``/_emu/messages?chat_id=&thread_id=&since=&timeout=``,
``/_emu/feed?since=&epoch=&timeout=`` (everything changed since a cursor, long-polled),
``/_emu/calls?since=&method=``, ``/_emu/updates``, ``/_emu/files/{file_id}``;
``GET|POST|DELETE /_emu/faults``; ``POST /_emu/reset``. The sandbox page is served at ``/``.
"""

from tgemulator.emulator import DEFAULT_TOKEN, Emulator
from tgemulator.errors import ApiError, EmulatorError
from tgemulator.run import run_emulator, seed_demo
from tgemulator.server import CallRecord
from tgemulator.spec import ApiSpec, SpecNotFoundError, load_spec
from tgemulator.state import DEFAULT_GROUP_ID, GENERAL

__all__ = [
    "DEFAULT_GROUP_ID",
    "DEFAULT_TOKEN",
    "GENERAL",
    "ApiError",
    "ApiSpec",
    "CallRecord",
    "Emulator",
    "EmulatorError",
    "SpecNotFoundError",
    "load_spec",
    "run_emulator",
    "seed_demo",
]
