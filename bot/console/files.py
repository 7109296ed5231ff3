"""Photos and files for the transcript, fetched from the Bot API by file_id."""

from __future__ import annotations

import logging

import aiohttp
from pydantic import SecretStr

logger = logging.getLogger(__name__)

MAX_BYTES = 20 * 1024 * 1024  # the Bot API serves files up to 20 MB
_SIGNATURES = (
    (b"\xff\xd8\xff", "image/jpeg"),
    (b"\x89PNG\r\n\x1a\n", "image/png"),
    (b"GIF8", "image/gif"),
    (b"%PDF", "application/pdf"),
    (b"OggS", "audio/ogg"),
)
IMAGE_TYPES = ("image/jpeg", "image/png", "image/gif", "image/webp")


class FileUnavailable(Exception):
    """Telegram would not give the file (unknown id, too big, no token, network)."""


def sniff_type(data: bytes) -> str:
    """Guess a safe content type from the first bytes; unknown files are plain downloads."""
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "image/webp"
    for magic, kind in _SIGNATURES:
        if data.startswith(magic):
            return kind
    return "application/octet-stream"


class TelegramFiles:
    """Fetch files through getFile and the file download URL; the token never leaves here."""

    def __init__(self, api_url: str, token: SecretStr | None) -> None:
        self._api = api_url.rstrip("/")
        self._token = token
        self._http: aiohttp.ClientSession | None = None

    def __repr__(self) -> str:
        return f"TelegramFiles({self._api!r}, <token hidden>)"

    async def close(self) -> None:
        """Close the HTTP client."""
        if self._http is not None:
            await self._http.close()
            self._http = None

    def _client(self) -> aiohttp.ClientSession:
        if self._http is None:
            self._http = aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=30))
        return self._http

    async def fetch(self, file_id: str) -> bytes:
        """Return a file's bytes; raise FileUnavailable (the reason, never the URL)."""
        if self._token is None:
            raise FileUnavailable("no BOT_TOKEN: files cannot be fetched")
        token = self._token.get_secret_value()
        http = self._client()
        try:
            async with http.get(
                f"{self._api}/bot{token}/getFile", params={"file_id": file_id}
            ) as r:
                body = await r.json(content_type=None)
            if not body.get("ok") or not body.get("result", {}).get("file_path"):
                raise FileUnavailable(str(body.get("description", "getFile failed")))
            path = body["result"]["file_path"]
            async with http.get(f"{self._api}/file/bot{token}/{path}") as r:
                if r.status != 200:
                    raise FileUnavailable(f"download answered {r.status}")
                data = await r.content.read(MAX_BYTES + 1)
        except (aiohttp.ClientError, TimeoutError, ValueError) as exc:
            # The exception text may hold the URL, and the URL holds the token.
            raise FileUnavailable(type(exc).__name__) from None
        if len(data) > MAX_BYTES:
            raise FileUnavailable("file too large")
        return data
