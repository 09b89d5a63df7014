"""The embeddable widget in Debian's chromium (Playwright): the example portal page and a
portal on another origin (CORS, strict CSP) open the widget, ask, and show the quoted answer
with its citation; hostile markup stays text; a portal that is not allowed gets a clear
message; the thumbs under an answer store its rating and comment."""

from __future__ import annotations

import functools
import http.server
import threading
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from assistant.api import create_app

from .axe import axe_violations
from .live_servers import ARTIFACTS, free_port, serve_app

pytestmark = pytest.mark.browser
CHROMIUM = "/usr/bin/chromium"
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--disable-sync", "--no-first-run"]
QUESTION = "What is Herceptin used for?"
HOST = "document.querySelector('[data-stage4-assistant]').shadowRoot"

PORTAL_PAGE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Another charity's portal</title>
<link rel="icon" href="data:,">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; script-src {api};
 connect-src {api}; style-src 'none'; img-src data:; base-uri 'none'">
</head><body><h1>Another charity's support portal</h1><p>Served from its own origin.</p>
<script src="{api}/widget.js" data-title="Ask our treatment assistant" data-position="left"
 defer></script></body></html>
"""


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: object) -> None:  # noqa: A002
        pass


@pytest.fixture(scope="module")
def portal_ports() -> tuple[int, int]:
    """(allowed portal port, portal port that is not on the CORS allowlist)."""
    return free_port(), free_port()


@pytest.fixture(scope="module")
def api(assistant, settings, portal_ports: tuple[int, int]) -> Iterator[str]:  # noqa: ANN001
    allowed = settings.model_copy(update={
        "cors_origins": f"http://127.0.0.1:{portal_ports[0]}", "rate_limit": "1000/minute"})
    with serve_app(create_app(assistant, allowed, mount_ui=False)) as url:
        yield url


def static_site(root: Path, port: int) -> Iterator[str]:
    handler = functools.partial(_QuietHandler, directory=str(root))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", port), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.shutdown()
        server.server_close()


@pytest.fixture(scope="module")
def portals(api: str, portal_ports: tuple[int, int], tmp_path_factory) -> Iterator[list[str]]:  # noqa: ANN001
    """Two portals on other origins embedding the widget: allowed, then not allowed."""
    root = tmp_path_factory.mktemp("portal")
    (root / "index.html").write_text(PORTAL_PAGE.format(api=api), encoding="utf-8")
    sites = [static_site(root, port) for port in portal_ports]
    try:
        yield [next(site) for site in sites]
    finally:
        for site in sites:
            site.close()


@pytest.fixture(scope="module")
def browser() -> Iterator[object]:
    if not Path(CHROMIUM).exists():
        pytest.fail(f"{CHROMIUM} is missing: apt-get install -y chromium (see the Makefile)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        yield chromium
        chromium.close()


@pytest.fixture
def page(browser) -> Iterator[object]:  # noqa: ANN001
    context = browser.new_context(viewport={"width": 1100, "height": 820})
    page = context.new_page()
    page.problems = []  # console errors and uncaught exceptions
    page.on("console", lambda m: page.problems.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: page.problems.append(str(e)))
    yield page
    context.close()


def ask_in_widget(page, question: str) -> None:  # noqa: ANN001
    page.locator("button.launcher").focus()
    page.keyboard.press("Enter")  # keyboard only: open, type, send
    assert page.evaluate(f"{HOST}.activeElement.tagName") == "TEXTAREA"
    page.keyboard.type(question)
    page.keyboard.press("Enter")


def expected_answer(api: str, question: str) -> dict:
    return httpx.post(f"{api}/api/v1/ask", json={"question": question}).json()


def test_example_page_widget_shows_the_quoted_answer_and_citation(page, api: str) -> None:  # noqa: ANN001
    page.goto(f"{api}/portal-example.html")
    launcher = page.locator("button.launcher")
    assert launcher.get_attribute("aria-expanded") == "false"
    ask_in_widget(page, QUESTION)
    assert launcher.get_attribute("aria-expanded") == "true"
    quote = page.locator("figure blockquote").first
    quote.wait_for(timeout=20_000)
    expected = expected_answer(api, QUESTION)["quotes"][0]
    assert quote.inner_text().strip() == expected["text"]
    cite = page.locator("figcaption cite").first
    assert cite.inner_text() == expected["citation"]
    assert "Targeted therapy" in cite.inner_text()
    assert cite.locator("a").get_attribute("href") == expected["url"]
    reply = page.locator(".msg.bot").first.inner_text()
    assert "healthcare team" in reply
    assert page.locator(".msg.user").first.inner_text() == QUESTION
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "widget-example-page.png"))
    page.keyboard.press("Escape")  # closes, and the focus goes back to the launcher
    assert page.locator("section.panel").is_hidden()
    assert page.evaluate(f"{HOST}.activeElement.className") == "launcher"
    assert page.problems == []


def test_widget_on_another_origin_answers_a_follow_up(page, portals: list[str],  # noqa: ANN001
                                                      api: str) -> None:
    page.goto(f"{portals[0]}/index.html")
    ask_in_widget(page, QUESTION)
    page.locator("figure blockquote").first.wait_for(timeout=20_000)
    page.keyboard.type("and when is it given alone?")
    page.keyboard.press("Enter")
    page.locator(".msg.bot").nth(1).wait_for(timeout=20_000)
    assert "given by itself" in page.locator(".msg.bot").nth(1).inner_text()
    assert page.locator("h2").inner_text() == "Ask our treatment assistant"
    page.screenshot(path=str(ARTIFACTS / "widget-other-origin.png"))
    assert page.problems == []  # no CSP violation, no CORS error


HOSTILE = ('<img src=x onerror="window.__pwned=1"><script>window.__pwned=2</script>'
           "**what** is [chemo](javascript:window.__pwned=3)?")


def test_hostile_markup_stays_text_in_the_widget(page, portals: list[str]) -> None:  # noqa: ANN001
    page.goto(f"{portals[0]}/index.html")
    ask_in_widget(page, HOSTILE)
    page.locator(".msg.bot, .msg.error").first.wait_for(timeout=20_000)
    assert page.locator(".msg.user").first.inner_text() == HOSTILE
    counts = page.evaluate(f"""() => ({{
        img: {HOST}.querySelectorAll('img').length,
        script: {HOST}.querySelectorAll('script').length,
        js: [...{HOST}.querySelectorAll('a')].filter(a => !/^https?:/.test(a.href)).length,
        pwned: window.__pwned === undefined ? 0 : 1 }})""")
    assert counts == {"img": 0, "script": 0, "js": 0, "pwned": 0}


def test_a_portal_not_on_the_allowlist_gets_a_clear_message(page, portals: list[str]) -> None:  # noqa: ANN001
    page.goto(f"{portals[1]}/index.html")
    ask_in_widget(page, QUESTION)
    error = page.locator(".msg.error")
    error.wait_for(timeout=20_000)
    assert "cannot be reached" in error.inner_text()
    assert error.get_attribute("role") == "alert"
    assert page.locator("figure blockquote").count() == 0


LONG_STORY = ("Let me start from the beginning so you understand what happened. " * 32
              + "Anyway she is on paclitaxel and tonight she has a fever of 38.9 and chills.")


@pytest.mark.parametrize("viewport", [{"width": 390, "height": 844},
                                      {"width": 1280, "height": 900}], ids=["phone", "desktop"])
def test_a_pasted_long_story_is_sent_whole_and_urgent_care_stays_in_view(
        browser, api: str, viewport: dict) -> None:  # noqa: ANN001
    context = browser.new_context(viewport=viewport)
    page = context.new_page()
    try:
        page.goto(f"{api}/portal-example.html")
        page.locator("button.launcher").click()
        box = page.locator("textarea")
        box.fill(LONG_STORY)  # a paste: nothing is cut
        assert box.input_value() == LONG_STORY
        box.press("Enter")
        urgent = page.locator(".urgent")
        urgent.wait_for(state="visible", timeout=20_000)
        assert "emergency" in urgent.inner_text().lower()
        assert urgent.get_attribute("role") == "alert"
        assert "too long" in page.locator(".msg.bot").last.inner_text()
        assert page.locator(".msg.user").first.inner_text() == LONG_STORY
        top = urgent.bounding_box()
        assert top and 0 <= top["y"] and top["y"] + top["height"] <= viewport["height"]
        page.screenshot(path=str(ARTIFACTS / f"widget-emergency-{viewport['width']}.png"))
        # a next question does not take it away; Dismiss does
        page.locator("textarea").fill(QUESTION)
        page.locator("textarea").press("Enter")
        page.locator("figure blockquote").first.wait_for(timeout=20_000)
        assert urgent.is_visible()
        dismiss = page.get_by_role("button", name="Dismiss the urgent message")
        size = dismiss.bounding_box()
        assert size and size["height"] >= 44 and size["width"] >= 44
        dismiss.click()
        assert urgent.is_hidden()
    finally:
        context.close()


PHONE, DESKTOP = {"width": 390, "height": 844}, {"width": 1280, "height": 900}


def widget_page(browser, api: str, viewport: dict):  # noqa: ANN001, ANN201
    # bypass_csp: the example page's strict policy would refuse the injected axe-core script
    context = browser.new_context(viewport=viewport, bypass_csp=True)
    page = context.new_page()
    page.goto(f"{api}/portal-example.html")
    return context, page


def ask_and_wait(page, question: str) -> None:  # noqa: ANN001
    before = page.locator(".msg.bot").count()
    page.locator("textarea").fill(question)
    page.locator("textarea").press("Enter")
    page.locator(".msg.bot").nth(before).wait_for(timeout=20_000)


@pytest.mark.parametrize("viewport", [PHONE, DESKTOP], ids=["phone", "desktop"])
def test_axe_finds_no_violations_on_the_example_portal_and_widget(
        browser, api: str, viewport: dict) -> None:  # noqa: ANN001
    context, page = widget_page(browser, api, viewport)
    try:
        assert axe_violations(page) == []  # the portal with the launcher
        page.locator("button.launcher").click()
        ask_and_wait(page, "What is Herceptin and when is it given alone?")
        assert axe_violations(page) == []  # the open panel with a quoted answer
        ask_and_wait(page, "I have chest pain and can't breathe")
        page.locator(".urgent").wait_for(state="visible")
        assert axe_violations(page) == []  # and the urgent message
    finally:
        context.close()


@pytest.mark.parametrize("viewport", [PHONE, DESKTOP], ids=["phone", "desktop"])
def test_a_new_answer_in_the_widget_is_shown_from_its_start(
        browser, api: str, viewport: dict) -> None:  # noqa: ANN001
    context, page = widget_page(browser, api, viewport)
    try:
        page.locator("button.launcher").click()
        ask_and_wait(page, QUESTION)
        ask_and_wait(page, "What are the treatment options for stage 4 breast cancer?")
        log = page.locator(".log").bounding_box()
        question = page.locator(".msg.user").last.bounding_box()
        answer = page.locator(".msg.bot").last.bounding_box()
        assert log and question and answer
        assert answer["height"] > log["height"], "the answer should be longer than the log"
        assert log["y"] <= question["y"] <= log["y"] + 40, (log, question)
        assert answer["y"] + 60 <= log["y"] + log["height"], (log, answer)
        assert 0 <= question["y"] and answer["y"] + 60 <= viewport["height"]
        page.screenshot(path=str(ARTIFACTS / f"widget-answer-start-{viewport['width']}.png"))
    finally:
        context.close()


def test_widget_replies_carry_their_language_and_label_each_part(browser, api: str) -> None:  # noqa: ANN001
    context, page = widget_page(browser, api, PHONE)
    try:
        launcher = page.locator("button.launcher")
        assert launcher.get_attribute("aria-label") is None  # its words are its name
        launcher.click()
        ask_and_wait(page, "Qu'est-ce que le trastuzumab (Herceptin) ?")
        reply = page.locator(".msg.bot").last
        assert reply.get_attribute("lang") == "fr"
        assert reply.locator("figure").first.get_attribute("lang") == "en"
        ask_and_wait(page, "What is Herceptin and when is it given alone?")
        reply = page.locator(".msg.bot").last
        assert reply.get_attribute("lang") == "en"
        labels = [t.strip() for t in reply.locator("p > strong").all_inner_texts()]
        assert labels[:2] == ["What is Herceptin", "when is it given alone?"], labels
        # each quote with its place in the page right under it
        caption = reply.locator("figure figcaption cite").first.inner_text()
        assert "Targeted therapy" in caption
    finally:
        context.close()


@pytest.mark.parametrize("viewport", [PHONE, DESKTOP], ids=["phone", "desktop"])
def test_a_thumb_under_an_answer_stores_the_rating_and_the_comment(
        browser, api: str, settings, viewport: dict) -> None:  # noqa: ANN001
    from assistant.feedback import FeedbackStore

    context, page = widget_page(browser, api, viewport)
    try:
        page.locator("button.launcher").click()
        ask_and_wait(page, QUESTION)
        answer_id = page.locator(".msg.bot").last.get_attribute("data-answer-id")
        assert answer_id and len(answer_id) == 32
        bar = page.locator(f".rate[data-answer-id='{answer_id}']")
        helpful = bar.get_by_role("button", name="Helpful", exact=True)
        not_helpful = bar.get_by_role("button", name="Not helpful", exact=True)
        for thumb in (helpful, not_helpful):
            size = thumb.bounding_box()
            assert size and size["height"] >= 44 and size["width"] >= 44
        helpful.click()
        status = bar.get_by_role("status")
        status.filter(has_text="rating was saved").wait_for(timeout=10_000)
        assert helpful.get_attribute("aria-pressed") == "true"
        store = FeedbackStore(settings.feedback_db)
        [row] = [r for r in store.rows() if r.answer_id == answer_id]
        assert (row.rating, row.comment, row.answer_kind) == (1, None, "answer")
        assert axe_violations(page) == []  # with the thumbs pressed and the comment box open
        not_helpful.click()  # switching thumbs replaces the rating
        bar.get_by_label("Add a comment (optional)").fill("Please say how long it is given.")
        bar.get_by_role("button", name="Send comment").click()
        status.filter(has_text="comment was saved").wait_for(timeout=10_000)
        [row] = [r for r in store.rows() if r.answer_id == answer_id]
        assert (row.rating, row.comment) == (-1, "Please say how long it is given.")
        page.screenshot(path=str(ARTIFACTS / f"widget-feedback-{viewport['width']}.png"))
    finally:
        context.close()
