"""The console's aiohttp application: sessions, CSRF, security headers and templates."""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Awaitable, Callable
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import jinja2
from aiohttp import web
from babel.dates import format_date

from bot.console import formatting
from bot.console.page_context import ConsoleContext
from bot.i18n import DEFAULT_LANGUAGE, LANGUAGES, L10n
from bot.services.console_auth import ConsoleSession, redact_links, session_active
from bot.telegram.dates import span

logger = logging.getLogger(__name__)

HERE = Path(__file__).resolve().parent
COOKIE = "console_session"
LANG_COOKIE = "console_lang"
CONTEXT = web.AppKey("console_context", ConsoleContext)
TEMPLATES = web.AppKey("console_templates", jinja2.Environment)
# Inside the bot's process: why the bot is unhealthy now (updates cannot be stored), or None.
HEALTH: web.AppKey[Callable[[], str | None]] = web.AppKey("console_health")
SESSION = web.RequestKey("console_session", ConsoleSession)
PUBLIC = ("/login", "/healthz", "/favicon.ico", "/language")
Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]
_CSP = (
    "default-src 'none'; style-src 'self'; img-src 'self' data:; form-action 'self'; "
    "frame-ancestors 'none'; base-uri 'none'"
)


def context_of(request: web.Request) -> ConsoleContext:
    """Return the console's dependencies."""
    return request.app[CONTEXT]


def session_of(request: web.Request) -> ConsoleSession:
    """Return the signed-in manager's session (the guard has checked it)."""
    value = request[SESSION]
    assert isinstance(value, ConsoleSession)
    return value


def language_of(request: web.Request) -> str:
    """The manager's language: their choice (a cookie set at sign-in or by the switch)."""
    chosen = request.cookies.get(LANG_COOKIE, "")
    return chosen if chosen in LANGUAGES else DEFAULT_LANGUAGE


def texts_of(request: web.Request) -> L10n:
    """The console's texts in the manager's language."""
    return context_of(request).texts.get(language_of(request))


@jinja2.pass_context
def _local(context: Any, moment: datetime | None, pattern: str = "d MMM y, HH:mm") -> str:
    return formatting.local_in(moment, context["tz"], context["lang"], pattern)


@jinja2.pass_context
def _day(context: Any, day: date, pattern: str = "d MMM y") -> str:
    return format_date(day, pattern, locale=context["lang"])


@jinja2.pass_context
def _money(context: Any, amount: Decimal | None, currency: str | None) -> str:
    return formatting.money(amount, currency, context["lang"])


@jinja2.pass_context
def _duration(context: Any, seconds: float | None) -> str:
    return formatting.duration(seconds, context["_"])


def _for_templates(l10n: L10n) -> Callable[..., str]:
    """The texts for templates: a stored value (a status, a method) may have no text yet."""

    def text(key: str, default: str | None = None, **args: Any) -> str:
        try:
            return l10n(key, **args)
        except KeyError:
            if default is None:
                raise
            return default

    return text


def templates(ctx: ConsoleContext) -> jinja2.Environment:
    """Build the Jinja2 environment with the console's filters."""
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(HERE / "templates"),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.globals["tz"] = ctx.tz
    env.globals["languages"] = LANGUAGES
    env.filters["local"] = _local
    env.filters["duration"] = _duration
    env.filters["money"] = _money
    env.filters["day"] = _day
    env.filters["percent"] = formatting.percent
    env.filters["redact"] = redact_links
    env.globals["timezone"] = ctx.settings.app.timezone
    css = (HERE / "static" / "console.css").read_bytes()
    env.globals["css_url"] = f"/static/console.css?v={hashlib.sha256(css).hexdigest()[:10]}"
    return env


def render(request: web.Request, name: str, status: int = 200, **values: Any) -> web.Response:
    """Render a page; signed-in pages get the CSRF token for their forms."""
    ctx = context_of(request)
    console = request.get(SESSION)
    csrf = ctx.keys.csrf_token(console) if isinstance(console, ConsoleSession) else ""
    lang = language_of(request)
    html = (
        request.app[TEMPLATES]
        .get_template(name)
        .render(
            request=request,
            csrf=csrf,
            signed_in=console,
            lang=lang,
            _=_for_templates(ctx.texts.get(lang)),
            reply_sla=span(ctx.reply_sla_seconds, lang),
            deadline=ctx.callback_deadline.strftime("%H:%M"),
            **values,
        )
    )
    return web.Response(text=html, status=status, content_type="text/html")


class NotFound(web.HTTPNotFound):
    """A 404 whose page says, in the page's language, what was not found."""

    def __init__(self, key: str) -> None:
        """`key` names the locale text ("console-no-such-file")."""
        super().__init__()
        self.key = key


@web.middleware
async def not_found(request: web.Request, handler: Handler) -> web.StreamResponse:
    """Answer every 404 (an unknown address included) with a page in the reader's language."""
    try:
        return await handler(request)
    except web.HTTPNotFound as exc:
        _ = texts_of(request)
        key = exc.key if isinstance(exc, NotFound) else "console-no-such-page"
        return render(request, "message.html", 404, title=_("console-not-found"), text=_(key))


@web.middleware
async def security_headers(request: web.Request, handler: Handler) -> web.StreamResponse:
    """Forbid framing, inline scripts and referrers (sign-in links carry a token)."""
    response = await handler(request)
    response.headers.setdefault("Content-Security-Policy", _CSP)
    response.headers.setdefault("X-Frame-Options", "DENY")
    response.headers.setdefault("X-Content-Type-Options", "nosniff")
    response.headers.setdefault("Referrer-Policy", "no-referrer")
    # Static files have versioned URLs; everything else is private data.
    static = request.path.startswith("/static/")
    response.headers.setdefault("Cache-Control", "max-age=31536000" if static else "no-store")
    return response


@web.middleware
async def guard(request: web.Request, handler: Handler) -> web.StreamResponse:
    """Let only signed-in managers through; check CSRF on every form post."""
    if request.path in PUBLIC or request.path.startswith(("/static/", "/language/")):
        return await handler(request)
    ctx = context_of(request)
    console = ctx.keys.read_session_cookie(request.cookies.get(COOKIE))
    if console is not None:
        async with ctx.reader() as session:
            if not await session_active(session, console, ctx.managers):
                console = None
    if console is None:
        return _signed_out(request)
    request[SESSION] = console
    if request.method not in ("GET", "HEAD", "OPTIONS"):
        form = await request.post()
        token = request.headers.get("X-CSRF-Token") or form.get("csrf")
        if not ctx.keys.csrf_valid(console, token if isinstance(token, str) else None):
            logger.warning(
                "console: %s %s refused without a valid CSRF token", request.method, request.path
            )
            return render(
                request,
                "message.html",
                status=403,
                title=texts_of(request)("console-refused"),
                text=texts_of(request)("console-refused-csrf"),
            )
    return await handler(request)


def _signed_out(request: web.Request) -> web.StreamResponse:
    response = render(
        request,
        "message.html",
        status=401,
        title=texts_of(request)("console-sign-in"),
        text=texts_of(request)("console-sign-in-how"),
    )
    if COOKIE in request.cookies:
        response.del_cookie(COOKIE, path="/")
    return response
