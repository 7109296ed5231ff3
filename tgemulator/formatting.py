"""Turn text with a parse_mode into plain text and entities, as Telegram does."""

from __future__ import annotations

import html
import re
from dataclasses import dataclass
from typing import Any

Entity = dict[str, Any]


class EntityParseError(Exception):
    """Raised for markup Telegram would refuse ("can't parse entities: ...")."""


def utf16_len(text: str) -> int:
    """Return the length in UTF-16 code units, the unit of entity offsets and limits."""
    return len(text.encode("utf-16-le")) // 2


def _byte_offset(text: str, index: int) -> int:
    return len(text[:index].encode("utf-8"))


@dataclass(slots=True)
class _Builder:
    """Accumulate plain text while tracking its UTF-16 length."""

    parts: list[str]
    length: int = 0

    def add(self, text: str) -> None:
        self.parts.append(text)
        self.length += utf16_len(text)

    def text(self) -> str:
        return "".join(self.parts)


_HTML_TYPES = {
    "b": "bold",
    "strong": "bold",
    "i": "italic",
    "em": "italic",
    "u": "underline",
    "ins": "underline",
    "s": "strikethrough",
    "strike": "strikethrough",
    "del": "strikethrough",
    "tg-spoiler": "spoiler",
    "span": "spoiler",
    "a": "text_link",
    "code": "code",
    "pre": "pre",
    "blockquote": "blockquote",
    "tg-emoji": "custom_emoji",
}
_TAG_RE = re.compile(r"<(/?)([a-zA-Z][a-zA-Z0-9-]*)((?:\s+[^<>]*?)?)\s*(/?)>")
_ATTR_RE = re.compile(r"""([a-zA-Z-]+)(?:\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s"'>]+)))?""")
_HTML_ENTITY_RE = re.compile(r"&(lt|gt|amp|quot|#\d{1,7}|#x[0-9a-fA-F]{1,6});")


def parse_html(source: str) -> tuple[str, list[Entity]]:
    """Parse Telegram's HTML subset; raise EntityParseError on what Telegram refuses."""
    out = _Builder([])
    stack: list[tuple[str, int, dict[str, str]]] = []
    entities: list[Entity] = []
    index = 0
    length = len(source)
    while index < length:
        char = source[index]
        if char == "<":
            match = _TAG_RE.match(source, index)
            offset = _byte_offset(source, index)
            if match is None:
                raise EntityParseError(f"Unsupported start tag at byte offset {offset}")
            closing, name, attr_text, _self_closing = match.groups()
            name = name.lower()
            if closing:
                if not stack:
                    raise EntityParseError(f'Unexpected end tag "{name}" at byte offset {offset}')
                open_name, start, attrs = stack.pop()
                if open_name != name:
                    raise EntityParseError(
                        f'Unmatched end tag at byte offset {offset}, expected "</{open_name}>", '
                        f'found "</{name}>"'
                    )
                _close_html(open_name, start, out.length, attrs, stack, entities)
            else:
                if name not in _HTML_TYPES:
                    raise EntityParseError(
                        f'Unsupported start tag "{name}" at byte offset {offset}'
                    )
                attrs = {
                    m.group(1).lower(): html.unescape(m.group(2) or m.group(3) or m.group(4) or "")
                    for m in _ATTR_RE.finditer(attr_text)
                }
                if name == "span" and attrs.get("class") != "tg-spoiler":
                    raise EntityParseError(
                        f'Tag "span" must have class "tg-spoiler" at byte offset {offset}'
                    )
                stack.append((name, out.length, attrs))
            index = match.end()
        elif char == "&":
            entity = _HTML_ENTITY_RE.match(source, index)
            if entity is None:
                out.add("&")
                index += 1
            else:
                out.add(html.unescape(entity.group(0)))
                index = entity.end()
        else:
            end = index
            while end < length and source[end] not in "<&":
                end += 1
            out.add(source[index:end])
            index = end
    if stack:
        raise EntityParseError(f'Can\'t find end tag corresponding to start tag "{stack[-1][0]}"')
    return out.text(), _sorted(entities)


