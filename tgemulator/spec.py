"""Load the Bot API facts (or a full description) and check calls against them."""

from __future__ import annotations

import functools
import json
import os
import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from tgemulator.errors import bad_request
from tgemulator.media import UploadedFile

SPEC_ENV = "BOT_API_SPEC"
# The facts the emulator checks, derived from the official description by
# scripts/bot_api_facts.py and shipped with the package, so any clone runs without it.
FACTS_PATH = Path(__file__).resolve().parent / "bot_api.json"
_ATTACH = "attach://"
# Discriminator fields ("type", "status", "source") say "must be chat" or 'always "user"'.
_CONST_RE = re.compile(r'(?:must be|always) "?([a-z_]+)"?\s*$')
_CONST_FIELDS = frozenset({"type", "status", "source"})
# Telegram's own words for some missing parameters (aiogram drops empty strings, so an
# empty text arrives as no text at all).
_MISSING = {"text": "message text is empty"}
_TRUE = frozenset({"true", "True", "1"})
_FALSE = frozenset({"false", "False", "0"})


class SpecNotFoundError(FileNotFoundError):
    """Raised when no Bot API description can be found."""


@dataclass(frozen=True, slots=True)
class TypeRef:
    """A parsed type expression: a primitive or object type wrapped in `depth` arrays."""

    name: str
    depth: int = 0

    def __str__(self) -> str:
        return "Array of " * self.depth + self.name

    @classmethod
    def parse(cls, text: str) -> TypeRef:
        """Parse "Array of Array of X" into TypeRef("X", 2)."""
        depth = 0
        while text.startswith("Array of "):
            text = text[len("Array of ") :]
            depth += 1
        return cls(text, depth)


@dataclass(frozen=True, slots=True)
class FieldSpec:
    """One parameter of a method or field of a type."""

    name: str
    types: tuple[TypeRef, ...]
    required: bool
    const: str | None = None


@dataclass(frozen=True, slots=True)
class ObjectSpec:
    """A Bot API type: either fields or a union of subtypes."""

    name: str
    fields: Mapping[str, FieldSpec]
    subtypes: tuple[TypeRef, ...]


@dataclass(frozen=True, slots=True)
class MethodSpec:
    """A Bot API method with its parameters and return types."""

    name: str
    fields: Mapping[str, FieldSpec]
    returns: tuple[TypeRef, ...]


class _Mismatch(Exception):
    """A value that does not fit its declared type, with the path where it failed."""

    def __init__(self, path: str, reason: str) -> None:
        super().__init__(reason)
        self.path = path
        self.reason = reason
        self.depth = _depth(path)


def _depth(path: str) -> int:
    return path.count(".") + path.count("[")


def field_const(item: Mapping[str, Any]) -> str | None:
    """Return the constant a discriminator field must hold: a fact, or read off its description."""
    if "const" in item:
        return str(item["const"])
    if item["name"] in _CONST_FIELDS and item["types"] == ["String"]:
        match = _CONST_RE.search(item.get("description", ""))
        return match.group(1) if match else None
    return None


def _parse_fields(raw: list[dict[str, Any]]) -> dict[str, FieldSpec]:
    return {
        item["name"]: FieldSpec(
            name=item["name"],
            types=tuple(TypeRef.parse(t) for t in item["types"]),
            required=bool(item.get("required")),
            const=field_const(item),
        )
        for item in raw
    }


def _short(value: Any) -> str:
    text = json.dumps(value, ensure_ascii=False, default=str)
    return text if len(text) <= 40 else text[:37] + "..."


