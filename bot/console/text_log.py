"""Transcripts as plain text, for the /log document a manager gets in Telegram."""

from __future__ import annotations

from collections.abc import Iterable
from zoneinfo import ZoneInfo

from bot.console.formatting import duration, local
from bot.console.transcript import Entry, Transcript
from bot.services.console_auth import redact_links

INDENT = " " * 10


def _message_lines(entry: Entry, tz: ZoneInfo) -> list[str]:
    message = entry.message
    assert message is not None
    tags = [entry.place]
    if entry.is_note:
        tags.append("internal note")
    if message.content_type != "text":
        tags.append(message.content_type)
    if entry.relayed:
        tags.append("relayed")
    head = f"{local(entry.at, tz, '%H:%M:%S')}  {entry.author} [{', '.join(tags)}]:"
    text = redact_links(message.text) or ""
    lines = text.splitlines() or [""]
    out = [f"{head} {lines[0]}".rstrip()]
    out.extend(INDENT + line for line in lines[1:])
    if entry.wait is not None:
        wait = entry.wait
        if wait.open:
            out.append(f"{INDENT}waiting {duration(wait.seconds)} so far")
        else:
            late = " (late)" if wait.late else ""
            who = wait.answered_by or "a person"
            out.append(f"{INDENT}waited {duration(wait.seconds)} for {who}{late}")
    return out


def render_transcript(transcript: Transcript, tz: ZoneInfo) -> str:
    """Write one conversation as text: a header, then every message and event in order."""
    conv, customer = transcript.conversation, transcript.customer
    username = f"@{customer.username}, " if customer.username else ""
    lines = [
        f"Conversation #{conv.id} · {customer.display_name} "
        f"({username}id {customer.telegram_id}) · language {conv.language}",
        f"Status: {conv.status} · opened {local(conv.opened_at, tz)} · first response "
        f"{local(conv.first_response_at, tz)} · resolved {local(conv.resolved_at, tz)}",
    ]
    for ticket in transcript.tickets:
        amount = f" {ticket.amount} {ticket.currency or ''}".rstrip() if ticket.amount else ""
        decided = (
            "automatic"
            if ticket.auto_approved
            else transcript.names.get(ticket.decided_by or 0, str(ticket.decided_by or "—"))
        )
        follow_up = f", follow-up {ticket.follow_up_outcome}" if ticket.follow_up_outcome else ""
        lines.append(
            f"Ticket {ticket.number}: {ticket.kind} {ticket.status}{amount}, "
            f"decided by {decided}{follow_up}"
        )
    if transcript.rating is not None:
        comment = f" “{transcript.rating.comment}”" if transcript.rating.comment else ""
        lines.append(f"Rating: {transcript.rating.score}/5{comment}")
    day = ""
    for entry in transcript.entries:
        today = local(entry.at, tz, "%A, %d %B %Y")
        if today != day:
            day = today
            lines.extend(["", f"── {day} ──"])
        if entry.event is not None:
            lines.append(f"{local(entry.at, tz, '%H:%M:%S')}  * {entry.text}")
        else:
            lines.extend(_message_lines(entry, tz))
    return "\n".join(lines) + "\n"


def render_log(transcripts: Iterable[Transcript], tz: ZoneInfo) -> str:
    """Write several conversations one after another, oldest first."""
    parts = [render_transcript(t, tz) for t in transcripts]
    return f"Times in {tz.key}\n\n" + ("\n" + "=" * 72 + "\n\n").join(parts)
