"""Output rails: the one place every reply passes through before anyone sees it.

Every quote is checked verbatim against its document (``doc.text[start:end] == text``) and
dropped otherwise; an answer left without quotes becomes ``not_in_document``; every quote is
cited; the healthcare-team line is always there; optional LLM framing is kept only when every
sentence of it is supported by the quotes (no number, drug name or cure claim of its own).
"""

from __future__ import annotations

import re

from assistant.compose import Draft, Span, content_terms
from assistant.corpus import Document
from assistant.lexicon import Lexicon, fold
from assistant.models import Answer, AnswerPart, Quote
from assistant.rails.messages import HEALTHCARE_MARKERS, message

_NUMBER = re.compile(r"\d")
_CURE = re.compile(r"\b(cure[sd]?|curable|cure rate|remission|guarantee[sd]?)\b")
_SENTENCE = re.compile(r"(?<=[.!?])\s+")
_LEAK = re.compile(r"\b(instructions?|system|prompt|passages?|as an ai|language model)\b")
_QUOTE_MARKS = re.compile(r"[\"“”«»>]")
MAX_FRAMING_CHARS = 400
SUPPORT_RATIO = 0.75


def verify_quotes(draft: Draft, docs: dict[str, Document]) -> list[Quote]:
    """Quotes for the draft's spans that match their document exactly; others are dropped."""
    quotes: list[Quote] = []
    for span in draft.spans:
        doc = docs.get(span.doc.id)
        text = span.doc.text[span.start : span.end]
        if doc is None or not text.strip() or doc.text[span.start : span.end] != text:
            continue
        quotes.append(Quote(text=text, source=doc.id, title=doc.title, section=span.section,
                            url=doc.url, start=span.start, end=span.end))
    return quotes


def framing_is_supported(framing: str, quotes: list[Quote], lexicon: Lexicon) -> bool:
    """True when every sentence of ``framing`` stays inside what the quotes say."""
    if not quotes or len(framing) > MAX_FRAMING_CHARS:
        return False
    if _QUOTE_MARKS.search(framing) or _LEAK.search(fold(framing)):  # no quotes of its own
        return False
    quoted = fold(" ".join(q.text for q in quotes))
    quoted_terms = content_terms(quoted)
    names = lexicon.drug_names | set(lexicon.unlisted)
    for sentence in _SENTENCE.split(fold(framing).strip()):
        if not sentence:
            continue
        if any(n not in quoted for n in _NUMBER.findall(sentence)):
            return False
        for word in re.findall(r"[a-z0-9-]+", sentence):
            if word in names and word not in quoted:
                return False
        if _CURE.search(sentence) and not _CURE.search(quoted):
            return False
        terms = content_terms(sentence)
        if terms and len(terms & quoted_terms) / len(terms) < SUPPORT_RATIO:
            return False
    return True


def render_quote(quote: Quote) -> str:
    block = "\n".join(f"> {line}" if line.strip() else ">" for line in quote.text.split("\n"))
    return f"{block}\n\n— *{quote.citation}*"


def finalize(draft: Draft, docs: dict[str, Document], lexicon: Lexicon) -> Answer:
    """Verify, cite and render a Draft into the Answer every face shows."""
    lang = draft.language
    quotes = verify_quotes(draft, docs)
    kind = draft.kind
    if kind == "answer" and not quotes:
        kind = "not_in_document"
    parts: list[str] = []
    if draft.emergency:  # urgent care first, whatever else the message asks
        parts.append(message(lang, f"emergency_{draft.emergency}"
                             if draft.emergency in ("fever", "suicide") else "emergency"))
        parts.append(message(lang, "healthcare_emergency"))
        parts += [message(lang, note) for note in draft.notes if note == "too_long"]
    if kind == "out_of_scope":
        parts += [message(lang, "out_of_scope"), message(lang, "examples")]
    elif kind == "personal_advice":
        parts.append(message(lang, "personal_advice" if quotes else "personal_advice_no_quote"))
    elif kind == "not_in_document":
        if draft.topic:
            parts.append(message(lang, "not_in_document", topic=draft.topic))
        else:
            parts.append(message(lang, "no_match"))
        if quotes:
            parts.append(message(lang, "not_in_document_related"))
    elif kind == "answer":
        framing = draft.framing
        if framing and framing_is_supported(framing, quotes, lexicon):
            parts.append(framing.strip())
        else:
            parts.append(message(lang, "answer"))
    quotes, answer_parts, blocks = _by_part(draft, kind, quotes)
    parts += blocks
    if quotes:
        parts.append(_source_line(lang, quotes, docs))
        if message(lang, "source_language"):
            parts.append(message(lang, "source_language"))
    if kind != "emergency":  # the emergency reply already sends people to their team
        parts.append(message(lang, "healthcare"))
    text = "\n\n".join(p for p in parts if p)
    if not any(marker in text for marker in HEALTHCARE_MARKERS):  # belt and braces
        text += "\n\n" + message("en", "healthcare")
    if draft.emergency:
        kind = "emergency"
    return Answer(kind=kind, text=text, quotes=quotes, question=draft.question,
                  standalone_question=draft.standalone_question, language=lang,
                  parts=answer_parts)


