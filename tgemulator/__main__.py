"""Command line: python -m tgemulator [--host H] [--port P] [--token T]."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import logging

from tgemulator.emulator import DEFAULT_TOKEN
from tgemulator.run import run_emulator


def main() -> None:
    """Parse arguments and serve the emulator until interrupted."""
    parser = argparse.ArgumentParser(
        prog="python -m tgemulator", description="Local Telegram Bot API emulator"
    )
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8081)
    parser.add_argument("--token", default=DEFAULT_TOKEN)
    parser.add_argument("--spec", default=None, help="path to api.json (else $BOT_API_SPEC)")
    parser.add_argument("--username", default="service_bot", help="the bot's username")
    parser.add_argument("--no-seed", action="store_true", help="start without demo people")
    args = parser.parse_args()
    logging.basicConfig(
        level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )
    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(
            run_emulator(
                args.host,
                args.port,
                args.token,
                spec_path=args.spec,
                bot_username=args.username,
                seed=not args.no_seed,
            )
        )


if __name__ == "__main__":
    main()
