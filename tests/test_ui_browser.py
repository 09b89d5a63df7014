"""The web UI in a real browser (Debian's chromium through Playwright) against the real app:
answers with quotes, follow-ups, the emergency banner, hostile input, feedback, phone width,
keyboard and contrast. Screenshots go to test-artifacts/ui/."""

from __future__ import annotations

import io
import re
import sqlite3
from collections.abc import Iterator

import pytest

from .axe import axe_violations
from .ui_server import ARTIFACTS, ui_url  # noqa: F401 - the fixture

pytestmark = pytest.mark.browser
playwright_api = pytest.importorskip("playwright.sync_api")

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]
DESKTOP = {"width": 1280, "height": 900}
PHONE = {"width": 390, "height": 844}
BOT = "#chatbot [data-testid=bot]"
USER = "#chatbot [data-testid=user]"
# Records how the newest answer grew, to see it stream in.
WATCH_STREAM = """(sel) => { window.__lengths = [];
  new MutationObserver(() => { const bots = document.querySelectorAll(sel);
    if (bots.length) window.__lengths.push(bots[bots.length - 1].innerText.length); })
  .observe(document.querySelector('#chatbot'), {subtree: true, childList: true,
           characterData: true}); }"""


@pytest.fixture(scope="module")
def browser() -> Iterator[object]:
    import os

    if not os.path.exists(CHROMIUM):
        pytest.skip(f"{CHROMIUM} is not installed (apt-get install -y chromium)")
    with playwright_api.sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture()
def open_page(browser, ui_url: str):  # noqa: ANN001, ANN201, F811
    """Opens the app in a fresh context; fails the test on any dialog or outside request."""
    contexts, dialogs, outside = [], [], []

    def block_outside(route) -> None:  # noqa: ANN001
        outside.append(route.request.url)
        route.abort()

    def opener(viewport: dict[str, int] = DESKTOP):  # noqa: ANN202
        context = browser.new_context(viewport=viewport)
        context.route(re.compile(r"^(?!https?://(127\.0\.0\.1|localhost)[:/]).*"), block_outside)
        page = context.new_page()
        page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
        page.goto(ui_url)
        page.wait_for_selector("#question textarea", timeout=30_000)
        contexts.append(context)
        return page

    yield opener
    for context in contexts:
        context.close()
    assert dialogs == [], f"a dialog opened (script ran): {dialogs}"
    assert outside == [], f"the page tried to reach the internet: {outside}"


def ask(page, question: str) -> str:  # noqa: ANN001
    """Type a question, press Enter, wait for the whole answer; returns its text."""
    before = page.locator(BOT).count()
    page.locator("#question textarea").fill(question)
    page.locator("#question textarea").press("Enter")
    return wait_for_answer(page, before)


def wait_for_answer(page, before: int) -> str:  # noqa: ANN001
    page.wait_for_function(
        """([sel, n]) => { const bots = document.querySelectorAll(sel); return bots.length > n
             && /healthcare team|équipe soignante|equipo de atención/.test(
               bots[bots.length - 1].innerText); }""",
        arg=[BOT, before], timeout=30_000)
    text = page.locator(BOT).last.inner_text()
    while True:  # streamed: done once the text stops growing
        page.wait_for_timeout(300)
        if (latest := page.locator(BOT).last.inner_text()) == text:
            return text
        text = latest


def shot(page, name: str) -> None:  # noqa: ANN001
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)


def test_answer_streams_with_quotes_citation_sources_and_healthcare_line(open_page) -> None:  # noqa: ANN001
    page = open_page()
    assert "not medical advice" in page.locator("#notice").inner_text()
    page.evaluate(WATCH_STREAM, BOT)
    text = ask(page, "What is Herceptin used for?")
    lengths = page.evaluate("window.__lengths")
    assert len(set(lengths)) >= 3, f"answer did not stream in: {lengths}"
    quote = page.locator(BOT).last.locator("blockquote")
    assert "Trastuzumab (Herceptin)" in quote.first.inner_text()
    assert "— Treatments for stage 4 breast cancer > Targeted therapy" in text
    assert "talk to your healthcare team" in text
    assert not page.locator("#emergency-banner").is_visible()
    # the sources open by themselves, under the question box
    mark = page.locator("#sources mark").first
    mark.wait_for(state="visible")
    assert "Trastuzumab (Herceptin) is given" in mark.inner_text()
    passage = page.locator("#sources .source-passage").first.inner_text()
    assert "Targeted therapy" in passage and "Pertuzumab" in passage  # the surrounding section
    shot(page, "desktop-answer-with-sources")


