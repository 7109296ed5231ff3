"""Walk a short day through the real sandbox and photograph it, in English and in Russian.

Usage: python scripts/screenshots.py [--out docs/screenshots]

Starts `python -m bot sandbox --fresh` in a temporary folder (always open, the repository's
content), drives the day through the emulator's HTTP control API — an English and a Russian
customer ask the FAQ, one asks for a person and staff answer in the topic, a 5000 return is
approved with the button, /resolve, a rating with a comment — then signs Boris (900002, the
demo manager) into the console through /console and saves PNGs of the sandbox page and the
console's conversations, transcript, tickets and figures pages at laptop (1366×768) and
phone (390×844) width. English files keep their names (`figures-desktop.png`); Russian ones
end in `-ru`. Needs Playwright and Chromium (CHROMIUM, default /usr/bin/chromium).
docs/walkthrough.md describes the walk and each picture.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import re
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from scripts.sandbox_check import Json, SandboxError, call, wait_for_page  # noqa: E402

STAFF, MANAGER = 900001, 900002
MARIA, IVAN = 700001, 700002
ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
LAPTOP = {"width": 1366, "height": 768}
PHONE = {"width": 390, "height": 844}
LINK = re.compile(r"https?://\S+/login\?t=[\w.\-]+(?:&lang=[a-z]+)?")


def free_port() -> int:
    """A port nobody listens on now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class Day:
    """The emulator's control API, as the walk uses it."""

    def __init__(self, base: str) -> None:
        self.base = base
        self.group = int(call(f"{base}/_emu/state")["group"]["id"])

    def cursor(self) -> int:
        return int(call(f"{self.base}/_emu/state")["seq"])

    def wait(
        self, chat: int, since: int, needle: str = "", thread: int | None = None, wait: float = 30
    ) -> Json:
        """The bot's first message in a chat after `since` whose text or buttons hold `needle`."""
        deadline = time.monotonic() + wait
        where = f"chat_id={chat}&since={since}" + (f"&thread_id={thread}" if thread else "")
        while time.monotonic() < deadline:
            result = call(f"{self.base}/_emu/messages?{where}&timeout=2")
            for item in result["messages"]:
                message = item["message"]
                seen = f"{message.get('text') or message.get('caption') or ''}"
                seen += str(message.get("reply_markup") or "")
                if item["outgoing"] and needle in seen:
                    return dict(message)
        raise SandboxError(f"no bot message with {needle!r} in chat {chat} within {wait:.0f} s")

    def say(self, user: int, text: str, needle: str | None = "") -> Json:
        """Write as a customer; with a needle, wait for the bot's answer that holds it."""
        since = self.cursor()
        call(f"{self.base}/_emu/users/{user}/text", "POST", {"text": text})
        return {} if needle is None else self.wait(user, since, needle)

    def press(self, user: int, message: Json, label: str, needle: str = "") -> Json:
        since = self.cursor()
        chat = int(message["chat"]["id"])
        body = {"chat_id": chat, "message_id": message["message_id"], "button_text": label}
        route = "staff" if chat == self.group else "users"
        call(f"{self.base}/_emu/users/{user}/press", "POST", body)
        return self.wait(user if route == "users" else chat, since, needle)

    def topic(self, name: str, wait: float = 30) -> int:
        deadline = time.monotonic() + wait
        while time.monotonic() < deadline:
            for topic in call(f"{self.base}/_emu/topics"):
                if name in topic.get("name", ""):
                    return int(topic["message_thread_id"])
            time.sleep(0.3)
        raise SandboxError(f"no topic for {name}")

    def staff(self, thread: int, text: str) -> None:
        call(f"{self.base}/_emu/staff/{STAFF}/text", "POST", {"text": text, "thread_id": thread})


def walk(day: Day) -> None:
    """A short day in the shop, as customers and staff would have it."""
    maria, ivan = MARIA, IVAN  # the sandbox's demo customers, shown first on its page
    day.say(maria, "/start", "")
    day.say(ivan, "/start", "")
    day.say(maria, "How long does delivery take?", "")
    day.say(ivan, "Сколько идёт доставка?", "")
    # Maria wants a person; Anna answers in the topic.
    day.say(maria, "👤 Talk to a person", "")
    topic = day.topic("Maria")
    since = day.cursor()
    day.say(maria, "My parcel #4711 arrived crushed", None)
    day.wait(day.group, since, "crushed", thread=topic)
    since = day.cursor()
    day.staff(topic, "So sorry! A new one goes out today.")
    day.wait(maria, since, "So sorry")
    day.staff(topic, "// regular customer, add a gift card")
    # Иван returns a 5000 vacuum cleaner; staff approve it with the button.
    day.say(ivan, "↩️ Вернуть товар", "")
    when = day.say(ivan, "Пылесос", "На этой неделе")
    reason = day.press(ivan, when, "На этой неделе", "Брак")
    photo = day.press(ivan, reason, "Брак", "фото")
    day.press(ivan, photo, photo_skip_label(photo), "Сколько")
    day.say(ivan, "5000", "")
    ivan_topic = day.topic("Иван")
    card = day.wait(day.group, 0, "Approve", thread=ivan_topic)
    since = day.cursor()
    call(
        f"{day.base}/_emu/users/{STAFF}/press",
        "POST",
        {"chat_id": day.group, "message_id": card["message_id"], "button_text": "✅ Approve"},
    )
    day.wait(ivan, since, "одобрен")
    # Maria's matter is done: /resolve, a rating and a comment.
    since = day.cursor()
    day.staff(topic, "/resolve")
    ask = day.wait(maria, since, "How did we do?")
    day.press(maria, ask, "4 ⭐", "comment")
    day.say(maria, "Quick and kind, thank you", "passed on")
    since = day.cursor()
    day.staff(ivan_topic, "/resolve")
    day.wait(ivan, since, "⭐")


