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
import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from scripts.sandbox_check import (  # noqa: E402
    Json,
    SandboxError,
    add_customer,
    call,
    wait_for_page,
)

if TYPE_CHECKING:
    from playwright.sync_api import Browser, Page, ViewportSize

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
LAPTOP: ViewportSize = {"width": 1366, "height": 768}
PHONE: ViewportSize = {"width": 390, "height": 844}
LINK = re.compile(r"https?://\S+/login\?t=[\w.\-]+(?:&lang=[a-z]+)?")
WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
SHOP_ZONE = ZoneInfo("Europe/Moscow")  # content/policy.yaml's time zone
# Item 2: how long the walk lets Иван's approved return sit before /resolve, past the
# 3-minute reply promise (content/policy.yaml) and a sweep or two.
PAST_THE_PROMISE = 200
# What a broken reply promise would have sent: Иван's holding note, the topic's and Boris's alerts.
BROKEN_PROMISE = ("Спасибо, что ждёте", "without an answer", "promise (")


def free_port() -> int:
    """A port nobody listens on now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def closed_today(now: datetime) -> str:
    """WORKING_HOURS with the shop open 09:00-18:00 every day but today: it is after hours now."""
    today = WEEKDAYS[now.astimezone(SHOP_ZONE).weekday()]
    return "; ".join(f"{day} 09:00-18:00" for day in WEEKDAYS if day != today)


def labels(message: Json) -> list[str]:
    """The texts of a message's inline buttons."""
    rows = (message.get("reply_markup") or {}).get("inline_keyboard", [])
    return [button["text"] for row in rows for button in row]


class Day:
    """The emulator's control API, as the walk uses it."""

    def __init__(self, base: str) -> None:
        self.base = base
        self.group = int(call(f"{base}/_emu/state")["group"]["id"])

    def cursor(self) -> int:
        return int(call(f"{self.base}/_emu/state")["seq"])

    def sent(self, chat: int, since: int, thread: int | None = None) -> list[Json]:
        """The bot's messages in a chat written or edited after `since`."""
        where = f"chat_id={chat}&since={since}" + (f"&thread_id={thread}" if thread else "")
        result = call(f"{self.base}/_emu/messages?{where}")
        return [dict(item["message"]) for item in result["messages"] if item["outgoing"]]

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
        """Press a button as `user`; wait for the bot's answer in that chat holding `needle`."""
        since = self.cursor()
        chat = int(message["chat"]["id"])
        body = {"chat_id": chat, "message_id": message["message_id"], "button_text": label}
        call(f"{self.base}/_emu/users/{user}/press", "POST", body)
        return self.wait(user if chat != self.group else chat, since, needle)

    def share_phone(self, user: int, phone: str, needle: str) -> Json:
        """Share a phone number with the contact button; wait for the bot's answer."""
        since = self.cursor()
        call(f"{self.base}/_emu/users/{user}/contact", "POST", {"phone_number": phone})
        return self.wait(user, since, needle)

    def customer(self, name: str, language: str) -> int:
        return add_customer(self.base, name, language)

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


# Scroll a chat so that the last bubble holding a text is at its top; false if there is none.
SCROLL_TO = """([selector, text]) => {
  const box = document.querySelector(selector);
  const hits = [...box.querySelectorAll(".bubble")].filter((b) => b.textContent.includes(text));
  const hit = hits[hits.length - 1];
  if (!hit) return false;
  box.scrollTop += hit.getBoundingClientRect().top - box.getBoundingClientRect().top - 8;
  return true;
}"""


