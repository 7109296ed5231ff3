"""Every console route and parameter, with hostile values: a clear 400, never a 500."""

from __future__ import annotations

from urllib.parse import quote

import pytest

from tests.console.conftest import sign_in
from tests.console.world import World

HUGE = "9" * 23
PAST_INT32 = str(2**31)
PAST_INT64 = str(2**63)
NUMBERS = [HUGE, PAST_INT32, "0", "²", "٣", "-1", "--5", "1_0", " 7", "1e3", "0x10"]
DAYS = [
    "9999-12-31",
    "0001-01-01",
    "2026-02-30",
    "2026-1-1",
    "２０２６-01-01",
    "20261122",
    "2026-W01-1",
    HUGE,
    "-5",
]
TELEGRAM_IDS = [HUGE, PAST_INT64, "--5", "²", "٣", "1_0", "-", "12a"]
LISTS = ("/conversations", "/tickets", "/figures", "/export/messages.csv")


def cases() -> list[tuple[str, str]]:
    """(path, the parameter it must name in its answer)."""
    found: list[tuple[str, str]] = []
    for value in NUMBERS:
        v = quote(value)
        found += [
            (f"/conversations/{v}", "conversation"),
            (f"/media/message/{v}/0", "message"),
            (f"/media/ticket/{v}/0", "ticket"),
            (f"/tickets?after={v}", "after"),
            (f"/conversations?after=m{v}", "after"),
            (f"/conversations?q=bread&after=m{v}", "after"),
            (f"/conversations?after=o1764000000000000.{v}", "after"),
        ]
        if value not in ("0", PAST_INT32):  # microseconds since 1970: those are fine
            found.append((f"/conversations?after=o{v}.1", "after"))
        if value != "0":  # files count from 0
            found.append((f"/media/message/1/{v}", "file"))
    for value in TELEGRAM_IDS:
        for path in ("/conversations", "/export/conversations.csv", "/export/tickets.json"):
            found += [
                (f"{path}?customer={quote(value)}", "customer"),
                (f"{path}?staff={quote(value)}", "staff"),
            ]
    for value in DAYS:
        for path in LISTS:
            for name in ("from", "to"):
                found.append((f"{path}?{name}={quote(value)}", name))
    for path in ("/conversations", "/export/messages.json", "/export/tickets.csv"):
        found += [(f"{path}?status=%00", "status"), (f"{path}?lang=xx", "lang")]
    found += [("/tickets?kind=refund", "kind"), ("/tickets?status=%C2%B2", "status")]
    found += [
        ("/figures?from=2026-12-06&to=2026-12-01", "to"),
        ("/figures?from=2020-01-01&to=2026-12-01", "from"),
        ("/conversations?customer=anna", "customer"),
    ]
    return found


@pytest.fixture
async def signed_in(client, world: World):
    await sign_in(client)
    return client


async def test_every_hostile_parameter_is_a_clear_400(signed_in) -> None:
    failures = []
    for path, name in cases():
        response = await signed_in.get(path, allow_redirects=False)
        body = await response.text()
        if response.status != 400 or f"{name}: " not in body:  # the answer names the parameter
            failures.append((path, response.status, body[-300:]))
        # An export that fails does so before its stream starts: no attachment, no CSV.
        assert "attachment" not in response.headers.get("Content-Disposition", ""), path
    assert failures == [], failures[:5]


async def test_the_answer_follows_the_pages_language(signed_in) -> None:
    """A manager reading the console in Russian is told what was wrong in Russian."""
    switched = await signed_in.get("/language/ru", allow_redirects=False)
    assert switched.status == 303
    english = ("expected", "got ", "the end date", "choose at most", "not a page link")
    failures = []
    for path, name in cases():
        response = await signed_in.get(path, allow_redirects=False)
        body = await response.text()
        said = body.split("Проверьте фильтры")[-1]
        if (
            response.status != 400
            or f"{name}: " not in said
            or not any(word in said for word in ("ожида", "получено", "раньше", "не больше"))
            or any(word in said for word in english)
        ):
            failures.append((path, response.status, said[:300]))
    assert failures == [], failures[:5]


async def test_good_values_at_the_edges_still_work(signed_in, world: World) -> None:
    for path in (
        f"/conversations/{2**31 - 1}",  # the last id there can be: just not found
        f"/media/message/{2**31 - 1}/0",
    ):
        assert (await signed_in.get(path)).status == 404, path
    for path in (
        f"/conversations?customer={2**63 - 1}",
        f"/conversations?staff=-{2**63 - 1}",
        "/conversations?from=2000-01-01&to=2199-12-31",
        "/tickets?from=2000-01-01&to=2199-12-31",
        f"/tickets?after={2**31 - 1}",
        "/figures?from=2199-12-01&to=2199-12-31",
        "/conversations?customer=r-000001",
        f"/conversations?after=m{2**31 - 1}&q=bread",
    ):
        response = await signed_in.get(path)
        assert response.status == 200, (path, await response.text())
    response = await signed_in.get("/export/conversations.csv?to=2199-12-31")
    assert response.status == 200 and (await response.read()).startswith(b"\xef\xbb\xbf")


async def test_a_hostile_sign_in_token_is_refused_politely(client, world: World) -> None:
    for token in ("x" * 5000, "²", "..", "%00", HUGE):
        page = await client.get(f"/login?t={quote(token)}")
        posted = await client.post("/login", data={"t": token}, allow_redirects=False)
        assert (page.status, posted.status) == (403, 403), token
        assert "sign-in link is not valid" in await posted.text()
