"""The console's pages through the real aiohttp app: list, filters, search, transcript."""

from __future__ import annotations

import pytest

from tests.console.conftest import sign_in
from tests.console.world import World


@pytest.fixture
async def signed_in(client, world: World):
    await sign_in(client)
    return client


async def test_smoke_every_page(signed_in, world: World) -> None:
    for path in ("/conversations", f"/conversations/{world.answered}", "/tickets", "/figures"):
        response = await signed_in.get(path)
        assert response.status == 200, (path, await response.text())


@pytest.mark.parametrize(
    "back",
    ["//evil.example", "https://evil.example/", "/\\evil.example", "/\t/evil.example", "", "x"],
)
async def test_the_language_switch_goes_back_only_within_the_console(client, back: str) -> None:
    response = await client.get("/language/ru", params={"next": back}, allow_redirects=False)
    assert response.status == 303
    assert response.headers["Location"] == "/conversations"
    assert "console_lang=ru" in response.headers["Set-Cookie"]


async def test_the_language_switch_keeps_the_page_and_its_query(signed_in) -> None:
    response = await signed_in.get(
        "/language/ru", params={"next": "/figures?from=2026-11-12"}, allow_redirects=False
    )
    assert response.headers["Location"] == "/figures?from=2026-11-12"
    page = await signed_in.get("/figures?from=2026-11-12")
    text = await page.text()
    assert '<html lang="ru">' in text and "Показатели поддержки" in text
    assert "12 нояб. 2026" in text  # Babel's Russian dates
    unknown = await signed_in.get("/language/de", allow_redirects=False)
    assert unknown.status == 404


async def test_a_missing_conversation_is_a_page_in_the_managers_language(signed_in) -> None:
    await signed_in.get("/language/ru", allow_redirects=False)
    response = await signed_in.get("/conversations/999999")
    assert response.status == 404
    assert "Такого диалога нет." in await response.text()


@pytest.mark.parametrize(
    ("path", "english", "russian"),
    [
        ("/no-such-page", "There is no such page.", "Такой страницы нет."),
        ("/export/bogus.csv", "There is no such export.", "Такой выгрузки нет."),
        ("/media/message/999999/0", "There is no such file", "Такого файла нет"),
        ("/language/de", "English and Russian only", "только по-русски и по-английски"),
    ],
)
async def test_every_404_is_a_page_in_the_managers_language(
    signed_in, path: str, english: str, russian: str
) -> None:
    response = await signed_in.get(path, allow_redirects=False)
    assert response.status == 404
    text = await response.text()
    assert english in text and "<html" in text
    assert response.headers["X-Frame-Options"] == "DENY"  # still behind the security headers
    await signed_in.get("/language/ru", allow_redirects=False)
    response = await signed_in.get(path, allow_redirects=False)
    assert response.status == 404
    assert russian in await response.text()


async def test_sums_are_written_as_each_language_writes_money(signed_in) -> None:
    english = await (await signed_in.get("/tickets")).text()
    assert "1,290.00\xa0RUB" in english and "1290.00 RUB" not in english
    await signed_in.get("/language/ru", allow_redirects=False)
    russian = await (await signed_in.get("/tickets")).text()
    assert "1\xa0290,00\xa0₽" in russian
