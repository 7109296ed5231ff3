"""The console's pages: sign-in, conversations, transcript, tickets, figures, export, media."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import datetime
from urllib.parse import urlencode

from aiohttp import web
from sqlmodel import col, select

from bot.console import dashboard, params
from bot.console.export import (
    COLUMNS,
    FORMATS,
    KINDS,
    Row,
    encode,
    export_query,
    export_rows,
)
from bot.console.files import IMAGE_TYPES, FileUnavailable, sniff_type
from bot.console.filters import STATUSES, ConversationFilter
from bot.console.listing import list_conversations
from bot.console.params import BadParameter
from bot.console.ticket_list import TicketFilter, list_tickets
from bot.console.transcript import load_transcript
from bot.console.web import (
    COOKIE,
    HEALTH,
    LANG_COOKIE,
    NotFound,
    context_of,
    language_of,
    render,
    session_of,
    texts_of,
)
from bot.db import transaction
from bot.i18n import LANGUAGES
from bot.services.console_auth import LinkRefused, check_link, redeem_link, sign_out
from bot.services.figures import compute_figures
from models import Message, StaffMember, Ticket

REFUSALS = ("expired", "used", "invalid", "not-manager")
YEAR = 365 * 24 * 3600


def register(app: web.Application) -> None:
    """Add the console's routes."""
    app.router.add_get("/", home)
    app.router.add_get("/healthz", healthz)
    app.router.add_get("/login", login_page)
    app.router.add_post("/login", login)
    app.router.add_post("/logout", logout)
    app.router.add_get("/language/{lang}", language)
    app.router.add_get("/conversations", conversations)
    # Any segment reaches the handler, which answers a bad id with a 400 that says why.
    app.router.add_get("/conversations/{id}", conversation)
    app.router.add_get("/tickets", tickets)
    app.router.add_get("/figures", figures)
    app.router.add_get("/export/{kind:[a-z]+}.{fmt:[a-z]+}", export)
    app.router.add_get("/media/{owner:message|ticket}/{id}/{n}", media)


async def healthz(request: web.Request) -> web.Response:
    """Answer the health check: unhealthy while the bot beside it cannot store updates."""
    fault = request.app.get(HEALTH)
    reason = fault() if fault is not None else None
    if reason is not None:
        return web.json_response({"ok": False, "reason": reason}, status=503)
    return web.json_response({"ok": True})


async def home(_request: web.Request) -> web.Response:
    """Start at the conversations."""
    raise web.HTTPFound("/conversations")


def _refused(request: web.Request, reason: str) -> web.Response:
    _ = texts_of(request)
    text = f"{_('console-link-' + (reason if reason in REFUSALS else 'invalid'))} "
    text += _("console-ask-again")
    return render(request, "message.html", status=403, title=_("console-link-refused"), text=text)


def _set_language(response: web.StreamResponse, lang: str) -> None:
    # Not a secret: the page's language, remembered for a year; readable by no script.
    response.set_cookie(LANG_COOKIE, lang, max_age=YEAR, httponly=True, samesite="Lax", path="/")


async def language(request: web.Request) -> web.Response:
    """Switch the console's language and go back to the page: it changes nothing else."""
    lang = request.match_info["lang"]
    if lang not in LANGUAGES:
        raise NotFound("console-no-such-language")
    back = request.query.get("next", "")
    # Only a path on this site, never a redirect elsewhere: browsers drop tabs and newlines
    # and read a backslash as a slash, so "/\t/evil" or "/\\evil" would leave the site.
    unsafe = "\\" in back or any(ord(c) < 0x21 or ord(c) == 0x7F for c in back)
    if not back.startswith("/") or back.startswith("//") or unsafe:
        back = "/conversations"
    response = web.HTTPSeeOther(back)
    _set_language(response, lang)
    raise response


async def login_page(request: web.Request) -> web.Response:
    """Show the sign-in button; opening the link alone uses nothing (previews open links)."""
    ctx = context_of(request)
    token = request.query.get("t", "")
    try:
        async with ctx.reader() as session:
            claim = await check_link(session, ctx.keys, token, ctx.managers)
    except LinkRefused as refused:
        return _refused(request, refused.reason)
    lang = request.query.get("lang", "")
    response = render(request, "login.html", token=token, telegram_id=claim.telegram_id)
    if lang in LANGUAGES and LANG_COOKIE not in request.cookies:
        # The manager's Telegram language, carried in the link, until they switch.
        _set_language(response, lang)
    return response