def test_follow_up_uses_the_conversation(open_page) -> None:  # noqa: ANN001
    page = open_page()
    ask(page, "What is Herceptin used for?")
    text = ask(page, "and how long is it given?")
    assert "continued until the breast cancer starts to grow again" in text
    assert page.locator(USER).count() == 2
    page.get_by_role("button", name="Clear chat").click()
    page.get_by_role("button", name="No, keep it").click()  # it asks first
    page.get_by_role("button", name="Yes, clear it").wait_for(state="hidden")
    assert page.locator(USER).count() == 2
    page.get_by_role("button", name="Clear chat").click()
    page.get_by_role("button", name="Yes, clear it").click()
    expect_count(page, BOT, 0)
    text = ask(page, "and what is the dose?")  # a new conversation: no Herceptin context
    assert "does not cover doses" in text and "trastuzumab" not in text.lower()
    shot(page, "desktop-after-clear")


def expect_count(page, selector: str, n: int) -> None:  # noqa: ANN001
    page.wait_for_function("([s, n]) => document.querySelectorAll(s).length === n",
                           arg=[selector, n], timeout=10_000)


@pytest.mark.parametrize("viewport", [PHONE, DESKTOP], ids=["phone", "desktop"])
def test_emergency_banner_is_in_view_first_and_stays_until_dismissed(open_page, viewport) -> None:  # noqa: ANN001
    page = open_page(viewport)
    ask(page, "What is Herceptin used for?")  # a conversation already under way
    ask(page, "I have chest pain and can't breathe")
    banner = page.locator("#emergency-banner [role=alert]")
    assert banner.is_visible() and "911" in banner.inner_text()
    assert_in_view(page, banner)  # the first thing in view when the reply appears
    banner_box = banner.bounding_box()
    chat_box = page.locator("#chatbot").bounding_box()
    assert banner_box and chat_box and banner_box["y"] < chat_box["y"] + chat_box["height"]
    assert banner_box["width"] <= viewport["width"]
    colours = page.evaluate("""() => { const s = getComputedStyle(
        document.querySelector('.emergency-banner')); return [s.color, s.backgroundColor]; }""")
    assert contrast(*colours) >= 7
    name = "phone" if viewport is PHONE else "desktop"
    page.screenshot(path=str(ARTIFACTS / f"{name}-emergency-in-view.png"))
    # the next question does not take it away, and it stays in view while reading
    ask(page, "What hormonal therapy is given after menopause?")
    page.mouse.wheel(0, 2000)
    page.wait_for_timeout(300)
    assert banner.is_visible()
    assert_in_view(page, banner)
    dismiss = page.get_by_role("button", name="I have read this: dismiss")
    box = dismiss.bounding_box()
    assert box and box["height"] >= 44
    dismiss.click()
    expect_hidden(page, "#emergency-banner")
    shot(page, f"{name}-emergency-dismissed")


def expect_hidden(page, selector: str) -> None:  # noqa: ANN001
    page.wait_for_function("(s) => { const e = document.querySelector(s); return !e || "
                           "!e.offsetParent; }", arg=selector, timeout=10_000)


@pytest.mark.parametrize("hostile", [
    "<img src=x onerror=alert(1)>",
    "<script>alert(2)</script>what is tamoxifen",
    '<img src=x onerror="window.__pwned=1"><svg onload="window.__pwned=2">',
])
def test_hostile_input_is_shown_as_text_and_never_runs(open_page, hostile: str) -> None:  # noqa: ANN001
    page = open_page()
    ask(page, hostile)
    assert page.locator(USER).last.inner_text().strip() == hostile
    assert page.evaluate("window.__pwned") is None
    assert page.locator("#chatbot img[src='x'], #chatbot script, #chatbot svg[onload]").count() == 0
    if "alert(1)" in hostile:
        shot(page, "desktop-hostile-input")


