"""Command line: run, webhook, migrate, check-content, sandbox and the evaluations."""

from __future__ import annotations

import argparse
import asyncio
import sys
from collections.abc import Sequence
from pathlib import Path

from bot.config import ConfigError, Settings
from bot.content.load_errors import ContentError
from bot.logs import setup_logging


def main(argv: Sequence[str] | None = None) -> int:
    """Parse the command line and run the chosen command."""
    parser = argparse.ArgumentParser(prog="python -m bot", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("run", help="run the bot with long polling")
    webhook = sub.add_parser("webhook", help="run the webhook server (WEBHOOK_URL, WEBHOOK_SECRET)")
    webhook.add_argument("--workers", type=int, default=1, help="processes sharing the port")
    sub.add_parser("migrate", help="apply database migrations to DATABASE_URL")
    sub.add_parser("check-content", help="validate the content files in CONTENT_DIR")
    sub.add_parser("console", help="serve the manager console alone (CONSOLE_PORT, CONSOLE_URL)")
    sandbox = sub.add_parser("sandbox", help="run the bot against a local Telegram emulator")
    sandbox.add_argument("--host", default="127.0.0.1")
    sandbox.add_argument("--port", type=int, default=8081)
    sandbox.add_argument(
        "--fresh", action="store_true", help="start clean: delete the sandbox's data/sandbox.db"
    )
    for name, what in (("faq-eval", "question,expected[,lang]"), ("moderation-eval", "text,label")):
        evaluation = sub.add_parser(name, help=f"score a CSV with the header {what}")
        evaluation.add_argument("file", type=Path)
        if name == "faq-eval":
            evaluation.add_argument("--content", type=Path, help="content dir (or just a faq.yaml)")
            evaluation.add_argument(
                "--cut", type=int, metavar="N", help="keep N phrasings per language, no keywords"
            )
            evaluation.add_argument(
                "--smalltalk", action="store_true", help="score small talk: text,intent[,lang]"
            )
            evaluation.add_argument(
                "--curve",
                action="store_true",
                help="also print each language's accuracy at rejection 0.85/0.90/0.95",
            )
        if name == "moderation-eval":
            evaluation.add_argument(
                "--stress",
                action="store_true",
                help="also run every pymorphy3 lemma, a sample of word forms and common "
                "English words through the detector; print the false-positive rate",
            )
            evaluation.add_argument(
                "--disguise",
                action="store_true",
                help="also disguise the insult rows each way customers do; print recall per kind",
            )
    args = parser.parse_args(argv)
    try:
        settings = Settings.load()
    except ConfigError as exc:
        print(f"configuration error: {exc}", file=sys.stderr)
        return 2
    setup_logging(settings.app.log_level, settings.secrets())
    try:
        return _dispatch(args, settings)
    except ConfigError as exc:
        print(f"configuration error: {exc}", file=sys.stderr)
        return 2
    except ContentError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 0


def _dispatch(args: argparse.Namespace, settings: Settings) -> int:
    from bot import runner

    content_dir = settings.app.content_dir
    if args.command == "run":
        if settings.telegram.bot_token is None:
            print(
                "BOT_TOKEN is not set: put your token from @BotFather in BOT_TOKEN, "
                "or try the bot offline with `python -m bot sandbox`.",
                file=sys.stderr,
            )
            return 2
        settings.check_console()
        asyncio.run(runner.run_polling(settings))
    elif args.command == "webhook":
        runner.serve_webhook(settings, args.workers)
    elif args.command == "console":
        from bot.console.server import run_console

        settings.check_console()
        asyncio.run(run_console(settings))
    elif args.command == "migrate":
        asyncio.run(runner.run_migrations(settings))
    elif args.command == "check-content":
        from bot.content.check import check_content

        return check_content(content_dir)
    elif args.command == "sandbox":
        from bot.sandbox import forget_sandbox_data, run_sandbox

        if args.fresh:
            for path in forget_sandbox_data():
                print(f"removed {path}")
        asyncio.run(run_sandbox(settings, args.host, args.port))
    elif args.command == "faq-eval":
        from bot.services.faq_eval import Options
        from bot.services.faq_eval import main as faq_eval

        options = Options(
            args.content or content_dir,
            content_dir,
            settings.app.faq_encoder,
            settings.app.faq_threshold,
            args.cut,
            args.smalltalk,
            settings.app.faq_encoder_model,
            key.get_secret_value() if (key := settings.app.faq_encoder_key) else None,
            args.curve,
        )
        return faq_eval(args.file, options.content_dir, options)
    elif args.command == "moderation-eval":
        from bot.services.moderation_eval import main as moderation_eval

        return moderation_eval(args.file, content_dir, stress=args.stress, disguise=args.disguise)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