def _close_html(
    name: str,
    start: int,
    end: int,
    attrs: dict[str, str],
    stack: list[tuple[str, int, dict[str, str]]],
    entities: list[Entity],
) -> None:
    kind = _HTML_TYPES[name]
    if end == start:
        return
    entity: Entity = {"type": kind, "offset": start, "length": end - start}
    if name == "a":
        url = attrs.get("href", "")
        user = re.fullmatch(r"tg://user\?id=(\d+)", url)
        if user:
            entity = {**entity, "type": "text_mention", "user": {"id": int(user.group(1))}}
            entity["user"].update({"is_bot": False, "first_name": ""})
        elif url:
            entity["url"] = url
        else:
            return
    elif name == "code" and stack and stack[-1][0] == "pre":
        # <pre><code class="language-x"> is one pre entity with a language.
        language = attrs.get("class", "")
        if language.startswith("language-"):
            pre_name, pre_start, pre_attrs = stack[-1]
            stack[-1] = (pre_name, pre_start, {**pre_attrs, "language": language[9:]})
        return
    elif name == "pre" and attrs.get("language"):
        entity["language"] = attrs["language"]
    elif name == "blockquote" and "expandable" in attrs:
        entity["type"] = "expandable_blockquote"
    elif name == "tg-emoji":
        entity["custom_emoji_id"] = attrs.get("emoji-id", "")
    entities.append(entity)


_MD2_RESERVED = set("_*[]()~`>#+-=|{}.!")
_MD2_NAMES = {
    "*": "bold",
    "_": "italic",
    "__": "underline",
    "~": "strikethrough",
    "||": "spoiler",
}
_ENTITY_TITLES = {
    "bold": "Bold",
    "italic": "Italic",
    "underline": "Underline",
    "strikethrough": "Strikethrough",
    "spoiler": "Spoiler",
    "text_link": "TextUrl",
    "code": "Code",
    "pre": "Pre",
}


def parse_markdown_v2(source: str) -> tuple[str, list[Entity]]:
    """Parse MarkdownV2; reserved characters outside entities must be escaped."""
    out = _Builder([])
    entities: list[Entity] = []
    stack: list[tuple[str, int, int]] = []  # marker, utf16 start, source index
    quote_start: int | None = None
    index = 0
    length = len(source)
    while index < length:
        char = source[index]
        at_line_start = index == 0 or source[index - 1] == "\n"
        if char == "\\" and index + 1 < length and 0 < ord(source[index + 1]) < 127:
            out.add(source[index + 1])
            index += 2
            continue
        if char == ">" and at_line_start:
            if quote_start is None:
                quote_start = out.length
            index += 1
            continue
        if char == "\n" and quote_start is not None and not source.startswith(">", index + 1):
            _append(entities, "blockquote", quote_start, out.length)
            quote_start = None
        if char == "`":
            index = _md2_code(source, index, out, entities)
            continue
        marker = source[index : index + 2] if source.startswith(("__", "||"), index) else char
        if marker in _MD2_NAMES:
            open_markers = [item[0] for item in stack]
            if open_markers and open_markers[-1] == marker:
                _, start, _ = stack.pop()
                _append(entities, _MD2_NAMES[marker], start, out.length)
            elif marker in open_markers:
                raise _unclosed(source, stack[-1])
            else:
                stack.append((marker, out.length, index))
            index += len(marker)
            continue
        if char == "[":
            stack.append(("[", out.length, index))
            index += 1
            continue
        if char == "]" and stack and stack[-1][0] == "[":
            _, start, _ = stack.pop()
            if not source.startswith("(", index + 1):
                raise EntityParseError(
                    "Character ']' is reserved and must be escaped with the preceding '\\'"
                )
            url, index = _md2_url(source, index + 2)
            if out.length > start:
                entities.append(
                    {"type": "text_link", "offset": start, "length": out.length - start, "url": url}
                )
            continue
        if char in _MD2_RESERVED:
            raise EntityParseError(
                f"Character '{char}' is reserved and must be escaped with the preceding '\\'"
            )
        out.add(char)
        index += 1
    if stack:
        raise _unclosed(source, stack[-1])
    if quote_start is not None:
        _append(entities, "blockquote", quote_start, out.length)
    return out.text(), _sorted(entities)