def _overlaps(quote: Quote, spans: list[Span]) -> bool:
    return any(s.doc.id == quote.source and s.start < quote.end and quote.start < s.end
               for s in spans)


def _by_part(draft: Draft, kind: str, quotes: list[Quote]
             ) -> tuple[list[Quote], list[AnswerPart], list[str]]:
    """The quotes in the order they are shown, the Answer's parts (indexes into those quotes)
    and the rendered blocks: for a message of several parts, each part's label, then its
    quotes (a quote shared by two parts is shown under the first) or the line that says the
    page does not cover it; for one part, the quotes."""
    lang = draft.language
    if len(draft.parts) > 1 and kind == "not_in_document":  # no part is answered
        return quotes, [AnswerPart(question=p.question, kind="not_in_document",
                                   topic=p.topic or draft.topic) for p in draft.parts], [
            render_quote(q) for q in quotes]
    if len(draft.parts) < 2 or kind not in ("answer", "personal_advice"):
        whole = "answer" if quotes and kind in ("answer", "personal_advice") else "not_in_document"
        asked = draft.question if draft.asked is None else draft.asked
        return quotes, [AnswerPart(question=asked, kind=whole,  # type: ignore[arg-type]
                                   quotes=list(range(len(quotes))) if quotes else [],
                                   topic=draft.topic)], [render_quote(q) for q in quotes]
    order: list[int] = []
    owned: list[list[int]] = []
    for plan in draft.parts:
        mine = [i for i, q in enumerate(quotes) if _overlaps(q, plan.spans)]
        owned.append(mine)
        order += [i for i in mine if i not in order]
    order += [i for i in range(len(quotes)) if i not in order]
    position = {old: new for new, old in enumerate(order)}
    shown = [quotes[i] for i in order]
    blocks: list[str] = []
    answer_parts: list[AnswerPart] = []
    rendered: set[int] = set()
    for plan, mine in zip(draft.parts, owned, strict=True):
        label = " ".join(plan.question.replace("*", "").replace("_", " ").split())
        blocks.append(f"**{label}**")
        indexes = sorted(position[i] for i in mine)
        if indexes:
            new = [i for i in indexes if i not in rendered]
            blocks += [render_quote(shown[i]) for i in new] or [message(lang, "part_above")]
            rendered |= set(new)
        elif plan.topic:
            blocks.append(message(lang, "not_in_document", topic=plan.topic))
        else:
            blocks.append(message(lang, "part_no_match"))
        answer_parts.append(AnswerPart(question=plan.question,
                                       kind="answer" if indexes else "not_in_document",
                                       quotes=indexes, topic=None if indexes else plan.topic))
    blocks += [render_quote(shown[i]) for i in range(len(shown)) if i not in rendered]
    return shown, answer_parts, blocks


def _source_line(lang: str, quotes: list[Quote], docs: dict[str, Document]) -> str:
    """Each quoted page once: publisher, “title” (url)."""
    names = []
    for source in dict.fromkeys(q.source for q in quotes):
        doc = docs[source]
        name = f"{doc.publisher}, “{doc.title}”" if doc.publisher else f"“{doc.title}”"
        names.append(f"{name} ({doc.url})" if doc.url else name)
    return message(lang, "source", sources="; ".join(names))
