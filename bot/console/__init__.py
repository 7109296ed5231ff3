"""The manager web console: conversation logs, search, tickets, figures and export.

Import from the submodules (`bot.console.server` to serve it); this package stays light so
the migration tooling can import `bot.console.search` without pulling in aiohttp.
"""