async def login(request: web.Request) -> web.Response:
    """Use the link once and open a session."""
    ctx = context_of(request)
    form = await request.post()
    token = str(form.get("t", ""))
    try:
        async with transaction(ctx.writer) as session:
            claim = await redeem_link(session, ctx.keys, token, ctx.managers, ctx.clock())
    except LinkRefused as refused:
        return _refused(request, refused.reason)
    response = web.HTTPSeeOther("/conversations")
    response.set_cookie(
        COOKIE,
        ctx.keys.issue_session_cookie(claim.telegram_id),
        max_age=int(ctx.keys.session_ttl.total_seconds()),
        httponly=True,
        samesite="Lax",
        secure=ctx.console.base_url(ctx.settings.app.console_port).startswith("https://"),
        path="/",
    )
    raise response


async def logout(request: web.Request) -> web.Response:
    """End the session for good."""
    ctx = context_of(request)
    async with transaction(ctx.writer) as session:
        await sign_out(session, session_of(request), ctx.clock())
    _ = texts_of(request)
    response = render(
        request,
        "message.html",
        title=_("console-signed-out"),
        text=f"{_('console-signed-out-text')} {_('console-ask-again')}",
    )
    response.del_cookie(COOKIE, path="/")
    return response


def _bad_request(request: web.Request, error: BadParameter) -> web.Response:
    _ = texts_of(request)
    return render(
        request, "message.html", status=400, title=_("console-check-filters"), text=error.text(_)
    )


async def conversations(request: web.Request) -> web.Response:
    """List conversations with filters, full-text search and keyset paging."""
    ctx = context_of(request)
    try:
        flt = ConversationFilter.from_query(request.query)
        async with ctx.reader() as session:
            page = await list_conversations(session, flt, ctx.tz, request.query.get("after"))
            staff = list(
                (await session.exec(select(StaffMember).order_by(col(StaffMember.name)))).all()
            )
    except BadParameter as error:
        return _bad_request(request, error)
    return render(
        request,
        "conversations.html",
        flt=flt,
        page=page,
        staff=staff,
        statuses=STATUSES,
        now=ctx.clock(),
        first_page="after" not in request.query,
        exports=[(k, f) for k in KINDS for f in FORMATS],
    )


async def conversation(request: web.Request) -> web.Response:
    """Show one conversation's transcript."""
    ctx = context_of(request)
    now = ctx.clock()
    try:
        conversation_id = params.row_id(request.match_info["id"], "conversation")
    except BadParameter as error:
        return _bad_request(request, error)
    async with ctx.reader() as session:
        transcript = await load_transcript(
            session,
            conversation_id,
            ctx.tz,
            now,
            texts_of(request),
            language_of(request),
            reply_sla_seconds=ctx.reply_sla_seconds,
        )
    if transcript is None:
        _ = texts_of(request)
        return render(
            request,
            "message.html",
            status=404,
            title=_("console-not-found"),
            text=_("console-no-such-conversation"),
        )
    back = request.headers.get("Referer") or "/conversations"
    return render(request, "transcript.html", t=transcript, now=now, back=back)


async def tickets(request: web.Request) -> web.Response:
    """List returns and complaints."""
    ctx = context_of(request)
    try:
        flt = TicketFilter.from_query(request.query)
        after = request.query.get("after")
        before = params.row_id(after, "after") if after else None
    except BadParameter as error:
        return _bad_request(request, error)
    async with ctx.reader() as session:
        rows, next_cursor = await list_tickets(session, flt, ctx.tz, before)
    return render(
        request,
        "tickets.html",
        flt=flt,
        rows=rows,
        next_cursor=next_cursor,
        kinds=("return", "complaint"),
        statuses=("new", "pending", "approved", "in_progress", "resolved", "rejected"),
        exports=[("tickets", f) for f in FORMATS],
        query=_ticket_export_query(flt),
    )


