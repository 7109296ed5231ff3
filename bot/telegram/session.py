"""aiogram's aiohttp session, sending each call without a file as a JSON body."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from aiogram.client.session.aiohttp import AiohttpSession
from aiohttp import FormData
from aiohttp.payload import BytesPayload

if TYPE_CHECKING:
    from aiogram import Bot
    from aiogram.methods import TelegramMethod
    from aiogram.types import InputFile


class JsonBodySession(AiohttpSession):
    """Posts `application/json` instead of a form unless the call uploads a file.

    The Bot API takes both. aiogram builds every call as a form: nested values serialized to
    JSON strings, then the whole form percent-encoded by aiohttp, which was nearly a third of
    what sending an answer cost (in a profile of the closed loop: 1.0 s of 3.2 s). One
    `json.dumps` of the same values replaces both steps; a call with a file still goes as
    aiogram's multipart form.
    """

    def build_form_data(  # type: ignore[override]  # aiohttp posts any payload as `data`
        self, bot: Bot, method: TelegramMethod[Any]
    ) -> FormData | BytesPayload:
        files: dict[str, InputFile] = {}
        body: dict[str, Any] = {}
        for key, value in method.model_dump(warnings=False).items():
            prepared = self.prepare_value(value, bot=bot, files=files, _dumps_json=False)
            if prepared:  # aiogram's form leaves out empty and false values too
                body[key] = prepared
        if files:
            return super().build_form_data(bot, method)
        encoded = self.json_dumps(body).encode()
        return BytesPayload(encoded, content_type="application/json")