class Camera:
    """The sandbox page open at laptop and phone width, photographed as the day goes on."""

    def __init__(self, browser: Browser, base: str, out: Path) -> None:
        self.out = out
        self.saved: list[Path] = []
        self.pages: dict[str, Page] = {}
        for device, viewport in (("desktop", LAPTOP), ("phone", PHONE)):
            page = browser.new_context(viewport=viewport).new_page()
            page.goto(base + "/")
            self.pages[device] = page

    def shoot(
        self,
        name: str,
        device: str,
        customer: int | None = None,
        topic: str | None = None,
        chat_from: str = "",
        topic_from: str = "",
    ) -> None:
        """Show a customer's chat and (laptop) a topic, or (phone) the topic alone; save it.

        `chat_from` and `topic_from` scroll the chat or the topic so that the last message
        holding that text is at the top, where the picture is about it rather than the end.
        """
        page = self.pages[device]
        # The page long-polls the emulator, so it never goes idle: let it draw the chats,
        # and let the toast of the last button press fade.
        page.wait_for_timeout(3000)
        if device == "phone":  # one pane at a time: the customer's, then the topic's if asked
            page.click("[role=tab][data-pane=customer]")
        if customer is not None:
            page.select_option("#customer-select", str(customer))
        if topic is not None:
            if device == "phone":
                page.click("[role=tab][data-pane=staff]")
            page.locator("#topic-list").get_by_text(topic, exact=True).click()
        page.wait_for_timeout(800)
        for box, text in (("#customer-messages", chat_from), ("#staff-messages", topic_from)):
            # Back to the newest first: the page stops following a chat scrolled up earlier.
            page.evaluate(
                "(s) => { const b = document.querySelector(s); b.scrollTop = b.scrollHeight; }", box
            )
            if text and not page.evaluate(SCROLL_TO, [box, text]):
                raise SandboxError(f"{name}: no message with {text!r} in {box}")
        target = self.out / f"{name}.png"
        page.screenshot(path=str(target))
        self.saved.append(target)