def test_thumbs_down_and_comment_stored_in_sqlite(open_page, settings) -> None:  # noqa: ANN001
    page = open_page()
    db = settings.feedback_db
    before = _max_id(db)
    ask(page, "What is Herceptin used for?")
    # the thumbs sit under the newest answer
    page.locator("#chatbot").get_by_role("button", name="Dislike", exact=True).last.click()
    page.locator("#chatbot").get_by_role("button", name="Disliked").wait_for()
    status = page.locator("#feedback-status [role=status]")
    status.filter(has_text="rating was saved").wait_for()
    page.get_by_label("Comment on the answer you rated (optional)").fill("Please say more.")
    page.get_by_role("button", name="Send comment").click()
    status.filter(has_text="comment was saved").wait_for()
    rows = sqlite3.connect(db).execute(
        "SELECT rating, comment, answer_kind, answer_text, quotes_json, question, answer_id "
        "FROM feedback WHERE id > ?", (before,)).fetchall()
    assert len(rows) == 1
    rating, comment, kind, text, quotes, question, answer_id = rows[0]
    assert (rating, comment, kind, question) == (-1, "Please say more.", "answer", None)
    # the answer on the page carries the id its rating was stored under
    assert page.locator(BOT).last.get_attribute("data-answer-id") == answer_id
    assert "Trastuzumab (Herceptin)" in quotes and "healthcare team" in text
    shot(page, "desktop-feedback")
    chat = page.locator("#chatbot")
    chat.get_by_role("button", name="Like", exact=True).last.click()  # changed their mind
    chat.get_by_role("button", name="Liked").wait_for()
    page.wait_for_timeout(500)
    query = "SELECT rating, comment FROM feedback WHERE id > ?"
    assert sqlite3.connect(db).execute(query, (before,)).fetchall() == [(1, "Please say more.")]
    chat.get_by_role("button", name="Liked").click()  # and took the thumb back
    status.filter(has_text="rating was removed").wait_for()
    assert sqlite3.connect(db).execute(query, (before,)).fetchall() == []


def _max_id(db) -> int:  # noqa: ANN001
    if not db.exists():
        return 0
    try:
        row = sqlite3.connect(db).execute("SELECT COALESCE(MAX(id), 0) FROM feedback").fetchone()
        return int(row[0])
    except sqlite3.OperationalError:  # no table yet
        return 0


def test_phone_width_is_readable(open_page) -> None:  # noqa: ANN001
    page = open_page(PHONE)
    page.get_by_role("button", name="What is Herceptin used for?").click()
    wait_for_answer(page, 0)
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= PHONE["width"], f"page scrolls sideways at 390px ({width}px)"
    for selector in ["#notice", "#question textarea", "#chatbot"]:
        box = page.locator(selector).bounding_box()
        assert box and box["x"] >= 0 and box["x"] + box["width"] <= PHONE["width"]
    font = page.evaluate(f"parseFloat(getComputedStyle(document.querySelector('{BOT} p'))"
                         ".fontSize)")
    assert font >= 14
    shot(page, "phone-answer")


def test_keyboard_only_use(open_page) -> None:  # noqa: ANN001
    page = open_page()
    for role, name in [("textbox", "Your question"), ("button", "Ask"),
                       ("button", "Clear chat")]:
        assert page.get_by_role(role, name=name, exact=True).count() == 1, name
    reached = []
    page.evaluate("document.activeElement && document.activeElement.blur()")
    for _ in range(12):  # tab from the top of the page to the first example question
        page.keyboard.press("Tab")
        reached.append(page.evaluate("document.activeElement.innerText || "
                                     "document.activeElement.getAttribute('aria-label') || ''"))
        if reached[-1] == "What is Herceptin used for?":
            break
    assert reached[-1] == "What is Herceptin used for?", reached
    assert page.evaluate("getComputedStyle(document.activeElement).outlineStyle") != "none"
    page.keyboard.press("Enter")
    text = wait_for_answer(page, 0)
    assert "Trastuzumab (Herceptin)" in text


