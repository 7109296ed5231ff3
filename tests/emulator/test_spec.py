"""The spec loader and validator, the text formatter, and the emulator's own output shapes."""

import importlib.util
import json
from pathlib import Path

import pytest
from aiogram import Bot
from aiogram.types import InlineKeyboardButton, InlineKeyboardMarkup

from tests.emulator.conftest import CUSTOMER, STAFF
from tgemulator import Emulator, SpecNotFoundError, load_spec
from tgemulator.errors import ApiError
from tgemulator.formatting import EntityParseError, parse_html, parse_markdown_v2, render
from tgemulator.spec import FACTS_PATH


def test_missing_spec_names_the_paths(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    missing = tmp_path / "nope.json"
    monkeypatch.setenv("BOT_API_SPEC", str(missing))
    with pytest.raises(SpecNotFoundError, match=r"nope\.json"):
        load_spec()


def test_spec_is_parsed_once() -> None:
    assert load_spec() is load_spec()


def test_the_packaged_facts_are_loaded_by_default(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("BOT_API_SPEC", raising=False)
    spec = load_spec()
    assert spec.source == FACTS_PATH
    assert spec.version.startswith("Bot API ") and spec.release_date
    assert spec.method("sendMessage") is not None and "ChatMember" in spec.types
    # Discriminators are kept as facts, so a wrong "type" is still refused without descriptions.
    assert spec.types["ChatMemberOwner"].fields["status"].const == "creator"


def test_the_packaged_facts_hold_no_description_texts() -> None:
    facts = json.loads(FACTS_PATH.read_text(encoding="utf-8"))
    assert "credit" in facts and "MIT" in facts["credit"]
    bodies = [*facts["methods"].values(), *facts["types"].values()]
    keys = {key for body in bodies for key in body}
    keys |= {key for body in bodies for field in body["fields"] for key in field}
    assert keys <= {"returns", "fields", "subtypes", "name", "types", "required", "const"}


def test_the_packaged_facts_equal_what_the_script_derives() -> None:
    """Updating to a new Bot API version is one command: scripts/bot_api_facts.py."""
    source = Path(__file__).resolve().parents[3] / "shared" / "telegram-bot-api" / "api.json"
    if not source.is_file():
        pytest.skip(f"no full Bot API description at {source} (only beside the project's home)")
    script = Path(__file__).resolve().parents[2] / "scripts" / "bot_api_facts.py"
    spec = importlib.util.spec_from_file_location("bot_api_facts", script)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    derived = module.render(module.derive(json.loads(source.read_text(encoding="utf-8"))))
    assert derived == FACTS_PATH.read_text(encoding="utf-8"), "run scripts/bot_api_facts.py"


def test_a_full_description_still_overrides(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    full = tmp_path / "api.json"
    full.write_text(
        json.dumps(
            {
                "version": "Bot API 99.0",
                "methods": {"getMe": {"returns": ["User"], "fields": []}},
                "types": {
                    "Sticker": {
                        "fields": [
                            {
                                "name": "type",
                                "types": ["String"],
                                "required": True,
                                "description": 'Type of the sticker, always "regular"',
                            }
                        ]
                    }
                },
            }
        ),
        encoding="utf-8",
    )
    monkeypatch.setenv("BOT_API_SPEC", str(full))
    spec = load_spec()
    assert spec.version == "Bot API 99.0" and spec.method("sendMessage") is None
    assert spec.types["Sticker"].fields["type"].const == "regular"


def test_validator_converts_form_strings() -> None:
    spec = load_spec()
    method = spec.method("SENDMESSAGE")
    assert method is not None and method.name == "sendMessage"
    params = spec.validate_call(
        method,
        {
            "chat_id": "-100123",
            "text": "hi",
            "disable_notification": "true",
            "reply_markup": '{"inline_keyboard": [[{"text": "a", "callback_data": "b"}]]}',
            "unknown_extra": "ignored",
        },
    )
    assert params["chat_id"] == -100123 and params["disable_notification"] is True
    assert params["reply_markup"]["inline_keyboard"][0][0]["text"] == "a"
    assert "unknown_extra" not in params
    assert spec.validate_call(method, {"chat_id": "@channel", "text": "x"})["chat_id"] == "@channel"


def test_validator_rejects_bad_values() -> None:
    spec = load_spec()
    send = spec.method("sendMessage")
    assert send is not None
    cases = [
        ({"chat_id": 1, "text": "x", "reply_markup": "{not json"}, "reply_markup"),
        ({"chat_id": 1, "text": "x", "entities": '[{"type": "bold"}]'}, "entities[0].offset"),
        ({"chat_id": [1], "text": "x"}, "chat_id"),
        ({"chat_id": 1, "text": {"a": 1}}, "text"),
    ]
    for params, fragment in cases:
        with pytest.raises(ApiError) as caught:
            spec.validate_call(send, params)
        assert caught.value.status == 400 and fragment in caught.value.description
    scope = spec.method("setMyCommands")
    assert scope is not None
    with pytest.raises(ApiError, match="scope"):
        spec.validate_call(scope, {"commands": "[]", "scope": '{"type": "no_such_scope"}'})


def test_formatting() -> None:
    text, entities = parse_html('<b>bold <i>both</i></b> <a href="https://x.org">x</a> &lt;3')
    assert text == "bold both x <3"
    assert [e["type"] for e in entities] == ["bold", "italic", "text_link"]
    text, entities = render("😀 <u>u</u>", "HTML", None)
    assert entities == [{"type": "underline", "offset": 3, "length": 1}]
    text, entities = parse_markdown_v2("*hi* \\- `code` [link](https://e.com)")
    assert text == "hi - code link"
    assert [e["type"] for e in entities] == ["bold", "code", "text_link"]
    for bad in ("<b>open", "<script>", "</b>"):
        with pytest.raises(EntityParseError):
            parse_html(bad)
    with pytest.raises(EntityParseError, match="reserved"):
        parse_markdown_v2("1+1=2")


async def test_everything_the_emulator_emits_matches_the_spec(bot: Bot, emu: Emulator) -> None:
    spec = load_spec()
    topic = await bot.create_forum_topic(emu.group_id, "Case")
    markup = InlineKeyboardMarkup(
        inline_keyboard=[[InlineKeyboardButton(text="a", callback_data="b")]]
    )
    sent = await bot.send_message(CUSTOMER, "<b>x</b>", parse_mode="HTML", reply_markup=markup)
    await emu.send_text(CUSTOMER, "hi @someone, see https://example.com /start")
    await emu.send_photo(CUSTOMER, caption="photo")
    await emu.send_contact(CUSTOMER)
    await emu.press_button(CUSTOMER, CUSTOMER, sent.message_id, "b")
    await emu.staff_send(STAFF, topic.message_thread_id, "staff")
    await bot.forward_message(emu.group_id, CUSTOMER, sent.message_id)
    await emu.block_bot(CUSTOMER)
    for update in emu.pending_updates():
        assert spec.check_object("Update", update) is None, update
    for chat_id in (CUSTOMER, emu.group_id):
        for message in emu.messages(chat_id):
            message.pop("reply_markup", None)
            assert spec.check_object("Message", message) is None, message
    for call in emu.calls:
        assert call.ok, call
    assert spec.check_object("ForumTopic", emu.calls_to("createForumTopic")[0].result) is None
