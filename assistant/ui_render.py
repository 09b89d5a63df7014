"""Turn an Answer into what the web UI shows: escaped chat markdown, the emergency banner, and
the sources panel (each quote highlighted inside its section). Pure functions, no gradio."""

from __future__ import annotations

import html
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

from assistant.corpus import Document
from assistant.models import Answer, Quote

SOURCES_PLACEHOLDER = (
    '<p class="sources-empty">The passages quoted in an answer appear here, '
    "highlighted inside their section of the page.</p>"
)
# What could make a person's message render as something other than the text typed: inline
# markup anywhere, and block markup (headings, quotes, lists, rules, fences) at a line's start.
# Only these are escaped, so an ordinary question ("Est-ce que ... (Herceptin) ?") reaches the
# chat's screen-reader label and its "Copy message" exactly as typed.
_INLINE_MARKUP = re.compile(r"[`*_~\[\]|<]|\\(?=[!-/:-@\[-`{-~])|&(?=#?\w+;)")
_BLOCK_MARKUP = re.compile(
    r"^([ \t]*)(#{1,6}(?=\s|$)|>|[-+](?=\s|$)|=+\s*$|-+\s*$|(\d{1,9})([.)])(?=\s|$))",
    re.MULTILINE)
_HEADING_LINE = re.compile(r"^#{1,6}\s")
_ITEM_LINE = re.compile(r"^[-*•]\s+")


def user_message_markdown(text: str) -> str:
    """A person's message shown exactly as typed: only what Markdown or HTML would interpret is
    escaped, so ordinary text (hyphens, brackets, full stops) stays as it was written."""
    escaped = _INLINE_MARKUP.sub(lambda m: "\\" + m.group(0), text)

    def block(match: re.Match[str]) -> str:
        indent, mark, number, dot = match.group(1), match.group(2), match.group(3), match.group(4)
        if number is not None:
            return f"{indent}{number}\\{dot}"
        return f"{indent}\\{mark}"

    return _BLOCK_MARKUP.sub(block, escaped)


def answer_markdown(text: str) -> str:
    """An answer's text with any raw HTML neutralised (its markdown, quotes included, kept)."""
    return re.sub(r"&(?=#?\w+;)", "&amp;", text).replace("<", "&lt;")


def shown_messages(history: list[dict[str, Any]]) -> list[dict[str, str]]:
    """The chat as displayed, rebuilt from the plain history the core receives."""
    shown = []
    for turn in history:
        text = plain_text(turn.get("content"))
        is_user = turn.get("role") == "user"
        shown.append({"role": "user" if is_user else "assistant",
                      "content": user_message_markdown(text) if is_user else answer_markdown(text)})
    return shown


def stream_prefixes(text: str, steps: int = 12) -> Iterator[str]:
    """Growing prefixes of ``text`` that end on word boundaries, the last one the whole text."""
    if not text:
        yield ""
        return
    size = max(1, len(text) // steps)
    cut = 0
    while cut < len(text):
        nxt = text.find(" ", cut + size)
        cut = len(text) if nxt == -1 else nxt
        yield text[:cut]


def emergency_banner(answer: Answer | None) -> str:
    """An alert banner for an emergency answer; empty for any other answer."""
    if answer is None or answer.kind != "emergency":
        return ""
    # the urgent message and the line after it; the answer to the rest stays in the chat
    first, *rest = answer.text.strip().split("\n\n")
    headline = html.escape(" ".join(first.split()).strip("*").strip())
    detail = html.escape(" ".join(rest[0].split()) if rest else "")
    return (
        '<div class="emergency-banner" role="alert" aria-live="assertive">'
        '<span class="emergency-icon" aria-hidden="true">⚠\ufe0e</span>'
        f"<div><strong>{headline}</strong>"
        + (f"<p>{detail}</p>" if detail else "")
        + "</div></div>"
    )


@dataclass
class _Passage:
    doc: Document
    start: int
    end: int
    heading: str
    quotes: list[Quote] = field(default_factory=list)


def sources_html(answer: Answer | None, documents: Mapping[str, Document]) -> str:
    """Each quoted passage inside its section of the page, the quoted words highlighted."""
    if answer is None or not answer.quotes:
        return SOURCES_PLACEHOLDER
    passages: list[_Passage] = []
    for quote in answer.quotes:
        doc = documents.get(quote.source)
        if doc is None:
            continue
        start, end, heading = _section_span(doc, quote)
        same = next((p for p in passages if p.doc.id == doc.id and p.start == start), None)
        if same is None:
            same = _Passage(doc, start, end, heading)
            passages.append(same)
        same.quotes.append(quote)
    blocks = [_passage_html(n, p) for n, p in enumerate(passages, start=1)]
    count = len(answer.quotes)
    intro = (f'<p class="sources-intro">{count} quoted passage{"s" if count != 1 else ""}, '
             "highlighted in context:</p>")
    return '<div class="sources">' + intro + "".join(blocks) + "</div>"


def _section_span(doc: Document, quote: Quote) -> tuple[int, int, str]:
    """Offsets and heading path of the section(s) that hold the quote."""
    holding = [s for s in doc.sections if s.start < quote.end and quote.start < s.end]
    if not holding:
        return quote.start, quote.end, quote.section or doc.title
    return holding[0].start, holding[-1].end, holding[0].path


def _passage_html(number: int, passage: _Passage) -> str:
    doc = passage.doc
    marks = sorted((q.start, q.end) for q in passage.quotes)
    body: list[str] = []
    in_list = False
    offset = passage.start
    for line in doc.text[passage.start:passage.end].split("\n"):
        line_start, offset = offset, offset + len(line) + 1
        if not line.strip() or _HEADING_LINE.match(line):
            continue
        item = _ITEM_LINE.match(line)
        skip = item.end() if item else 0
        content = _marked(doc.text, line_start + skip, line_start + len(line), marks)
        if item and not in_list:
            body.append("<ul>")
        elif not item and in_list:
            body.append("</ul>")
        in_list = bool(item)
        body.append(f"<li>{content}</li>" if item else f"<p>{content}</p>")
    if in_list:
        body.append("</ul>")
    heading = html.escape(passage.heading.replace(" > ", " › "))
    link = ""
    if doc.url.startswith(("http://", "https://")):
        link = (f'<p class="source-link"><a href="{html.escape(doc.url, quote=True)}" '
                f'target="_blank" rel="noopener noreferrer">{html.escape(doc.publisher)}: '
                f"{html.escape(doc.title)}</a></p>")
    return (f'<section class="source-passage" aria-label="Source {number}">'
            f"<h2>{number}. {heading}</h2>{''.join(body)}{link}</section>")


def _marked(text: str, start: int, end: int, marks: list[tuple[int, int]]) -> str:
    """Escaped ``text[start:end]`` with the parts inside ``marks`` wrapped in <mark>."""
    out: list[str] = []
    pos = start
    for m_start, m_end in marks:
        lo, hi = max(m_start, pos), min(m_end, end)
        if lo >= hi:
            continue
        out.append(html.escape(text[pos:lo]))
        out.append(f"<mark>{html.escape(text[lo:hi])}</mark>")
        pos = hi
    out.append(html.escape(text[pos:end]))
    return "".join(out)


def plain_text(content: Any) -> str:
    """Text of a chat message's content: a string, or (Gradio 6) a list of parts."""
    if content is None:
        return ""
    if isinstance(content, str):
        return content
    if isinstance(content, dict):
        return str(content.get("text") or content.get("value") or "")
    if isinstance(content, list | tuple):
        return "\n".join(t for t in (plain_text(part) for part in content) if t)
    return str(content)