def _ticket_export_query(flt: TicketFilter) -> str:
    """The tickets page's filters as the export's: the dates are when they were opened."""
    pairs = {"from": flt.date_from, "to": flt.date_to}
    return urlencode({k: str(v) for k, v in pairs.items() if v is not None})


async def figures(request: web.Request) -> web.Response:
    """Show the service figures of a period, per day and per staff member."""
    ctx = context_of(request)
    now = ctx.clock()
    try:
        period = dashboard.choose_period(
            request.query.get("from"), request.query.get("to"), now, ctx.tz
        )
    except BadParameter as error:
        return _bad_request(request, error)
    async with ctx.reader() as session:
        result = await compute_figures(session, period, sessions=ctx.reader, managers=ctx.managers)
    _ = texts_of(request)
    return render(
        request,
        "figures.html",
        f=result,
        charts=dashboard.charts(
            result,
            _,
            language_of(request),
            reply_sla_seconds=ctx.reply_sla_seconds,
            callback_deadline=ctx.callback_deadline,
        ),
        presets=dashboard.presets(now, ctx.tz, _),
        days=period.days(),
    )


async def export(request: web.Request) -> web.StreamResponse:
    """Stream the filtered conversations, their messages or tickets as CSV or JSON."""
    ctx = context_of(request)
    kind, fmt = request.match_info["kind"], request.match_info["fmt"]
    if kind not in KINDS or fmt not in FORMATS:
        raise NotFound("console-no-such-export")
    try:
        flt = ConversationFilter.from_query(request.query)
        # Built before the response starts: once the 200 is sent, a bad value can only cut it.
        stmt = export_query(kind, flt, ctx.tz, ctx.backend)
    except BadParameter as error:
        return _bad_request(request, error)
    stamp = datetime.now(ctx.tz).strftime("%Y%m%d-%H%M")
    response = web.StreamResponse(
        headers={
            "Content-Type": "text/csv; charset=utf-8"
            if fmt == "csv"
            else "application/json; charset=utf-8",
            "Content-Disposition": f'attachment; filename="{kind}-{stamp}.{fmt}"',
        }
    )
    response.enable_chunked_encoding()
    async with ctx.reader_engine.connect() as connection:
        chunks = export_rows(connection, stmt)
        # The query runs and yields its first rows before the 200 goes out: a failing query
        # is an error page, not a download cut short.
        first = await anext(chunks, None)
        await response.prepare(request)
        async for piece in encode(_prepended(first, chunks), fmt, COLUMNS[kind], ctx.tz):
            await response.write(piece)
    await response.write_eof()
    return response


async def _prepended(
    first: list[Row] | None, rest: AsyncIterator[list[Row]]
) -> AsyncIterator[list[Row]]:
    """The chunks again, with the one already read in front."""
    if first is not None:
        yield first
    async for chunk in rest:
        yield chunk


async def media(request: web.Request) -> web.Response:
    """Serve a photo or file of a logged message or ticket, fetched from Telegram."""
    ctx = context_of(request)
    owner = request.match_info["owner"]
    try:
        row_id = params.row_id(request.match_info["id"], owner)
        index = params.index(request.match_info["n"], "file")
    except BadParameter as error:
        return _bad_request(request, error)
    async with ctx.reader() as session:
        if owner == "message":
            message = await session.get(Message, row_id)
            file_ids = (message.file_ids or []) if message else []
        else:
            ticket = await session.get(Ticket, row_id)
            file_ids = (ticket.photo_file_ids or []) if ticket else []
    if index >= len(file_ids):
        raise NotFound("console-no-such-file")
    try:
        data = await ctx.files.fetch(file_ids[index])
    except FileUnavailable as error:
        return web.Response(status=502, text=f"Telegram did not give the file: {error}")
    kind = sniff_type(data)
    disposition = "inline" if kind in IMAGE_TYPES else "attachment"
    return web.Response(
        body=data,
        content_type=kind,
        headers={
            "Cache-Control": "private, max-age=3600",
            "Content-Disposition": f'{disposition}; filename="{owner}-{row_id}-{index}"',
        },
    )
