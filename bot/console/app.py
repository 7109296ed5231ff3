"""The console application: the web helpers, every page, and the static files."""

from __future__ import annotations

from aiohttp import web

from bot.console import pages, unanswered
from bot.console.page_context import ConsoleContext
from bot.console.web import CONTEXT, HERE, TEMPLATES, guard, not_found, security_headers, templates


def create_app(ctx: ConsoleContext) -> web.Application:
    """Build the console application around its context."""
    app = web.Application(
        middlewares=[security_headers, not_found, guard], client_max_size=64 * 1024
    )
    app[CONTEXT] = ctx
    app[TEMPLATES] = templates(ctx)
    pages.register(app)
    unanswered.register(app)
    app.router.add_static("/static/", HERE / "static")

    async def close(_app: web.Application) -> None:
        await ctx.files.close()
        if ctx.owns_reader:
            await ctx.reader_engine.dispose()

    app.on_cleanup.append(close)
    return app