def walk(day: Day, camera: Camera) -> None:
    """A short day in the shop, as customers and staff would have it."""
    maria, ivan = MARIA, IVAN  # the sandbox's demo customers, shown first on its page
    day.say(maria, "/start", "")
    day.say(ivan, "/start", "")
    day.say(maria, "How long does delivery take?", "")
    day.say(ivan, "Сколько идёт доставка?", "")
    # Items 8 and 6: the FAQ names buttons that exist; following them leaves no live keyboard.
    faq = day.say(maria, "My order is late, where is it?", "Delivery problem")
    assert '"Ask a question" → "Delivery problem"' in faq["text"], faq["text"]
    menu = day.say(maria, "❓ Ask a question", "Delivery problem")
    what = day.press(maria, menu, "Delivery problem", "It is late")
    late = day.press(maria, what, "It is late", "Less than 30 minutes")
    day.press(maria, late, "Less than 30 minutes", "")
    pressed = {menu["message_id"], what["message_id"], late["message_id"]}
    faq = day.say(ivan, "Мой заказ опаздывает, где он?", "Проблема с доставкой")
    assert "«Задать вопрос» → «Проблема с доставкой»" in faq["text"], faq["text"]
    menu = day.say(ivan, "❓ Задать вопрос", "Проблема с доставкой")
    what = day.press(ivan, menu, "Проблема с доставкой", "Опаздывает")
    late = day.press(ivan, what, "Опаздывает", "Меньше 30 минут")
    day.press(ivan, late, "Меньше 30 минут", "")
    pressed |= {menu["message_id"], what["message_id"], late["message_id"]}
    settled = [m for m in day.sent(maria, 0) + day.sent(ivan, 0) if m["message_id"] in pressed]
    assert len(settled) == 6 and not any(labels(m) for m in settled), settled
    camera.shoot("faq-buttons", "desktop", customer=maria, chat_from="My order is late")
    camera.shoot("faq-buttons-phone-ru", "phone", customer=ivan, chat_from="Мой заказ")
    camera.shoot("faq-buttons-phone-ru-2", "phone", customer=ivan, chat_from="Задать вопрос")
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
    day.press(ivan, photo, labels(photo)[-1], "Сколько")
    day.say(ivan, "5000", "")
    ivan_topic = day.topic("Иван")
    card = day.wait(day.group, 0, "Approve", thread=ivan_topic)
    approved = day.cursor()
    day.press(STAFF, card, "✅ Approve", "")
    day.wait(ivan, approved, "одобрен")
    approved_at = time.monotonic()
    # Item 11: /canned lists each text's start, and a pick shows the whole text before it goes.
    since = day.cursor()
    day.staff(topic, "/canned")
    picker = day.wait(day.group, since, "Choose an answer", thread=topic)
    camera.shoot(
        "canned-list",
        "desktop",
        customer=maria,
        topic="Maria · 700001",
        topic_from="Choose an answer",
    )
    preview = day.press(STAFF, picker, labels(picker)[0], "Send to the customer")
    camera.shoot("canned-preview", "desktop", customer=maria, topic="Maria · 700001")
    camera.shoot("canned-preview-phone", "phone", topic="Maria · 700001")
    since = day.cursor()
    day.press(STAFF, preview, "✅ Send to the customer", "")
    day.wait(maria, since, "")
    since = day.cursor()
    day.staff(ivan_topic, "/canned")
    picker = day.wait(day.group, since, "Choose an answer", thread=ivan_topic)
    preview = day.press(STAFF, picker, labels(picker)[0], "Send to the customer")
    camera.shoot("canned-preview-ru", "desktop", customer=ivan, topic="Иван · 700002")
    since = day.cursor()
    day.press(STAFF, preview, "✅ Send to the customer", "")
    day.wait(ivan, since, "")
    # Item 5: a complaint each, taken in hand; /resolve will say what became of it.
    for user, thread, words in (
        (maria, topic, ("📝 Make a complaint", "The courier threw the box over the fence.")),
        (ivan, ivan_topic, ("📝 Пожаловаться", "Курьер бросил коробку через забор.")),
    ):
        day.say(user, words[0], "")
        ask = day.say(user, words[1], "")
        since = day.cursor()
        day.press(user, ask, labels(ask)[0], "C-")
        card = day.wait(day.group, since, "In progress", thread=thread)
        day.press(STAFF, card, "🔧 In progress", "")
    # Item 3: an abusive customer in each language; staff see the words, marked, in the topic.
    tom = ""
    for name, language, insult, after in (
        ("Tom", "en", "you are all f.u.c.k.i.n.g idiots", "hello? anyone?"),
        ("Пётр", "ru", "вы все тупые идиоты", "алло, есть кто?"),
    ):
        user = day.customer(name, language)
        day.say(user, "/start", "")
        day.say(user, "👤 Talk to a person" if language == "en" else "👤 Позвать сотрудника", "")
        since = day.cursor()
        day.say(user, insult, "")
        alert = day.wait(MANAGER, since, "was abusive")
        assert f"/c/{str(day.group)[4:]}/" in alert["text"], alert["text"]
        thread = day.topic(f"{name} · {user}")
        tom = tom or f"{name} · {user}"
        day.wait(day.group, since, "Closed as abusive", thread=thread)
        since = day.cursor()
        day.say(user, after, None)
        marked = day.wait(day.group, since, after, thread=thread)
        assert marked["text"].startswith("🚫 Closed as abusive, not relayed"), marked["text"]
        if language == "en":
            camera.shoot("abusive", "desktop", customer=user, topic=f"{name} · {user}")
        else:
            camera.shoot("abusive-phone-ru", "phone", customer=user)
    camera.shoot("abusive-manager", "desktop", customer=MANAGER, topic=tom)
    # Item 2: the approved return answered Иван; past the promise nobody is told it broke.
    time.sleep(max(0.0, approved_at + PAST_THE_PROMISE - time.monotonic()))
    broken = [
        m["text"]
        for chat, thread in ((ivan, None), (MANAGER, None), (day.group, ivan_topic))
        for m in day.sent(chat, approved, thread)
        if any(word in (m.get("text") or "") for word in BROKEN_PROMISE)
    ]
    assert broken == [], broken
    camera.shoot("approved-return-phone-ru", "phone", customer=ivan, chat_from="одобрен")
    camera.shoot(
        "approved-return",
        "desktop",
        customer=MANAGER,
        topic="Иван · 700002",
        topic_from="— approved",
    )
    # Maria's matter is done: /resolve, a rating and a comment.
    since = day.cursor()
    day.staff(topic, "/resolve")
    done = day.wait(day.group, since, "Resolved", thread=topic)
    assert "complaint C-" in done["text"], done["text"]
    ask = day.wait(maria, since, "How did we do?")
    camera.shoot(
        "resolve-complaint",
        "desktop",
        customer=maria,
        topic="Maria · 700001",
        chat_from="is now: in progress",
        topic_from="Complaint C-",
    )
    day.press(maria, ask, "4 ⭐", "comment")
    day.say(maria, "Quick and kind, thank you", "passed on")
    since = day.cursor()
    day.staff(ivan_topic, "/resolve")
    day.wait(ivan, since, "⭐")
    camera.shoot("resolve-complaint-phone-ru", "phone", customer=ivan)
    camera.shoot("sandbox", "desktop", customer=maria, topic="Maria · 700001")
    camera.shoot("sandbox-phone", "phone", customer=maria)


