"""The Bot API over HTTP: request parsing, validation, faults, the call log and file downloads."""

from __future__ import annotations

import asyncio
import json
import logging
import time
from collections import deque
from dataclasses import dataclass
from typing import Any

from aiohttp import BodyPartReader, web

from tgemulator.errors import ApiError, bad_request
from tgemulator.faults import Faults
from tgemulator.media import UploadedFile
from tgemulator.methods import BotApi, api_error_for
from tgemulator.spec import ApiSpec
from tgemulator.state import Json

logger = logging.getLogger("tgemulator")


@dataclass(slots=True)
class CallRecord:
    """One Bot API call as the emulator saw and answered it."""

    index: int
    method: str
    params: Json
    status: int
    result: Any
    error: str | None
    timestamp: float
    duration: float
    via: str

    @property
    def ok(self) -> bool:
        """Return True when the call succeeded."""
        return self.status == 200

    def view(self) -> Json:
        """Return the record as JSON for the control API."""
        return {
            "index": self.index,
            "method": self.method,
            "params": self.params,
            "status": self.status,
            "ok": self.ok,
            "result": self.result,
            "error": self.error,
            "timestamp": self.timestamp,
            "duration": self.duration,
            "via": self.via,
        }


class DropConnection(Exception):
    """Raised to close the client's connection without a reply (the "drop" fault)."""


class ApiGateway:
    """Run every Bot API call through faults, the spec validator and the method table."""

    def __init__(
        self, spec: ApiSpec, api: BotApi, faults: Faults, *, calls_limit: int = 100_000
    ) -> None:
        self.spec = spec
        self.api = api
        self.faults = faults
        self.calls: deque[CallRecord] = deque(maxlen=calls_limit)
        self.unsupported: list[str] = []
        self.total = 0

    async def execute(
        self,
        method_name: str,
        params: dict[str, Any],
        files: dict[str, UploadedFile] | None = None,
        via: str = "http",
    ) -> tuple[int, Json]:
        """Execute one call and return (HTTP status, JSON body); record it in the call log."""
        started = time.time()
        method = self.spec.method(method_name)
        name = method.name if method is not None else method_name
        checked: Json | None = None
        try:
            if method is None:
                raise bad_request(f'method "{method_name}" not found')
            fault = self.faults.take(name)
            if fault is not None:
                logger.info("injected fault %s for %s", fault.kind, name)
                if fault.kind == "slow":
                    await asyncio.sleep(fault.delay)
                elif fault.kind == "drop" and via == "http":
                    self._record(name, params, 0, None, "connection dropped", started, via)
                    raise DropConnection
                elif (error := fault.error()) is not None:
                    raise error
            handler = self.api.handler(method.name)
            if handler is None:
                self.unsupported.append(method.name)
                raise bad_request(f"method is not supported by the emulator: {method.name}")
            checked = self.spec.validate_call(method, params, files)
            result = await handler(self.api, checked)
        except ApiError as err:
            if err.status != 429 and err.status < 500:
                logger.warning("rejected %s: %s", name, err.description)
            self._record(name, checked or params, err.status, None, err.description, started, via)
            return err.status, err.payload()
        except (DropConnection, asyncio.CancelledError):
            raise
        except Exception as exc:
            logger.exception("emulator failed on %s", name)
            failure = api_error_for(exc)
            self._record(
                name, checked or params, failure.status, None, failure.description, started, via
            )
            return failure.status, failure.payload()
        self._record(name, checked, 200, result, None, started, via)
        return 200, {"ok": True, "result": result}

    def _record(
        self,
        method: str,
        params: Json,
        status: int,
        result: Any,
        error: str | None,
        started: float,
        via: str,
    ) -> None:
        self.total += 1
        self.calls.append(
            CallRecord(
                index=self.total,
                method=method,
                params=_loggable(params),
                status=status,
                result=result,
                error=error,
                timestamp=started,
                duration=time.time() - started,
                via=via,
            )
        )
        self.api.world.notifier.notify()