class ApiSpec:
    """The parsed Bot API description with a call validator."""

    def __init__(self, raw: Mapping[str, Any], source: Path | None = None) -> None:
        self.source = source
        self.version: str = str(raw.get("version", ""))
        self.release_date: str = str(raw.get("release_date", ""))
        self.types: dict[str, ObjectSpec] = {
            name: ObjectSpec(
                name=name,
                fields=_parse_fields(body.get("fields", [])),
                subtypes=tuple(TypeRef.parse(t) for t in body.get("subtypes", [])),
            )
            for name, body in raw["types"].items()
        }
        self.methods: dict[str, MethodSpec] = {
            name.lower(): MethodSpec(
                name=name,
                fields=_parse_fields(body.get("fields", [])),
                returns=tuple(TypeRef.parse(t) for t in body.get("returns", [])),
            )
            for name, body in raw["methods"].items()
        }

    def method(self, name: str) -> MethodSpec | None:
        """Find a method by name, ignoring case as Telegram does."""
        return self.methods.get(name.lower())

    def validate_call(
        self,
        method: MethodSpec,
        params: Mapping[str, Any],
        attachments: Mapping[str, UploadedFile] | None = None,
    ) -> dict[str, Any]:
        """Return the call's known parameters converted to their types, or raise ApiError."""
        attachments = attachments or {}
        out: dict[str, Any] = {}
        for name, field in method.fields.items():
            value = params.get(name)
            if value is None:
                if field.required:
                    raise bad_request(_MISSING.get(name, f'parameter "{name}" is required'))
                continue
            try:
                out[name] = self._check(value, field.types, "", attachments, top=True)
            except _Mismatch as err:
                where = f"{name}{err.path} " if err.path else ""
                raise bad_request(f'invalid parameter "{name}": {where}{err.reason}') from None
        return out

    def check_object(self, type_name: str, value: Any) -> str | None:
        """Check a value against a type (e.g. the emulator's own replies); return the problem."""
        try:
            self._check(value, (TypeRef.parse(type_name),), "", {}, top=False)
        except _Mismatch as err:
            return f"{err.path.lstrip('.') or type_name}: {err.reason}"
        return None

    def _check(
        self,
        value: Any,
        types: tuple[TypeRef, ...],
        path: str,
        attachments: Mapping[str, UploadedFile],
        top: bool,
    ) -> Any:
        if len(types) == 1:
            return self._check_one(value, types[0], path, attachments, top)
        failures: list[_Mismatch] = []
        for ref in types:
            try:
                return self._check_one(value, ref, path, attachments, top)
            except _Mismatch as err:
                failures.append(err)
        # Report the alternative that got furthest, e.g. a keyboard missing one button text;
        # if none got past the value itself, list every type that was allowed.
        deepest = max(failures, key=lambda err: err.depth)
        if deepest.depth == _depth(path):
            expected = " or ".join(str(ref) for ref in types)
            raise _Mismatch(path, f"must be {expected}, got {_short(value)}")
        raise deepest

    def _check_one(
        self,
        value: Any,
        ref: TypeRef,
        path: str,
        attachments: Mapping[str, UploadedFile],
        top: bool,
    ) -> Any:
        if ref.depth:
            if top and isinstance(value, str):
                value = _decode_json(value, path, ref)
            if not isinstance(value, list):
                raise _Mismatch(path, f"must be {ref}, got {_short(value)}")
            inner = TypeRef(ref.name, ref.depth - 1)
            return [
                self._check_one(item, inner, f"{path}[{index}]", attachments, False)
                for index, item in enumerate(value)
            ]
        name = ref.name
        if name == "String":
            if isinstance(value, str):
                return value
            # Telegram accepts numbers where strings are expected.
            if isinstance(value, int | float) and not isinstance(value, bool):
                return str(value)
        elif name == "Integer":
            if isinstance(value, int) and not isinstance(value, bool):
                return value
            if isinstance(value, float) and value.is_integer():
                return int(value)
            if isinstance(value, str) and re.fullmatch(r"\s*-?\d+\s*", value):
                return int(value)
        elif name == "Boolean":
            if isinstance(value, bool):
                return value
            if isinstance(value, str) and value in _TRUE:
                return True
            if isinstance(value, str) and value in _FALSE:
                return False
            if isinstance(value, int) and value in (0, 1):
                return bool(value)
        elif name == "Float":
            if isinstance(value, int | float) and not isinstance(value, bool):
                return float(value)
            if isinstance(value, str):
                try:
                    return float(value)
                except ValueError:
                    pass
        elif name == "InputFile":
            if isinstance(value, UploadedFile):
                return value
            if isinstance(value, str) and value.startswith(_ATTACH):
                key = value[len(_ATTACH) :]
                if key in attachments:
                    return attachments[key]
                raise _Mismatch(path, f'refers to a missing multipart part "{key}"')
        else:
            return self._check_object(value, name, path, attachments, top)
        raise _Mismatch(path, f"must be {name}, got {_short(value)}")

    def _check_object(
        self,
        value: Any,
        name: str,
        path: str,
        attachments: Mapping[str, UploadedFile],
        top: bool,
    ) -> Any:
        spec = self.types.get(name)
        if spec is None:
            return value
        if spec.subtypes:
            return self._check(value, spec.subtypes, path, attachments, top)
        if top and isinstance(value, str):
            value = _decode_json(value, path, TypeRef(name))
        if not isinstance(value, dict):
            raise _Mismatch(path, f"must be a JSON object ({name}), got {_short(value)}")
        out = dict(value)
        for field_name, field in spec.fields.items():
            sub = f"{path}.{field_name}"
            item = value.get(field_name)
            if item is None:
                if field.required:
                    raise _Mismatch(sub, f"is required in {name}")
                continue
            checked = self._check(item, field.types, sub, attachments, False)
            if field.const is not None and checked != field.const:
                raise _Mismatch(sub, f'must be "{field.const}" in {name}, got {_short(item)}')
            out[field_name] = checked
        return out


def _decode_json(text: str, path: str, ref: TypeRef) -> Any:
    try:
        return json.loads(text)
    except ValueError:
        raise _Mismatch(path, f"must be JSON-serialized {ref}, got {_short(text)}") from None


def find_spec(path: str | Path | None = None) -> Path:
    """Return the description to load: `path`, else $BOT_API_SPEC, else the packaged facts."""
    chosen = path if path is not None else os.environ.get(SPEC_ENV) or FACTS_PATH
    candidate = Path(chosen)
    if not candidate.is_file():
        hint = f"Set {SPEC_ENV} to a full api.json, or unset it to use the packaged facts."
        if candidate == FACTS_PATH:
            hint = "Reinstall the package, or run scripts/bot_api_facts.py."
        raise SpecNotFoundError(f"Telegram Bot API description not found at {candidate}. {hint}")
    return candidate.resolve()


@functools.lru_cache(maxsize=4)
def _load_cached(path: str, mtime_ns: int) -> ApiSpec:
    with open(path, encoding="utf-8") as handle:
        raw = json.load(handle)
    return ApiSpec(raw, Path(path))


def load_spec(path: str | Path | None = None) -> ApiSpec:
    """Load and parse the description once per file version."""
    found = find_spec(path)
    return _load_cached(str(found), found.stat().st_mtime_ns)