def after_hours(day: Day, camera: Camera) -> None:
    """Item 1 (and 7): callbacks asked for after hours are confirmed once, naming when."""
    day.say(MARIA, "/start", "")
    day.say(IVAN, "/start", "")
    ask = day.say(MARIA, "📞 Request a callback", "")
    assert (ask.get("reply_markup") or {}).get("keyboard"), ask
    told = day.share_phone(MARIA, "+79001234567", "by ")
    assert "share your phone" not in told["text"], told["text"]
    promise = day.say(IVAN, "👤 Позвать сотрудника", "не позднее")
    told = day.share_phone(IVAN, "+79007654321", "не позднее")
    # Item 7: the day of the week in the genitive, then the date: «понедельника, 7 декабря».
    assert re.search(r"не позднее \w+а, \d+ \w+", told["text"]), told["text"]
    assert promise["message_id"] != told["message_id"]
    for user in (MARIA, IVAN):
        asks = [m for m in day.sent(user, 0) if "keyboard" in (m.get("reply_markup") or {})]
        last = asks[-1]["reply_markup"]["keyboard"]
        assert not any(b.get("request_contact") for row in last for b in row), last
    camera.shoot(
        "after-hours",
        "desktop",
        customer=MARIA,
        topic="Maria · 700001",
        chat_from="Request a callback",
    )
    camera.shoot("after-hours-phone", "phone", customer=MARIA, chat_from="Request a callback")
    camera.shoot("after-hours-ru", "desktop", customer=IVAN, topic="Иван · 700002")
    camera.shoot("after-hours-phone-ru", "phone", customer=IVAN)