def test_empty_ignored_and_too_long_explained(open_page) -> None:  # noqa: ANN001
    page = open_page()
    page.locator("#question textarea").fill("   ")
    page.locator("#question textarea").press("Enter")
    page.wait_for_timeout(1000)
    assert page.locator(USER).count() == 0
    page.locator("#question textarea").fill("why " * 600)
    page.locator("#question textarea").press("Enter")
    # said in the conversation, not in a pop-up over it; the question stays to be shortened
    page.wait_for_function("""(sel) => [...document.querySelectorAll(sel)].some(
        b => b.innerText.includes('too long'))""", arg=BOT, timeout=10_000)
    reply = page.locator(BOT).last.inner_text()
    assert "too long" in reply and "2000 characters" in reply
    assert page.locator("[data-testid=toast-text]").count() == 0
    assert page.locator("#question textarea").input_value().startswith("why why")  # to shorten
    shot(page, "desktop-too-long")


LONG_STORY = ("Let me start from the beginning so you understand what happened. " * 32
              + "Anyway she is on paclitaxel and tonight she has a fever of 38.9 and chills.")


@pytest.mark.parametrize("viewport", [PHONE, DESKTOP], ids=["phone", "desktop"])
def test_a_long_story_ending_in_an_emergency_gets_urgent_care_first(open_page, viewport) -> None:  # noqa: ANN001
    page = open_page(viewport)
    assert len(LONG_STORY) > 2000
    ask(page, LONG_STORY)
    banner = page.locator("#emergency-banner [role=alert]")
    assert banner.is_visible() and "emergency" in banner.inner_text().lower()
    assert page.locator("[data-testid=toast-text]").count() == 0
    assert "too long" in page.locator(BOT).last.inner_text()
    assert_in_view(page, banner)


def assert_in_view(page, locator) -> None:  # noqa: ANN001
    """The element is inside the visible part of the window."""
    box = locator.bounding_box()
    height = page.viewport_size["height"]
    assert box is not None and box["y"] >= 0 and box["y"] + min(box["height"], 80) <= height, box


def test_text_contrast_meets_wcag_aa(open_page) -> None:  # noqa: ANN001
    page = open_page()
    ask(page, "What is Herceptin used for?")
    pairs = page.evaluate("""() => {
      const bg = (e) => { for (; e; e = e.parentElement) { const c = getComputedStyle(e)
        .backgroundColor; if (c !== 'rgba(0, 0, 0, 0)') return c; } return 'rgb(255, 255, 255)'; };
      return ['#notice p', '#chatbot [data-testid=bot] p', '#chatbot [data-testid=user] p',
              '#chatbot blockquote p', 'label', '#sources p', 'button'].flatMap(sel =>
        [...document.querySelectorAll(sel)].map(e => [sel, getComputedStyle(e).color, bg(e)]));
    }""")
    assert pairs
    low = [(sel, fg, bg, round(contrast(fg, bg), 2)) for sel, fg, bg in pairs
           if contrast(fg, bg) < 4.5]
    assert low == []


def contrast(foreground: str, background: str) -> float:
    """WCAG contrast ratio of two CSS rgb()/rgba() colours."""
    def luminance(colour: str) -> float:
        r, g, b = (int(v) / 255 for v in re.findall(r"[\d.]+", colour)[:3])
        lin = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in (r, g, b)]
        return 0.2126 * lin[0] + 0.7152 * lin[1] + 0.0722 * lin[2]
    high, low = sorted((luminance(foreground), luminance(background)), reverse=True)
    return (high + 0.05) / (low + 0.05)


LONG_ANSWER = "What are the treatment options for stage 4 breast cancer?"


