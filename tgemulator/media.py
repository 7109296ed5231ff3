"""Uploaded files: storage by file_id, image sizes and sample media."""

from __future__ import annotations

import itertools
import mimetypes
import secrets
import struct
import zlib
from dataclasses import dataclass, field
from typing import Any

# Telegram refuses to download files bigger than this through getFile.
GET_FILE_LIMIT = 20 * 1024 * 1024

_KIND_DIRS = {
    "photo": ("photos", ".jpg"),
    "document": ("documents", ""),
    "voice": ("voice", ".oga"),
    "video": ("videos", ".mp4"),
    "sticker": ("stickers", ".webp"),
}
# file_id prefixes resemble real ones so logs look familiar.
_PREFIX = {"photo": "AgAC", "document": "BQAC", "voice": "AwAC", "video": "BAAC", "sticker": "CAAC"}


@dataclass(frozen=True, slots=True)
class UploadedFile:
    """A file part received in a multipart request."""

    filename: str
    content: bytes
    content_type: str | None = None


@dataclass(slots=True)
class StoredFile:
    """A file known to the emulator, addressable by file_id and downloadable by file_path."""

    file_id: str
    file_unique_id: str
    kind: str
    content: bytes
    file_path: str
    file_name: str | None = None
    mime_type: str | None = None
    width: int | None = None
    height: int | None = None
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def size(self) -> int:
        """Return the size in bytes."""
        return len(self.content)


class FileStore:
    """Keep file bytes so files sent in either direction can be fetched back."""

    def __init__(self) -> None:
        self._by_id: dict[str, StoredFile] = {}
        self._by_path: dict[str, StoredFile] = {}
        self._counter = itertools.count(1)

    def add(
        self,
        kind: str,
        content: bytes,
        *,
        file_name: str | None = None,
        mime_type: str | None = None,
    ) -> StoredFile:
        """Store bytes as a new file of the given kind and return its record."""
        number = next(self._counter)
        folder, default_ext = _KIND_DIRS.get(kind, ("documents", ""))
        ext = default_ext
        if file_name and "." in file_name:
            ext = "." + file_name.rsplit(".", 1)[1].lower()
        if mime_type is None and file_name:
            mime_type = mimetypes.guess_type(file_name)[0]
        size = image_size(content) if kind in ("photo", "sticker") else None
        stored = StoredFile(
            file_id=f"{_PREFIX.get(kind, 'BQAC')}{number:06d}{secrets.token_urlsafe(18)}",
            file_unique_id=f"AQAD{number:04d}{secrets.token_urlsafe(6)}",
            kind=kind,
            content=content,
            file_path=f"{folder}/file_{number}{ext}",
            file_name=file_name,
            mime_type=mime_type,
            width=size[0] if size else None,
            height=size[1] if size else None,
        )
        self._by_id[stored.file_id] = stored
        self._by_path[stored.file_path] = stored
        return stored

    def get(self, file_id: str) -> StoredFile | None:
        """Find a file by file_id."""
        return self._by_id.get(file_id)

    def by_path(self, file_path: str) -> StoredFile | None:
        """Find a file by the file_path getFile returned."""
        return self._by_path.get(file_path)

    def clear(self) -> None:
        """Forget every file."""
        self._by_id.clear()
        self._by_path.clear()


def image_size(data: bytes) -> tuple[int, int] | None:
    """Return (width, height) of a PNG, GIF, JPEG or WebP image, or None if it is not one."""
    if data.startswith(b"\x89PNG\r\n\x1a\n") and len(data) >= 24:
        width, height = struct.unpack(">II", data[16:24])
        return int(width), int(height)
    if data[:6] in (b"GIF87a", b"GIF89a") and len(data) >= 10:
        width, height = struct.unpack("<HH", data[6:10])
        return int(width), int(height)
    if data.startswith(b"RIFF") and data[8:12] == b"WEBP":
        return _webp_size(data)
    if data.startswith(b"\xff\xd8"):
        return _jpeg_size(data)
    return None


def _jpeg_size(data: bytes) -> tuple[int, int] | None:
    index = 2
    while index + 9 < len(data):
        if data[index] != 0xFF:
            return None
        marker = data[index + 1]
        if marker in (0xD8, 0x01) or 0xD0 <= marker <= 0xD7:
            index += 2
            continue
        (length,) = struct.unpack(">H", data[index + 2 : index + 4])
        # SOF0..SOF15 except DHT (C4), JPG (C8) and DAC (CC) carry the frame size.
        if 0xC0 <= marker <= 0xCF and marker not in (0xC4, 0xC8, 0xCC):
            height, width = struct.unpack(">HH", data[index + 5 : index + 9])
            return int(width), int(height)
        index += 2 + length
    return None


