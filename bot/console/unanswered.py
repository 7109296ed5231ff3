"""The console's "Unanswered" page: what the FAQ could not answer, and teaching it in one click."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

from aiohttp import web

from bot.console.web import context_of, render, session_of
from bot.content.load_errors import ContentError
from bot.content.loader import load_content
from bot.db import transaction
from bot.services.faq_learning import group_similar, learned_phrasings, teach, unanswered

# How far back the page looks: long enough to see what keeps coming back.
PERIOD = timedelta(days=30)


def register(app: web.Application) -> None:
    """Add the page's routes."""
    app.router.add_get("/unanswered", page)
    app.router.add_post("/unanswered/teach", add_phrasing)


async def page(request: web.Request) -> web.Response:
    """Unanswered questions grouped by similarity, with staff's answers and the FAQ entries."""
    ctx = context_of(request)
    entries = _entries(ctx.settings.app.content_dir)
    async with ctx.reader() as session:
        taught = await learned_phrasings(session)
        found = await unanswered(session, ctx.clock() - PERIOD, taught)
    return render(
        request,
        "unanswered.html",
        groups=group_similar(found),
        entries=entries,
        taught=request.query.get("taught"),
        taught_count=len(taught),
    )


async def add_phrasing(request: web.Request) -> web.Response:
    """Add a customer's question to an FAQ entry as a new phrasing."""
    ctx = context_of(request)
    form = await request.post()
    entry_id, text = str(form.get("entry") or ""), str(form.get("text") or "").strip()
    known = dict(_entries(ctx.settings.app.content_dir))
    if entry_id not in known or not text:
        return render(
            request,
            "message.html",
            status=400,
            title="Not added",
            text="Choose an FAQ entry for the question.",
        )
    async with transaction(ctx.writer) as session:
        await teach(session, entry_id, text, session_of(request).telegram_id, ctx.clock())
    raise web.HTTPSeeOther(f"/unanswered?taught={entry_id}")


def _entries(content_dir: Path) -> list[tuple[str, str]]:
    """(id, first English question) of every FAQ entry, for the picker."""
    try:
        content = load_content(content_dir)
    except ContentError:
        return []
    return [(entry.id, entry.questions.en[0]) for entry in content.faq]