@pytest.mark.parametrize("viewport", [PHONE, DESKTOP], ids=["phone", "desktop"])
def test_a_new_answer_is_shown_from_its_start(open_page, viewport) -> None:  # noqa: ANN001
    page = open_page(viewport)
    ask(page, "What is Herceptin used for?")  # a conversation under way: the chat can scroll
    ask(page, LONG_ANSWER)
    question, answer = page.locator(USER).last, page.locator(BOT).last
    chat = page.locator("#chatbot [role=log]").bounding_box()
    q_box, a_box = question.bounding_box(), answer.bounding_box()
    assert chat and q_box and a_box
    assert a_box["height"] > chat["height"], "the answer should be longer than the chat"
    # the question at the top of the conversation, the answer's first lines under it ...
    assert chat["y"] <= q_box["y"] <= chat["y"] + 60, (chat, q_box)
    assert a_box["y"] + 80 <= chat["y"] + chat["height"], (chat, a_box)
    # ... and both on screen (a phone scrolls the page too)
    assert_in_view(page, question)
    assert a_box["y"] + 80 <= viewport["height"]
    # nothing floats over the question's first line (Gradio's "Conversation" label did)
    x, y = q_box["x"] + 12, q_box["y"] + 6
    hit = page.evaluate("([x, y]) => document.elementFromPoint(x, y).closest("
                        "'[data-testid=user], .message-row') !== null", [x, y])
    assert hit, "something covers the top line of the question"
    shot(page, f"{'phone' if viewport is PHONE else 'desktop'}-answer-from-its-start")


def test_thumbs_are_44px_like_first_right_after_the_answer_then_the_comment(open_page) -> None:  # noqa: ANN001
    page = open_page(PHONE)
    ask(page, "What is Herceptin used for?")
    buttons = page.locator(f"{BOT} >> xpath=ancestor::div[contains(@class,'message-row')]"
                           "/following-sibling::div[contains(@class,'message-buttons')][1]"
                           "//button")
    labels = [b.get_attribute("aria-label") for b in buttons.all()]
    assert labels.index("Like") < labels.index("Dislike"), labels
    for name in ("Like", "Dislike"):
        box = page.locator("#chatbot").get_by_role("button", name=name, exact=True).last \
            .bounding_box()
        assert box and box["width"] >= 44 and box["height"] >= 44, (name, box)
    # Tab order: the answer's own controls, then Like, then Dislike
    page.locator(BOT).last.locator("a").last.focus()
    names = []
    for _ in range(3):
        page.keyboard.press("Tab")
        names.append(page.evaluate("document.activeElement.getAttribute('aria-label')"))
    assert names[-2:] == ["Like", "Dislike"], names
    page.keyboard.press("Shift+Tab")
    page.keyboard.press("Enter")  # Like, from the keyboard
    page.locator("#feedback-status [role=status]").filter(has_text="rating was saved").wait_for()
    page.locator("#chatbot").get_by_role("button", name="Dislike", exact=True).last.focus()
    page.keyboard.press("Tab")  # the comment box comes next, under the thumbs
    assert page.evaluate("document.activeElement.closest('#feedback-comment') !== null")
    comment = page.locator("#feedback-comment textarea").bounding_box()
    thumbs = page.locator("#chatbot").get_by_role("button", name="Liked").bounding_box()
    assert comment and thumbs and 0 < comment["y"] - thumbs["y"] < 250, (thumbs, comment)


def test_typed_text_reaches_screen_readers_and_copy_without_escapes_and_lang_is_set(
        browser, ui_url: str) -> None:  # noqa: ANN001, F811
    context = browser.new_context(viewport=DESKTOP,
                                  permissions=["clipboard-read", "clipboard-write"])
    try:
        page = context.new_page()
        page.goto(ui_url)
        page.wait_for_selector("#question textarea", timeout=30_000)
        question = "Qu'est-ce que le trastuzumab (Herceptin) ? Est-ce que c'est 1.5 fois?"
        ask(page, question)
        user = page.locator(USER).last
        assert user.get_attribute("aria-label") == f"user's message: {question}"
        assert user.inner_text().strip() == question
        user.locator("xpath=ancestor::div[contains(@class,'message-row')]/following-sibling::"
                     "div[1]//button[@aria-label='Copy message']").click()
        assert page.evaluate("navigator.clipboard.readText()") == question
        bot = page.locator(BOT).last
        assert bot.get_attribute("lang") == "fr"
        assert bot.locator("blockquote").first.get_attribute("lang") == "en"  # the page's words
        text = ask(page, "¿Qué es el tamoxifeno?")
        assert "Esto es lo que dice" in text
        assert page.locator(BOT).last.get_attribute("lang") == "es"
        assert page.locator(BOT).first.get_attribute("lang") == "fr"
        ask(page, "What is Herceptin used for?")
        assert page.locator(BOT).last.get_attribute("lang") == "en"
    finally:
        context.close()