def _webp_size(data: bytes) -> tuple[int, int] | None:
    chunk = data[12:16]
    if chunk == b"VP8X" and len(data) >= 30:
        width = 1 + int.from_bytes(data[24:27], "little")
        height = 1 + int.from_bytes(data[27:30], "little")
        return width, height
    if chunk == b"VP8 " and len(data) >= 30:
        width, height = struct.unpack("<HH", data[26:30])
        return int(width) & 0x3FFF, int(height) & 0x3FFF
    if chunk == b"VP8L" and len(data) >= 25:
        bits = int.from_bytes(data[21:25], "little")
        return (bits & 0x3FFF) + 1, ((bits >> 14) & 0x3FFF) + 1
    return None


def sample_png(
    width: int = 64, height: int = 48, rgb: tuple[int, int, int] = (80, 140, 220)
) -> bytes:
    """Build a valid solid-colour PNG, for simulated users who send a photo."""
    row = b"\x00" + bytes(rgb) * width
    raw = row * height

    def chunk(tag: bytes, body: bytes) -> bytes:
        crc = zlib.crc32(tag + body) & 0xFFFFFFFF
        return struct.pack(">I", len(body)) + tag + body + struct.pack(">I", crc)

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(raw))
        + chunk(b"IEND", b"")
    )


# A few bytes that stand in for recorded audio and video; nothing decodes them.
SAMPLE_VOICE = b"OggS\x00\x02" + b"\x00" * 58
SAMPLE_VIDEO = b"\x00\x00\x00\x18ftypmp42" + b"\x00" * 52


def photo_sizes(store: FileStore, photo: StoredFile) -> list[dict[str, object]]:
    """Return the PhotoSize list for a photo: a 90px thumbnail (when larger) and the original."""
    width, height = photo.width or 800, photo.height or 600
    sizes = []
    if max(width, height) > 90:
        thumb_id = photo.extra.get("thumb")
        thumb = store.get(thumb_id) if isinstance(thumb_id, str) else None
        if thumb is None:
            thumb = store.add("photo", photo.content, mime_type=photo.mime_type)
            scale = 90 / max(width, height)
            thumb.width, thumb.height = max(1, round(width * scale)), max(1, round(height * scale))
            photo.extra["thumb"] = thumb.file_id
        sizes.append(_photo_size(thumb))
    sizes.append(_photo_size(photo, width, height))
    return sizes


def _photo_size(
    photo: StoredFile, width: int | None = None, height: int | None = None
) -> dict[str, object]:
    return {
        "file_id": photo.file_id,
        "file_unique_id": photo.file_unique_id,
        "file_size": photo.size,
        "width": width or photo.width or 90,
        "height": height or photo.height or 90,
    }


def media_payload(
    store: FileStore,
    kind: str,
    stored: StoredFile,
    *,
    duration: int | None = None,
    width: int | None = None,
    height: int | None = None,
    emoji: str | None = None,
) -> dict[str, object]:
    """Return the Message fields for a file of the given kind (photo, document, voice...)."""
    if kind == "photo":
        return {"photo": photo_sizes(store, stored)}
    body: dict[str, object] = {
        "file_id": stored.file_id,
        "file_unique_id": stored.file_unique_id,
    }
    if kind == "sticker":
        body.update(
            type="regular",
            width=stored.width or 512,
            height=stored.height or 512,
            is_animated=False,
            is_video=False,
        )
        if emoji:
            body["emoji"] = emoji
    elif kind == "voice":
        body.update(duration=duration or int(stored.extra.get("duration", 1) or 1))
        body["mime_type"] = stored.mime_type or "audio/ogg"
    elif kind == "video":
        body.update(
            width=width or int(stored.extra.get("width", 640) or 640),
            height=height or int(stored.extra.get("height", 360) or 360),
            duration=duration or int(stored.extra.get("duration", 1) or 1),
        )
        body["mime_type"] = stored.mime_type or "video/mp4"
        if stored.file_name:
            body["file_name"] = stored.file_name
    else:
        if stored.file_name:
            body["file_name"] = stored.file_name
        if stored.mime_type:
            body["mime_type"] = stored.mime_type
    body["file_size"] = stored.size
    return {kind: body}