def _unclosed(source: str, item: tuple[str, int, int]) -> EntityParseError:
    marker, _, position = item
    kind = _MD2_NAMES.get(marker, "text_link")
    return EntityParseError(
        f"Can't find end of {_ENTITY_TITLES.get(kind, kind)} entity at byte offset "
        f"{_byte_offset(source, position)}"
    )


def _md2_code(source: str, index: int, out: _Builder, entities: list[Entity]) -> int:
    fence = "```" if source.startswith("```", index) else "`"
    cursor = index + len(fence)
    language = ""
    if fence == "```":
        newline = source.find("\n", cursor)
        first_line = source[cursor:newline] if newline != -1 else ""
        if newline != -1 and re.fullmatch(r"[\w+#-]*", first_line):
            language = first_line
            cursor = newline + 1
    start = out.length
    while cursor < len(source):
        if source[cursor] == "\\" and cursor + 1 < len(source):
            out.add(source[cursor + 1])
            cursor += 2
            continue
        if source.startswith(fence, cursor):
            kind = "pre" if fence == "```" else "code"
            if out.length > start:
                entity: Entity = {"type": kind, "offset": start, "length": out.length - start}
                if language:
                    entity["language"] = language
                entities.append(entity)
            return cursor + len(fence)
        out.add(source[cursor])
        cursor += 1
    kind = "Pre" if fence == "```" else "Code"
    raise EntityParseError(
        f"Can't find end of {kind} entity at byte offset {_byte_offset(source, index)}"
    )


def _md2_url(source: str, index: int) -> tuple[str, int]:
    chars: list[str] = []
    while index < len(source):
        char = source[index]
        if char == "\\" and index + 1 < len(source):
            chars.append(source[index + 1])
            index += 2
            continue
        if char == ")":
            return "".join(chars), index + 1
        chars.append(char)
        index += 1
    raise EntityParseError("Can't find end of a URL")


_MD1_RE = re.compile(
    r"\*([^*]+)\*|_([^_]+)_|```(?:(\w+)\n)?([\s\S]+?)```|`([^`]+)`|\[([^\]]+)\]\(([^)]+)\)"
)


def parse_markdown(source: str) -> tuple[str, list[Entity]]:
    """Parse legacy Markdown: *bold*, _italic_, `code`, ```pre``` and [text](url)."""
    out = _Builder([])
    entities: list[Entity] = []
    index = 0
    for match in _MD1_RE.finditer(source):
        _md1_plain(source, index, match.start(), out)
        bold, italic, language, pre, code, link_text, url = match.groups()
        start = out.length
        if bold is not None:
            out.add(bold)
            _append(entities, "bold", start, out.length)
        elif italic is not None:
            out.add(italic)
            _append(entities, "italic", start, out.length)
        elif pre is not None:
            out.add(pre)
            entity: Entity = {"type": "pre", "offset": start, "length": out.length - start}
            if language:
                entity["language"] = language
            entities.append(entity)
        elif code is not None:
            out.add(code)
            _append(entities, "code", start, out.length)
        else:
            out.add(link_text)
            entities.append(
                {"type": "text_link", "offset": start, "length": out.length - start, "url": url}
            )
        index = match.end()
    _md1_plain(source, index, len(source), out)
    return out.text(), _sorted(entities)


def _md1_plain(source: str, start: int, end: int, out: _Builder) -> None:
    chunk = source[start:end]
    for position, char in enumerate(chunk):
        if char in "*_`[":
            offset = _byte_offset(source, start + position)
            raise EntityParseError(f"Can't find end of the entity starting at byte offset {offset}")
    out.add(chunk)


