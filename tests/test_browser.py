"""digest.html in a real browser: headless Chromium (Debian's package) driven by Playwright.

Skipped, with the reason, only where the browser or Playwright is missing. Set
PIPELINE_SCREENSHOT=docs/digest.png to keep the screenshot the README shows.
"""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path
from typing import Any

import pytest

CHROMIUM = Path(os.environ.get("PIPELINE_CHROMIUM", "/usr/bin/chromium"))
ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]

sync_api = pytest.importorskip("playwright.sync_api", reason="Playwright for Python is not installed (test extra)")
pytestmark = pytest.mark.skipif(not CHROMIUM.is_file(), reason=f"no browser at {CHROMIUM}: apt-get install -y chromium")


@pytest.fixture(scope="module")
def browser(tmp_path_factory: pytest.TempPathFactory):
    with sync_api.sync_playwright() as playwright:
        context = playwright.chromium.launch_persistent_context(
            str(tmp_path_factory.mktemp("chromium-profile")),
            executable_path=str(CHROMIUM),
            args=ARGS,
            headless=True,
            viewport={"width": 1280, "height": 800},
        )
        # The page must need nothing from the network: any request but the file itself fails the test.
        requests: list[str] = []
        context.on("request", lambda request: requests.append(request.url))
        yield context, requests
        context.close()


@pytest.fixture
def page(browser, seed_run):
    context, requests = browser
    requests.clear()
    tab = context.new_page()
    errors: list[str] = []
    tab.on("pageerror", lambda error: errors.append(str(error)))
    url = (seed_run.run_dir / "digest.html").as_uri()
    tab.goto(url)
    yield tab
    tab.close()
    assert not errors, errors
    assert set(requests) <= {url}, requests


@pytest.fixture(scope="module")
def digest(seed_run) -> dict[str, Any]:
    return json.loads((seed_run.run_dir / "digest.json").read_text(encoding="utf-8"))


def last_day(date: str) -> str:
    return {4: f"{date}-12-31", 7: f"{date}-31"}.get(len(date), date)


def cited(digest: dict[str, Any]) -> list[dict[str, Any]]:
    return [c for e in digest["events"] for s in e["summary"] for c in s["citations"]]


def test_clicking_a_citation_shows_the_french_span_highlighted(page, digest):
    citations = cited(digest)
    for number in (1, len(citations)):  # the first and the last
        page.locator("button.cite").nth(number - 1).click()
        viewer = page.locator("#viewer")
        assert viewer.is_visible()
        citation = citations[number - 1]
        assert viewer.locator("mark").inner_text() == citation["source_text"]
        assert viewer.locator("mark").evaluate("m => getComputedStyle(m).backgroundColor") != "rgba(0, 0, 0, 0)"
        context = citation["context"]
        assert viewer.locator(".original").text_content() == (
            "French original" + context["before"] + citation["source_text"] + context["after"]
        )
        english = " ".join(viewer.locator(".translation").inner_text().split())
        assert " ".join(citation["translation"].split()) in english
        viewer.locator(".close").click()
        assert not viewer.is_visible()


def test_keyboard_opens_a_citation_and_escape_closes_it(page, digest):
    first = page.locator("button.cite").first
    first.focus()
    page.keyboard.press("Enter")
    viewer = page.locator("#viewer")
    assert viewer.is_visible() and first.get_attribute("aria-expanded") == "true"
    assert viewer.locator("mark").inner_text() == cited(digest)[0]["source_text"]
    page.keyboard.press("Escape")
    assert not viewer.is_visible()
    assert page.evaluate("document.activeElement.getAttribute('aria-controls')") == first.get_attribute("aria-controls")
    # Tab reaches the citations: the filters first, then the buttons, all in page order.
    page.locator("#from").focus()
    for _ in range(40):
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement.classList.contains('cite')"):
            assert page.evaluate("getComputedStyle(document.activeElement).outlineStyle") == "solid"  # focus shows
            break
    else:
        pytest.fail("Tab never reached a citation button")


def test_filters_by_outlet_and_date(page, digest):
    events = page.locator("li.event")
    dated = [e for e in digest["events"] if e["date"] and not e["background"]]
    assert events.count() == len(digest["events"]) and len(dated) >= 2
    assert all(events.nth(i).is_visible() for i in range(events.count()))

    def shown() -> list[str]:
        return [e["event_id"] for e in digest["events"] if page.locator(f"#event-{e['event_id']}").is_visible()]

    middle = sorted(e["date"] for e in dated)[len(dated) // 2]
    bound = (middle + "-01-01")[:10]
    page.fill("#from", bound)
    assert shown() == [e["event_id"] for e in dated if last_day(e["date"]) >= bound]
    page.fill("#from", "")
    page.fill("#to", bound)
    assert shown() == [e["event_id"] for e in dated if (e["date"] + "-01-01")[:10] <= bound]
    page.fill("#to", "")
    assert all(events.nth(i).is_visible() for i in range(events.count()))  # undated come back

    page.locator("#filters summary").click()  # the outlet list is folded
    boxes = page.locator("input[name=outlet]")
    for i in range(1, boxes.count()):
        boxes.nth(i).uncheck()
    kept = boxes.nth(0).get_attribute("value")
    for sentence in page.locator(".summary > li").all():
        assert sentence.is_visible() == (kept in (sentence.get_attribute("data-outlets") or "").split())
    assert "of" in page.locator("#shown").inner_text()


def test_print_shows_every_citation_expanded(page, digest):
    page.emulate_media(media="print")
    panels = page.locator(".cite-detail")
    assert panels.count() == len(cited(digest))
    assert all(panels.nth(i).is_visible() for i in range(panels.count()))
    assert not page.locator("#filters").is_visible()


def test_screenshot(page, tmp_path: Path):
    page.locator("button.cite").first.click()
    shot = tmp_path / "digest.png"
    page.screenshot(path=str(shot))
    data = shot.read_bytes()
    assert data.startswith(b"\x89PNG\r\n\x1a\n") and len(data) > 10_000
    if os.environ.get("PIPELINE_SCREENSHOT"):
        shutil.copy(shot, os.environ["PIPELINE_SCREENSHOT"])