def photo_skip_label(message: Json) -> str:
    """The photo step's skip button, whatever its language."""
    rows = (message.get("reply_markup") or {}).get("inline_keyboard", [])
    labels = [button["text"] for row in rows for button in row]
    return labels[-1]


async def photograph(day: Day, out: Path, chromium: str) -> list[Path]:
    """Sign Boris in and save every page at both widths in both languages."""
    from playwright.async_api import async_playwright

    saved: list[Path] = []
    async with async_playwright() as p:
        browser = await p.chromium.launch(executable_path=chromium, args=ARGS)
        for device, viewport in (("desktop", LAPTOP), ("phone", PHONE)):
            page = await (await browser.new_context(viewport=viewport)).new_page()
            await page.goto(day.base + "/")
            # The page long-polls the emulator, so it never goes idle: let it draw the chats.
            await page.wait_for_timeout(2000)
            # Open her topic in the staff group where the page shows the topic list (laptop).
            topics = page.locator(":not(option):text-is('Maria · 700001')").locator("visible=true")
            if await topics.count():
                await topics.last.click()
                await page.wait_for_timeout(1000)
            target = out / ("sandbox.png" if device == "desktop" else "sandbox-phone.png")
            await page.screenshot(path=str(target))
            saved.append(target)
            await page.context.close()
        for lang in ("en", "ru"):
            suffix = "" if lang == "en" else "-ru"
            for device, viewport in (("desktop", LAPTOP), ("phone", PHONE)):
                since = day.cursor()
                call(f"{day.base}/_emu/users/{MANAGER}/text", "POST", {"text": "/console"})
                found = LINK.search(day.wait(MANAGER, since, "/login?t=").get("text") or "")
                assert found is not None
                locale = "ru-RU" if lang == "ru" else "en-GB"  # the date inputs follow it
                context = await browser.new_context(viewport=viewport, locale=locale)
                page = await context.new_page()
                await page.goto(found.group(0))
                await page.click("#sign-in")
                await page.wait_for_url("**/conversations")
                await page.goto(page.url.replace("/conversations", f"/language/{lang}"))
                console = page.url.split("/conversations")[0]
                # Maria's resolved conversation: the one with the person, the note and the rating.
                first = page.locator("ol.conversations a.conv:has(.status-resolved)").filter(
                    has_text="Maria"
                )
                transcript = await first.first.get_attribute("href")
                for name, path, full in (
                    ("conversations", "/conversations", False),
                    ("transcript", transcript, True),
                    ("tickets", "/tickets", False),
                    ("figures", "/figures", True),
                ):
                    await page.goto(console + str(path))
                    await page.wait_for_load_state("networkidle")
                    target = out / f"{name}-{device}{suffix}.png"
                    await page.screenshot(path=str(target), full_page=full)
                    saved.append(target)
                await context.close()
        await browser.close()
    return saved


def main(argv: list[str] | None = None) -> int:
    """Run the sandbox, walk the day, save the pictures."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=ROOT / "docs" / "screenshots")
    args = parser.parse_args(argv)
    args.out.mkdir(parents=True, exist_ok=True)
    port, console_port = free_port(), free_port()
    env = {
        **os.environ,
        "WORKING_HOURS": "mon-sun 00:00-24:00",
        "CONTENT_DIR": str(ROOT / "content"),
        "CONSOLE_PORT": str(console_port),
        "PYTHONPATH": str(ROOT),
    }
    for name in ("DATABASE_URL", "REDIS_URL", "CONSOLE_SECRET"):
        env.pop(name, None)
    with tempfile.TemporaryDirectory() as folder:
        log = open(Path(folder) / "sandbox.log", "w")  # noqa: SIM115 - closed below
        process = subprocess.Popen(
            [sys.executable, "-m", "bot", "sandbox", "--fresh", "--port", str(port)],
            cwd=folder,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        try:
            base = f"http://127.0.0.1:{port}"
            wait_for_page(base, 60)
            day = Day(base)
            walk(day)
            saved = asyncio.run(
                photograph(day, args.out, os.environ.get("CHROMIUM", "/usr/bin/chromium"))
            )
        except Exception:
            log.flush()
            print((Path(folder) / "sandbox.log").read_text()[-3000:], file=sys.stderr)
            raise
        finally:
            process.terminate()
            process.wait(timeout=20)
            log.close()
    for path in saved:
        print(path.relative_to(ROOT) if path.is_relative_to(ROOT) else path)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
