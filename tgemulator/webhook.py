"""Deliver queued updates to the bot's webhook, in order, retrying with backoff."""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
from collections.abc import Awaitable, Callable
from typing import Any

import aiohttp

from tgemulator.media import UploadedFile
from tgemulator.state import Json, WebhookConfig, World

logger = logging.getLogger("tgemulator.webhook")

# Runs a Bot API call the webhook answered with, like Telegram does with a reply body.
Executor = Callable[[str, dict[str, Any], dict[str, UploadedFile], str], Awaitable[Any]]


class WebhookDelivery:
    """A background worker posting each pending update to the webhook URL."""

    def __init__(
        self,
        world: World,
        execute: Executor,
        *,
        retry_delay: float = 0.05,
        max_retry_delay: float = 2.0,
        timeout: float = 10.0,
    ) -> None:
        self.world = world
        self.execute = execute
        self.retry_delay = retry_delay
        self.max_retry_delay = max_retry_delay
        self.timeout = timeout
        self.delivered = 0
        self._task: asyncio.Task[None] | None = None
        self._session: aiohttp.ClientSession | None = None

    def start(self) -> None:
        """Start the worker on the running loop."""
        if self._task is None:
            self._session = aiohttp.ClientSession()
            self._task = asyncio.create_task(self._run(), name="emulator-webhook")

    async def stop(self) -> None:
        """Stop the worker and close its HTTP session."""
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None
        if self._session is not None:
            await self._session.close()
            self._session = None

    async def _run(self) -> None:
        world = self.world
        failures = 0
        while True:

            def next_job() -> tuple[WebhookConfig, Json] | None:
                if world.webhook.url and world.updates:
                    return world.webhook, world.updates[0]
                return None

            job = await world.notifier.wait_for(next_job, None)
            if job is None or world.notifier.closed:
                return
            hook, update = job
            error = await self._post(hook, update)
            if error is None:
                failures = 0
                self.delivered += 1
                hook.last_error_date = hook.last_error_message = None
                world.drop_update(update["update_id"])
                continue
            failures += 1
            hook.last_error_date = world.now
            hook.last_error_message = error
            delay = min(self.retry_delay * 2 ** min(failures - 1, 20), self.max_retry_delay)
            logger.info("webhook delivery failed (%s); retrying in %.2fs", error, delay)
            # Sleep, but wake at once if the webhook is changed or removed meanwhile.
            await world.notifier.wait_for(_changed_since(world, hook.version), delay)

    async def _post(self, hook: WebhookConfig, update: Json) -> str | None:
        """POST one update; return None on success or Telegram's error text."""
        assert self._session is not None
        headers = {"Content-Type": "application/json"}
        if hook.secret_token:
            headers["X-Telegram-Bot-Api-Secret-Token"] = hook.secret_token
        try:
            async with self._session.post(
                hook.url,
                data=json.dumps(update, ensure_ascii=False),
                headers=headers,
                timeout=aiohttp.ClientTimeout(total=self.timeout),
            ) as response:
                if not 200 <= response.status < 300:
                    return f"Wrong response from the webhook: {response.status} {response.reason}"
                call = await _reply_call(response)
        except TimeoutError:
            return "Read timeout expired"
        except aiohttp.ClientConnectorError:
            return "Connection refused"
        except aiohttp.ClientError as err:
            return f"{type(err).__name__}: {err}"
        if call is not None:
            method, params, files = call
            await self.execute(method, params, files, "webhook-reply")
        return None


def _changed_since(world: World, version: int) -> Callable[[], bool | None]:
    return lambda: True if world.webhook.version != version else None


async def _reply_call(
    response: aiohttp.ClientResponse,
) -> tuple[str, dict[str, Any], dict[str, UploadedFile]] | None:
    """Read a Bot API call from a webhook reply body (JSON or multipart), if any."""
    params: dict[str, Any] = {}
    files: dict[str, UploadedFile] = {}
    if response.content_type == "application/json":
        with contextlib.suppress(ValueError):
            body = await response.json(content_type=None)
            if isinstance(body, dict):
                params = body
    elif response.content_type == "multipart/form-data":
        reader = aiohttp.MultipartReader.from_response(response)
        async for part in reader:
            if not isinstance(part, aiohttp.BodyPartReader) or part.name is None:
                continue
            if part.filename is not None:
                content = bytes(await part.read())
                files[part.name] = UploadedFile(
                    part.filename, content, part.headers.get("Content-Type")
                )
            else:
                params[part.name] = await part.text()
    method = params.pop("method", None)
    if not isinstance(method, str) or not method:
        return None
    for name, upload in files.items():
        params.setdefault(name, upload)
    return method, params, files
