"""What the web UI shows for an Answer, without a browser: escaping, banner, sources panel."""

from __future__ import annotations

import re
import subprocess

import pytest

from assistant.models import Answer
from assistant.ui_render import (
    SOURCES_PLACEHOLDER,
    answer_markdown,
    emergency_banner,
    plain_text,
    shown_messages,
    sources_html,
    stream_prefixes,
    user_message_markdown,
)

from .conftest import PROJECT


@pytest.mark.parametrize("hostile", [
    "<img src=x onerror=alert(1)>", "<script>alert(1)</script>", "[click](javascript:alert(1))",
    "> fake quote\n— *fake citation*", "**bold** & <b>tags</b>", "# heading\n1. item\n- item",
    "`code` ~~struck~~ | table |", "text\n---",
])
def test_user_message_has_no_live_markup(hostile: str) -> None:
    shown = user_message_markdown(hostile)
    # every character Markdown or HTML would act on is escaped, wherever it would act
    assert not re.search(r"(?<!\\)[<\[\]`*~|]", shown), shown
    assert not re.search(r"(?m)^(?:#|>|-|\d+\.)", shown), shown
    assert re.sub(r"\\(.)", r"\1", shown) == hostile  # nothing else changed


@pytest.mark.parametrize("ordinary", [
    "Qu'est-ce que le trastuzumab (Herceptin) ?", "Est-ce que c'est 1.5 fois par jour?",
    "¿Qué es el tamoxifeno? (Nolvadex)", "What is HER2-positive breast cancer... and AC-T?",
    "my mum's 2 pills a day - is that normal!", "line one\nline two",
])
def test_an_ordinary_message_is_shown_and_copied_exactly_as_typed(ordinary: str) -> None:
    assert user_message_markdown(ordinary) == ordinary


def test_answer_markdown_keeps_quotes_and_neutralises_html() -> None:
    text = "Intro &lt;\n\n> A quote & more <script>x</script>\n\n— *Title > Section*"
    shown = answer_markdown(text)
    assert "\n> A quote & more &lt;script>" in shown and "— *Title > Section*" in shown
    assert shown.startswith("Intro &amp;lt;")  # an entity in the text is shown, not decoded


def test_stream_prefixes_grow_to_the_whole_text() -> None:
    text = "word " * 60
    parts = list(stream_prefixes(text))
    assert len(parts) > 5 and parts[-1] == text
    pairs = zip(parts, parts[1:], strict=False)
    assert all(text.startswith(p) and len(a) < len(p) for a, p in pairs)
    assert list(stream_prefixes("")) == [""]


def test_plain_text_of_gradio6_message_parts() -> None:
    assert plain_text([{"type": "text", "text": "a"}, "b", {"type": "file", "file": {}}]) == "a\nb"
    assert plain_text("c") == "c" and plain_text(None) == ""
    shown = shown_messages([{"role": "user", "content": [{"type": "text", "text": "<b>"}]}])
    assert shown == [{"role": "user", "content": "\\<b>"}]


def test_banner_only_for_emergencies(assistant) -> None:  # noqa: ANN001
    emergency = assistant.ask("I have chest pain and can't breathe")
    banner = emergency_banner(emergency)
    assert emergency.kind == "emergency" and 'role="alert"' in banner and "911" in banner
    assert emergency_banner(assistant.ask("What is Herceptin used for?")) == ""


def test_banner_holds_the_urgent_message_not_the_answer_below_it(assistant) -> None:  # noqa: ANN001
    answer = assistant.ask("she has a fever of 39 on chemo. also what is herceptin used for?")
    banner = emergency_banner(answer)
    assert answer.kind == "emergency" and answer.quotes
    assert "emergency" in banner.lower() and "healthcare team" in banner
    assert "Trastuzumab" not in banner and "Trastuzumab" in answer.text


def test_sources_highlight_each_quote_in_its_section(assistant) -> None:  # noqa: ANN001
    answer = assistant.ask("What is Herceptin used for?")
    html = sources_html(answer, assistant.documents)
    marked = re.findall(r"<mark>(.*?)</mark>", html, re.DOTALL)
    assert marked and all(m in answer.quotes[0].text for m in marked)
    assert "Targeted therapy" in html
    # the surrounding passage is there too, not only the quote
    section_words = html.count("<p>") + html.count("<li>")
    assert section_words >= 2 and 'rel="noopener noreferrer"' in html


def test_sources_escape_document_text(assistant) -> None:  # noqa: ANN001
    doc = next(iter(assistant.documents.values()))
    answer = assistant.ask("What is Herceptin used for?")
    evil = doc.__class__(**{**doc.__dict__, "text": doc.text.replace(
        "It is usually added", "<img src=x onerror=alert(1)> It is usually added")})
    html = sources_html(answer, {doc.id: evil})
    assert "<img" not in html and "&lt;img" in html


def test_sources_placeholder_without_quotes() -> None:
    answer = Answer(kind="out_of_scope", text="I can only help with ...", question="q",
                    standalone_question="q")
    assert sources_html(answer, {}) == SOURCES_PLACEHOLDER


def test_feedback_journal_files_are_not_untracked(settings) -> None:  # noqa: ANN001
    """SQLite's -wal and -shm files beside the feedback store are ignored by git."""
    if not (PROJECT / ".git").exists():
        pytest.skip("not a git checkout")
    names = ["feedback.sqlite3-wal", "feedback.sqlite3-shm", "feedback.sqlite3-journal"]
    ignored = subprocess.run(["git", "-C", str(PROJECT), "check-ignore", *names],
                             capture_output=True, text=True, check=False).stdout.split()
    assert ignored == names