def _loggable(value: Any) -> Any:
    """Replace uploaded bytes with a short description so the log stays small and JSON-able."""
    if isinstance(value, UploadedFile):
        return {
            "upload": value.filename,
            "size": len(value.content),
            "content_type": value.content_type,
        }
    if isinstance(value, dict):
        return {key: _loggable(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_loggable(item) for item in value]
    return value


async def read_request(request: web.Request) -> tuple[dict[str, Any], dict[str, UploadedFile]]:
    """Collect parameters from the query string and a JSON, urlencoded or multipart body."""
    params: dict[str, Any] = dict(request.query)
    files: dict[str, UploadedFile] = {}
    if not request.can_read_body:
        return params, files
    content_type = request.content_type
    if content_type == "application/json":
        try:
            body = await request.json()
        except ValueError:
            raise bad_request("can't parse JSON body") from None
        if not isinstance(body, dict):
            raise bad_request("JSON body must be an object")
        params.update(body)
    elif content_type == "multipart/form-data":
        reader = await request.multipart()
        async for part in reader:
            if not isinstance(part, BodyPartReader) or part.name is None:
                continue
            if part.filename is not None:
                content = bytes(await part.read())
                files[part.name] = UploadedFile(
                    part.filename, content, part.headers.get("Content-Type")
                )
            else:
                params[part.name] = await part.text()
        # A file sent directly under a parameter's name is that parameter's value.
        for name, upload in files.items():
            params.setdefault(name, upload)
    else:
        form = await request.post()
        for key, value in form.items():
            params[key] = value if isinstance(value, str) else str(value)
    return params, files


def _json(body: Json, status: int = 200) -> web.Response:
    return web.Response(
        text=json.dumps(body, ensure_ascii=False),
        status=status,
        content_type="application/json",
    )


class BotApiRoutes:
    """aiohttp handlers for /bot<token>/<method> and /file/bot<token>/<path>."""

    def __init__(self, token: str, gateway: ApiGateway) -> None:
        self.token = token
        self.gateway = gateway

    def register(self, app: web.Application) -> None:
        """Add the Bot API routes to an application."""
        app.router.add_route("*", "/bot{token}/{method}", self.handle_call)
        app.router.add_route("*", "/bot{token}/", self.handle_missing)
        app.router.add_get("/file/bot{token}/{path:.+}", self.handle_file)

    async def handle_call(self, request: web.Request) -> web.StreamResponse:
        """Answer one Bot API call."""
        if request.match_info["token"] != self.token:
            logger.warning("rejected %s: wrong bot token", request.match_info["method"])
            return _json({"ok": False, "error_code": 401, "description": "Unauthorized"}, 401)
        try:
            params, files = await read_request(request)
        except ApiError as err:
            logger.warning("rejected %s: %s", request.match_info["method"], err.description)
            return _json(err.payload(), err.status)
        try:
            status, body = await self.gateway.execute(
                request.match_info["method"], params, files, "http"
            )
        except DropConnection:
            if request.transport is not None:
                request.transport.abort()
            return web.Response(status=204)
        return _json(body, status)

    async def handle_missing(self, request: web.Request) -> web.Response:
        """Answer a request without a method name like Telegram does."""
        return _json({"ok": False, "error_code": 404, "description": "Not Found"}, 404)

    async def handle_file(self, request: web.Request) -> web.Response:
        """Serve a file's bytes by the file_path getFile returned."""
        if request.match_info["token"] != self.token:
            return _json({"ok": False, "error_code": 401, "description": "Unauthorized"}, 401)
        stored = self.gateway.api.world.files.by_path(request.match_info["path"])
        if stored is None:
            return _json({"ok": False, "error_code": 404, "description": "Not Found"}, 404)
        return web.Response(
            body=stored.content, content_type=stored.mime_type or "application/octet-stream"
        )