def photograph_console(day: Day, browser: Browser, out: Path) -> list[Path]:
    """Sign Boris in and save every console page at both widths in both languages."""
    saved: list[Path] = []
    for lang in ("en", "ru"):
        suffix = "" if lang == "en" else "-ru"
        for device, viewport in (("desktop", LAPTOP), ("phone", PHONE)):
            since = day.cursor()
            call(f"{day.base}/_emu/users/{MANAGER}/text", "POST", {"text": "/console"})
            found = LINK.search(day.wait(MANAGER, since, "/login?t=").get("text") or "")
            assert found is not None
            locale = "ru-RU" if lang == "ru" else "en-GB"  # the date inputs follow it
            context = browser.new_context(viewport=viewport, locale=locale)
            page = context.new_page()
            page.goto(found.group(0))
            page.click("#sign-in")
            page.wait_for_url("**/conversations")
            page.goto(page.url.replace("/conversations", f"/language/{lang}"))
            console = page.url.split("/conversations")[0]
            # Maria's resolved conversation: the one with the person, the note and the rating.
            first = page.locator("ol.conversations a.conv:has(.status-resolved)").filter(
                has_text="Maria"
            )
            transcript = first.first.get_attribute("href")
            abusive = page.locator("ol.conversations a.conv").filter(
                has_text="Tom" if lang == "en" else "Пётр"
            )
            abusive_transcript = abusive.first.get_attribute("href")
            for name, path, full in (
                ("conversations", "/conversations", False),
                ("transcript", transcript, True),
                ("transcript-abusive", abusive_transcript, True),
                ("tickets", "/tickets", False),
                ("figures", "/figures", True),
                ("bad-parameter", "/figures?from=2026-12-06&to=2026-12-01", False),
            ):
                if name == "bad-parameter" and device == "phone":
                    continue
                page.goto(console + str(path))
                page.wait_for_load_state("networkidle")
                target = out / f"{name}-{device}{suffix}.png"
                page.screenshot(path=str(target), full_page=full)
                saved.append(target)
            context.close()
    return saved


def run_sandbox(folder: Path, working_hours: str, scene: Callable[[Day], list[Path]]) -> list[Path]:
    """Start the real sandbox in `folder` with these hours, play a scene against it, stop it."""
    port, console_port = free_port(), free_port()
    env = {
        **os.environ,
        "WORKING_HOURS": working_hours,
        "CONTENT_DIR": str(ROOT / "content"),
        "CONSOLE_PORT": str(console_port),
        "PYTHONPATH": str(ROOT),
    }
    for name in ("DATABASE_URL", "REDIS_URL", "CONSOLE_SECRET"):
        env.pop(name, None)
    folder.mkdir()
    log = open(folder / "sandbox.log", "w")  # noqa: SIM115 - closed below
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
        return scene(Day(base))
    except Exception:
        log.flush()
        print((folder / "sandbox.log").read_text()[-3000:], file=sys.stderr)
        raise
    finally:
        process.terminate()
        process.wait(timeout=20)
        log.close()


def main(argv: list[str] | None = None) -> int:
    """Run the sandbox for a day and again after hours, walk them, save the pictures."""
    from playwright.sync_api import sync_playwright

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=ROOT / "docs" / "screenshots")
    args = parser.parse_args(argv)
    args.out.mkdir(parents=True, exist_ok=True)
    chromium = os.environ.get("CHROMIUM", "/usr/bin/chromium")
    with tempfile.TemporaryDirectory() as folder, sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=chromium, args=ARGS)

        def day_scene(day: Day) -> list[Path]:
            camera = Camera(browser, day.base, args.out)
            walk(day, camera)
            return camera.saved + photograph_console(day, browser, args.out)

        def evening_scene(day: Day) -> list[Path]:
            camera = Camera(browser, day.base, args.out)
            after_hours(day, camera)
            return camera.saved

        saved = run_sandbox(Path(folder) / "day", "mon-sun 00:00-24:00", day_scene)
        evening = closed_today(datetime.now(UTC))
        saved += run_sandbox(Path(folder) / "evening", evening, evening_scene)
        browser.close()
    shrink(saved)
    for path in saved:
        print(path.relative_to(ROOT) if path.is_relative_to(ROOT) else path)
    return 0


def shrink(paths: list[Path]) -> None:
    """Quantise the PNGs with pngquant when it is installed: a third of the size, text sharp."""
    pngquant = shutil.which("pngquant")
    if pngquant is None:
        print("pngquant not found: the pictures stay full size", file=sys.stderr)
        return
    for path in paths:
        # Exit 98/99: the result would not be smaller or good enough, so the original stays.
        subprocess.run(
            [pngquant, "--quality", "70-95", "--speed", "1", "--force", "--ext", ".png", str(path)],
            check=False,
        )


if __name__ == "__main__":
    raise SystemExit(main())