def test_parts_are_labelled_blocks(open_page) -> None:  # noqa: ANN001
    page = open_page()
    ask(page, "What is Herceptin and when is it given alone?")
    labels = page.locator(BOT).last.locator("p > strong")
    texts = [t.strip() for t in labels.all_inner_texts()]
    assert texts[:2] == ["What is Herceptin", "when is it given alone?"], texts
    # the first part's label comes before its quote
    first_label, quote = labels.first.bounding_box(), page.locator(BOT).last.locator(
        "blockquote").first.bounding_box()
    assert first_label and quote and first_label["y"] < quote["y"]


def test_no_api_footer_and_ask_has_a_visible_focus_ring(open_page) -> None:  # noqa: ANN001
    page = open_page()
    assert page.get_by_text("Use via API").count() == 0
    assert page.locator("footer a, footer button").count() == 0
    page.locator("#question textarea").focus()
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.id") == "ask"
    ring = page.evaluate("""() => { const s = getComputedStyle(document.activeElement);
        return [s.outlineStyle, parseFloat(s.outlineWidth), s.outlineColor,
                parseFloat(s.outlineOffset)]; }""")
    style, width, colour, offset = ring
    assert style == "solid" and width >= 2 and offset >= 2, ring
    # the ring stands out from the white page around the button (WCAG 1.4.11: 3:1)
    assert contrast(colour, "rgb(255, 255, 255)") >= 3, ring


def test_the_trash_icon_is_gone_and_clear_asks_first(open_page) -> None:  # noqa: ANN001
    page = open_page()
    ask(page, "What is Herceptin used for?")
    assert page.locator("#chatbot button[aria-label=Clear]").is_hidden()
    page.get_by_role("button", name="Clear chat").click()
    page.get_by_role("button", name="Yes, clear it").wait_for()  # asks; nothing cleared yet
    assert page.locator(BOT).count() == 1


def test_the_local_font_has_every_letter_in_every_weight(open_page) -> None:  # noqa: ANN001
    from fontTools.ttLib import TTFont  # installed with matplotlib

    page = open_page()
    base = page.url
    css = page.request.get(base + "theme.css").text()
    faces = re.findall(r"font-family: '([^']+)';\s*src: url\('([^']+)'\)[^}]*font-weight: (\d+)",
                       css)
    assert any(family == "Source Sans Pro" and weight in ("600", "700")
               for family, _, weight in faces), faces
    sample = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789éèàçñ¿¡’“”–"
    for family, url, weight in faces:
        font = TTFont(io.BytesIO(page.request.get(base + url).body()))
        missing = [c for c in sample if ord(c) not in font.getBestCmap()]
        assert missing == [], f"{family} {weight} ({url}) lacks {''.join(missing)}"
    # and the page's bold text is drawn in that face
    ask(page, "What is Herceptin and when is it given alone?")
    assert page.evaluate("document.fonts.check('700 16px \"Source Sans Pro\"', 'What')")


@pytest.mark.parametrize("viewport", [PHONE, DESKTOP], ids=["phone", "desktop"])
def test_axe_finds_no_violations_on_the_chat(open_page, viewport) -> None:  # noqa: ANN001
    page = open_page(viewport)
    assert axe_violations(page) == []  # the empty page
    ask(page, "What is Herceptin and when is it given alone?")
    page.locator("#sources mark").first.wait_for(state="visible")
    page.locator("#chatbot").get_by_role("button", name="Like", exact=True).last.click()
    page.locator("#feedback-comment textarea").wait_for(state="visible")
    assert axe_violations(page) == []  # an answer, its sources open, the comment box shown
    ask(page, "I have chest pain and can't breathe")
    page.locator("#emergency-banner [role=alert]").wait_for()
    assert axe_violations(page) == []  # with the emergency banner