def _append(entities: list[Entity], kind: str, start: int, end: int) -> None:
    if end > start:
        entities.append({"type": kind, "offset": start, "length": end - start})


def _sorted(entities: list[Entity]) -> list[Entity]:
    return sorted(entities, key=lambda e: (e["offset"], -e["length"]))


_TLDS = "com|org|net|io|me|ru|su|dev|app|info|biz|shop|store|online|site|co|uk|de|eu|us|рф"
_AUTO_PATTERNS = (
    ("bot_command", re.compile(r"(?<![\w/])/[a-zA-Z0-9_]{1,64}(?:@[a-zA-Z0-9_]{3,32})?(?!\w)")),
    ("mention", re.compile(r"(?<![\w@])@[a-zA-Z0-9_]{4,32}(?!\w)")),
    ("hashtag", re.compile(r"(?<![\w#])#\w*[^\W\d_]\w*")),
    ("email", re.compile(r"(?<![\w.+-])[\w.+-]+@[\w-]+(?:\.[\w-]+)*\.[a-zA-Z]{2,24}(?!\w)")),
    (
        "url",
        re.compile(
            rf"(?<![\w@/.])(?:https?://\S+|(?:www\.)?(?:[\w-]+\.)+(?:{_TLDS})(?![\w-])\S*)",
            re.IGNORECASE,
        ),
    ),
)
# Entities inside which Telegram does not look for links, mentions or commands.
_OPAQUE = frozenset({"code", "pre", "text_link", "text_mention", "url", "email", "mention"})
_TRAILING = ".,;:!?)]}'\""


def auto_entities(text: str, entities: list[Entity]) -> list[Entity]:
    """Add the entities Telegram detects by itself: commands, mentions, hashtags, links."""
    taken: list[tuple[int, int]] = [
        (e["offset"], e["offset"] + e["length"]) for e in entities if e["type"] in _OPAQUE
    ]
    found: list[Entity] = []
    for kind, pattern in _AUTO_PATTERNS:
        for match in pattern.finditer(text):
            value = match.group(0)
            if kind == "url":
                value = value.rstrip(_TRAILING)
            start = utf16_len(text[: match.start()])
            end = start + utf16_len(value)
            if any(start < t_end and t_start < end for t_start, t_end in taken):
                continue
            taken.append((start, end))
            found.append({"type": kind, "offset": start, "length": end - start})
    return _sorted([*entities, *found]) if found else entities


def strip_text(text: str, entities: list[Entity]) -> tuple[str, list[Entity]]:
    """Trim surrounding whitespace like Telegram, keeping entity offsets right."""
    stripped = text.strip()
    if stripped == text:
        return text, entities
    shift = utf16_len(text[: len(text) - len(text.lstrip())])
    limit = utf16_len(stripped)
    kept: list[Entity] = []
    for entity in entities:
        start = max(entity["offset"] - shift, 0)
        end = min(entity["offset"] + entity["length"] - shift, limit)
        if end > start:
            kept.append({**entity, "offset": start, "length": end - start})
    return stripped, kept


def render(
    text: str, parse_mode: str | None, entities: list[Entity] | None
) -> tuple[str, list[Entity]]:
    """Return (plain text, entities) for a message text or caption as Telegram stores it."""
    if entities is not None:
        plain, found = text, list(entities)
    elif parse_mode is None or parse_mode == "":
        plain, found = text, []
    else:
        mode = parse_mode.lower()
        if mode == "html":
            plain, found = parse_html(text)
        elif mode == "markdownv2":
            plain, found = parse_markdown_v2(text)
        elif mode == "markdown":
            plain, found = parse_markdown(text)
        else:
            raise EntityParseError(f"Unsupported parse_mode {parse_mode!r}")
    plain, found = strip_text(plain, found)
    return plain, auto_entities(plain, found)
