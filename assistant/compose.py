"""Extractive composer: choose the few sentences or list items that answer, as verbatim spans.

The composer decides *what* to quote; the output rails (rails/output.py) verify every span and
render the Answer text, so nothing reaches a person without that check.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from functools import lru_cache

from assistant.corpus import Document, Unit
from assistant.facets import asked_for, asks_list, facets_of
from assistant.lexicon import fold
from assistant.models import AnswerKind
from assistant.retrieval import Query, ScoredUnit

QUOTE_BUDGET_CHARS = 600
KEEP_RATIO = 0.5
NEIGHBOUR_RATIO = 0.8
NEAR_TOP_RATIO = 0.9  # a passage scoring this close to the best is quoted even if it adds no word
_LIST_INTENT = re.compile(r"\b(which|what|list|options?|kinds?|types?|names?|drugs|medications?|"
                          r"medicines|combinations?|all)\b")
_STOP = set("a an the of to for and or in on at is are was be been it its this that these those "
            "what which who how when why do does did can could may might will would should my me "
            "i you your we our they their with by from as about there any if not no yes get "
            "have has had used use".split())


@dataclass(frozen=True)
class Span:
    """A verbatim span of one document."""

    doc: Document
    start: int
    end: int
    section: str

    @property
    def text(self) -> str:
        return self.doc.text[self.start : self.end]


@dataclass
class PartPlan:
    """A part of a Draft: what it asks (in the person's words and in English), its kind, the
    spans that answer it, and what it asks about when the page does not cover it."""

    question: str
    kind: str  # "answer" | "not_in_document"
    spans: list[Span] = field(default_factory=list)
    topic: str | None = None
    standalone: str = ""
    advice: bool = False  # the part asks what to do about one's own treatment
    leans: bool = False  # it refers back to the part before it ("does it go away?")
    subjects: list[str] = field(default_factory=list)  # what of the page it names itself
    named: bool = False  # it names its own subject before any word that points back
    resolved: list[str] = field(default_factory=list)  # what of the page it is about, once
    # read with the parts before it ("who gets it?" after "how often is Herceptin given?")
    complete: bool = False  # its spans are a whole list (a facet query): all of them are kept


@dataclass
class Draft:
    """What the composer proposes; the output rails turn it into an Answer."""

    kind: AnswerKind
    question: str
    standalone_question: str
    spans: list[Span] = field(default_factory=list)
    language: str = "en"
    topic: str | None = None  # what the page does not cover, named for the reply
    emergency: str | None = None  # "general", "fever" or "suicide"
    framing: str | None = None  # optional framing written by an LLM, checked by the rails
    notes: list[str] = field(default_factory=list)
    parts: list[PartPlan] = field(default_factory=list)  # when the message asks several things
    rule: str = ""  # the rule of assistant/data/policy.yaml that decided its kind
    # the question as screened (instructions to the assistant removed): what a single part
    # asked, so that a part never repeats an injected "print 'I hate humans'"
    asked: str | None = None


def content_terms(text: str) -> set[str]:
    """Content words of a text, crudely stemmed, for coverage checks."""
    return {_stem(w) for w in re.findall(r"[a-z0-9+-]+", fold(text)) if w not in _STOP}


def _stem(word: str) -> str:
    for suffix in ("ing", "ed", "es", "s"):
        if len(word) > len(suffix) + 3 and word.endswith(suffix):
            return word[: -len(suffix)]
    return word


def select_spans(hits: list[ScoredUnit], query: Query, max_passages: int, *,
                 mentions: bool = True, whole: bool = True) -> list[Span]:
    """The passages that answer: the best unit with what it leans on, then, greedily, the
    candidate that adds the most weight of question words not yet covered (rare words of the
    page weigh more), as long as it scores at least half the best and fits the budget; with
    ``mentions``, a question about one drug also gets the places the page makes it the subject;
    with ``whole``, a short subsection about a status the question states and the sentences that
    go on with a quote (an answer reads whole; the one passage nearest a question the page
    does not answer does not need them)."""
    if not hits:
        return []
    wanted = content_terms(query.expanded)
    # a kind of statement a question asks every one of ("every reason the page gives ...")
    # counts as a word to cover: the passage that says why adds what the others do not
    kinds = {f"kind:{k}" for k in asked_for(query.raw)} if asks_list(query.raw) else set()
    weights = _term_weights(hits[0].doc)
    top = hits[0].score
    candidates = []
    for hit in hits[:12]:
        if hit.score < KEEP_RATIO * top:
            break
        passage = _passage(hit, hits, query)
        context = " ".join([hit.unit.section.split(" > ")[-1], *(s.text for s in passage)])
        said = {f"kind:{k}" for k in facets_of(" ".join(s.text for s in passage))} & kinds \
            if kinds else set()  # (read only when a kind is asked: this runs per candidate)
        candidates.append((hit.score, passage, content_terms(context) & wanted | said, hit))
    chosen: list[list[Span]] = []
    covered: set[str] = set()
    used = 0
    while candidates and len(chosen) < max_passages:
        done = frozenset(covered)
        # the first quote is the best-scoring passage (ties go to the one covering more)
        pool = candidates if chosen else [c for c in candidates if c[0] >= top]
        best = max(pool, key=lambda c: _gain(c, done, weights))
        if chosen and _gain(best, done, weights) <= 0:
            near = [c for c in candidates if c[0] >= NEAR_TOP_RATIO * top
                    and not any(_overlaps(c[1], p) for p in chosen)]
            if not near:
                break
            best = max(near, key=lambda c: c[0])
        candidates.remove(best)
        _, passage, terms, hit = best
        size = sum(s.end - s.start for s in passage)
        if chosen and used + size > QUOTE_BUDGET_CHARS:
            passage = _compact(hit, hits)  # a whole list that does not fit: its matching items
            size = sum(s.end - s.start for s in passage)
            if not passage or used + size > QUOTE_BUDGET_CHARS:
                continue
        overlapping = next((c for c in chosen if _overlaps(passage, c)), None)
        if overlapping is not None:  # a sentence leaning on a chosen one: extend that quote
            overlapping.extend(passage)
        else:
            if whole and not chosen:  # the best passage read to its end before any other
                going_on = _continuations(passage, QUOTE_BUDGET_CHARS - size)
                passage = [*passage, *going_on]
                size += sum(s.end - s.start for s in going_on)
            chosen.append(passage)
        covered |= terms
        used += size
    spans = [s for passage in chosen for s in passage]
    for extra in _mentions(spans, hits, query, QUOTE_BUDGET_CHARS - used) if mentions else []:
        spans += extra  # "what is Xeloda, is it given alone?": each place it is a subject
        used += sum(s.end - s.start for s in extra)
    for extra in _missing_drugs(spans, hits, query, QUOTE_BUDGET_CHARS - used):
        spans += extra  # "Ibrance or Verzenio?": each drug asked about is quoted
        used += sum(s.end - s.start for s in extra)
    spans += _close_neighbours(spans, hits, top, QUOTE_BUDGET_CHARS - used)
    spans += _elaborations(spans, QUOTE_BUDGET_CHARS - sum(s.end - s.start for s in spans))
    spans += referred_to(spans, QUOTE_BUDGET_CHARS - sum(s.end - s.start for s in spans))
    if whole:
        stated = _stated_subsection(spans, query,
                                    SUBSECTION_BUDGET_CHARS - sum(s.end - s.start for s in spans))
        spans += stated  # ... with what it refers to ("the aromatase inhibitors listed above")
        spans += referred_to(stated,
                             SUBSECTION_BUDGET_CHARS - sum(s.end - s.start for s in spans))
        spans += _continuations(spans, QUOTE_BUDGET_CHARS - sum(s.end - s.start for s in spans))
    spans += _items_of_lead_ins(spans, QUOTE_BUDGET_CHARS - sum(s.end - s.start for s in spans))
    return merge_spans(spans)


# a sentence goes on the one before it when they share a word found in at most this many units
# of the page; at most this many sentences are added after a quote
CONTINUATION_UNITS = 4
MAX_CONTINUATIONS = 2


# "It is also offered for ...": a sentence that says "also" of the subject before it goes on
# with it ("Chemotherapy is given for hormone receptor-negative ..." + "It is also offered for
# hormone receptor-positive breast cancer that has spread to internal organs ...")
_GOES_ON = re.compile(r"(?:It|They|This|These)(?: \w+)? also\b")


def _continuations(spans: list[Span], room: int) -> list[Span]:
    """The sentences after a quote, in its paragraph, that go on with what it says: each
    shares a rare word of the page with the sentence before it ("... may do blood tests to see
    if you are now in menopause." + "These tests look for the amount of estrogen or FSH in your
    blood." + "Low estrogen and high FSH levels in your blood mean you are in menopause."; "...
    as long as the cancer responds to it ..." + "Once the cancer no longer responds to the
    treatment, a different drug may be offered."), or says "also" of its subject, while they
    fit."""
    extra: list[Span] = []
    for span in spans:
        doc = span.doc
        weights = _term_weights(doc)
        rare = math.log(1 + len(doc.units) / CONTINUATION_UNITS)  # the weight of such a word
        last = next((u for u in reversed(doc.units) if u.start < span.end <= u.end), None)
        added = 0
        while last is not None and added < MAX_CONTINUATIONS and last.index + 1 < len(doc.units):
            after = doc.units[last.index + 1]
            shared = {t for t in content_terms(last.text) & content_terms(after.text)
                      if weights.get(t, 0.0) >= rare} or _GOES_ON.match(after.text)
            if (after.kind != "sentence" or after.paragraph != last.paragraph or not shared
                    or after.end - after.start > room
                    or any(s.doc is doc and s.start <= after.start < s.end
                           for s in [*spans, *extra])):
                break
            extra.append(_span(doc, after, after))
            room -= after.end - after.start
            last, added = after, added + 1
    return extra


# a subsection quoted whole when the question states its status has at most this many units,
# and the quotes may then run to this many characters (the whole of what the page says for
# that status reads better than a budget cut)
SUBSECTION_UNITS = 4
SUBSECTION_BUDGET_CHARS = 900


def _stated_subsection(spans: list[Span], query: Query, room: int) -> list[Span]:
    """The rest of a short subsection whose heading names a status the question states, once a
    quote is in it ("she still gets her periods, what hormone treatment?": all of "Hormonal
    therapy for premenopausal women", the aromatase inhibitors it is combined with and
    tamoxifen alone included, not only its opening sentence), when it fits."""
    from assistant.facets import facets_of, statuses

    stated = statuses(query.raw)
    extra: list[Span] = []
    if not stated:
        return extra
    for doc in {id(s.doc): s.doc for s in spans}.values():
        for section in doc.sections:
            if section.level < 3 or not facets_of(section.heading) & stated:
                continue
            inside = [u for u in doc.units if section.start <= u.start < section.end]
            if not any(s.doc is doc and section.start <= s.start < section.end for s in spans) \
                    or len(inside) > SUBSECTION_UNITS:
                continue
            rest = [u for u in inside if not any(s.doc is doc and s.start <= u.start < s.end
                                                 for s in [*spans, *extra])]
            size = sum(u.end - u.start for u in rest)
            if rest and size <= room:
                extra += [_span(doc, u, u) for u in rest]
                room -= size
    return extra


def list_items(span: Span) -> list[Unit]:
    """The items of the list whose lead-in a span ends on ("... and may be given:")."""
    lead = next((u for u in span.doc.units if u.start < span.end <= u.end), None)
    return [u for u in span.doc.units if lead is not None and u.antecedent == lead.index
            and u.kind == "item"]


def _items_of_lead_ins(spans: list[Span], budget: int) -> list[Span]:
    """A quote that ends on a list's lead-in ("... and may be given:") and has none of its
    items with the items of that list, when they fit: a lead-in alone says nothing."""
    extra: list[Span] = []
    for span in spans:
        if not span.text.rstrip().endswith(":"):
            continue
        items = list_items(span)
        if any(s.start <= u.start < s.end for u in items for s in spans):
            continue  # some of its items are quoted already (the ones that match)
        size = sum(u.end - u.start for u in items)
        if items and size <= budget:
            extra += [Span(span.doc, u.start, u.end, u.section) for u in items]
            budget -= size
    return extra


_ABOVE = re.compile(r"\b(?:the|of the|one of the)?\s*((?:[a-z-]+ ){0,1}[a-z-]+?)s? "
                    r"(?:listed|mentioned|described|named) above\b")


def referred_to(spans: list[Span], room: int) -> list[Span]:
    """A quote that says "one of the aromatase inhibitors listed above" brings the passage it
    points to (the nearest earlier sentence naming them), when it fits."""
    extra: list[Span] = []
    for span in spans:
        match = _ABOVE.search(fold(span.text))
        if not match:
            continue
        head = match.group(1)
        earlier = [u for u in span.doc.units if u.end <= span.start and u.kind == "sentence"
                   and head in u.folded]
        listing = [u for u in earlier
                   if re.search(rf"{re.escape(head)}s?,? (such as|including|like)\b", u.folded)]
        if not earlier:
            continue
        unit = (listing or earlier)[-1]  # the sentence that lists them, else the nearest
        target = _span(span.doc, unit, unit)
        inside = any(x.doc is target.doc and x.start <= target.start and target.end <= x.end
                     for x in spans + extra)
        if not inside and target.end - target.start <= room:
            extra.append(target)
            room -= target.end - target.start
    return extra


def _missing_drugs(spans: list[Span], hits: list[ScoredUnit], query: Query,
                   room: int) -> list[list[Span]]:
    """For each drug the question names that no quote names yet, the best passage naming it,
    while it fits."""
    extra: list[list[Span]] = []
    if len(query.drugs) < 2:
        return extra
    quoted = fold(" ".join(s.text for s in spans))
    for drug in query.drugs:
        if drug in quoted:
            continue
        hit = next((h for h in hits[:20] if drug in h.unit.folded), None)
        if hit is None:
            continue
        passage = _passage(hit, hits, query)
        if _is_whole_list(passage, hit):
            passage = _compact(hit, hits)
        size = sum(s.end - s.start for s in passage)
        if size <= room:
            extra.append(passage)
            room -= size
            quoted += " " + fold(" ".join(s.text for s in passage))
    return extra


def _mentions(spans: list[Span], hits: list[ScoredUnit], query: Query,
              room: int) -> list[list[Span]]:
    """A question about one drug: the other places the page makes it the subject (a list
    item that names it, with the list's lead-in; a sentence that opens with it, with the
    sentences leaning on it), best scoring first, while they fit."""
    extra: list[list[Span]] = []
    if len(query.drugs) != 1 or not hits:
        return extra
    drug = query.drugs[0]
    doc = hits[0].doc
    scores = {h.unit.index: h.score for h in hits if h.doc is doc}
    subject = [u for u in doc.units if _about(u, drug)]
    for unit in sorted(subject, key=lambda u: -scores.get(u.index, 0.0)):
        if any(s.doc is doc and s.start <= unit.start < s.end for s in spans):
            continue
        if unit.kind == "item" and unit.antecedent is not None:
            passage = [_span(doc, doc.units[unit.antecedent], doc.units[unit.antecedent]),
                       _span(doc, unit, unit)]
        else:
            passage = [sentence_span(doc, unit)]
        passage = [p for p in passage
                   if not any(s.doc is doc and s.start <= p.start and p.end <= s.end
                              for s in spans + [x for e in extra for x in e])]
        size = sum(s.end - s.start for s in passage)
        if passage and size <= room:
            extra.append(passage)
            room -= size
    return extra


def _about(unit: Unit, drug: str) -> bool:
    """Whether a unit makes the drug its subject: a list item naming it, a sentence that
    opens with it, or one that offers or gives it to someone ("Premenopausal women who do not
    want ... may be offered tamoxifen alone")."""
    text = unit.folded
    if unit.kind == "item":
        return re.search(rf"\b{re.escape(drug)}\b", text) is not None
    return unit.kind == "sentence" and (text.startswith(drug) or re.search(
        rf"\b(?:be offered|be given|is offered|is given) {re.escape(drug)}\b", text) is not None)


def _is_whole_list(passage: list[Span], hit: ScoredUnit) -> bool:
    return hit.unit.kind == "item" and len(passage) == 1


def _close_neighbours(spans: list[Span], hits: list[ScoredUnit], top: float,
                      room: int) -> list[Span]:
    """The sentence right after a quoted one, in the same paragraph, when it scores nearly as
    well: two sentences that belong together read better than one."""
    extra: list[Span] = []
    for hit in hits[:6]:
        unit, doc = hit.unit, hit.doc
        if hit.score < NEIGHBOUR_RATIO * top or unit.kind != "sentence" or unit.index == 0:
            continue
        before = doc.units[unit.index - 1]
        after = doc.units[unit.index + 1] if unit.index + 1 < len(doc.units) else None
        touches = any(s.doc is doc and (s.end == before.end and before.paragraph == unit.paragraph
                                        or after is not None and s.start == after.start
                                        and after.paragraph == unit.paragraph) for s in spans)
        inside = any(s.doc is doc and s.start <= unit.start < s.end for s in spans)
        if touches and not inside and unit.end - unit.start <= room:
            extra.append(_span(doc, unit, unit))
            room -= unit.end - unit.start
    return extra


_ELABORATES = re.compile(r"(These|This|Those) (tests?|treatments?|drugs?)\b")


def _elaborations(spans: list[Span], room: int) -> list[Span]:
    """The sentence that says what a quoted one's tests or treatments are ("... may do blood
    tests to see if you are now in menopause." + "These tests look for the amount of estrogen
    or follicle-stimulating hormone (FSH) in your blood."), when it fits."""
    extra: list[Span] = []
    for span in spans:
        for unit in span.doc.units:
            lean = unit.antecedent
            if (lean is None or unit.kind != "sentence" or not _ELABORATES.match(unit.text)
                    or not span.start <= span.doc.units[lean].start < span.end
                    or any(s.doc is span.doc and s.start <= unit.start < s.end
                           for s in [*spans, *extra])
                    or unit.end - unit.start > room):
                continue
            extra.append(_span(span.doc, unit, unit))
            room -= unit.end - unit.start
    return extra


def _gain(candidate: tuple[float, list[Span], set[str], ScoredUnit], covered: frozenset[str],
          weights: dict[str, float]) -> float:
    """How much a candidate passage adds: its score times the weight of new question words."""
    score, _, terms, _ = candidate
    return score * sum(weights.get(t, 1.0) for t in terms - covered)


@lru_cache(maxsize=8)
def _term_weights(doc: Document) -> dict[str, float]:
    """Inverse document frequency of each content word over the document's units."""
    counts: dict[str, int] = {}
    for unit in doc.units:
        for term in content_terms(f"{unit.section} {unit.text}"):
            counts[term] = counts.get(term, 0) + 1
    n = len(doc.units)
    return {term: math.log(1 + n / c) for term, c in counts.items()}


def _passage(hit: ScoredUnit, hits: list[ScoredUnit], query: Query) -> list[Span]:
    doc, unit = hit.doc, hit.unit
    if unit.kind == "item" and unit.antecedent is not None:
        lead = doc.units[unit.antecedent]
        siblings = [h for h in hits[:10] if h.unit.antecedent == lead.index and h.doc is doc
                    and h.score >= KEEP_RATIO * hits[0].score]
        if len(siblings) >= 3 or _LIST_INTENT.search(fold(query.raw)) and len(siblings) >= 2:
            return [_chain_span(doc, lead, _list_end(doc, lead))]
        return [_chain_span(doc, lead, lead), _span(doc, unit, unit)]
    if unit.text.rstrip().endswith(":"):
        return [_chain_span(doc, unit, _list_end(doc, unit))]
    if unit.kind == "sentence" and any(_about(unit, d) for d in query.drugs):
        return [sentence_span(doc, unit)]  # the drug's sentence with those leaning on it
    return [_chain_span(doc, unit, unit)]


def _compact(hit: ScoredUnit, hits: list[ScoredUnit]) -> list[Span]:
    """A list item with its lead-in and the sibling items that scored as well (not the whole
    list); nothing for a unit that is not a list item."""
    doc, unit = hit.doc, hit.unit
    if unit.kind != "item" or unit.antecedent is None:
        return []
    lead = doc.units[unit.antecedent]
    items = sorted({h.unit.index for h in hits[:10] if h.unit.antecedent == lead.index
                    and h.doc is doc and h.score >= KEEP_RATIO * hits[0].score} | {unit.index})
    return [_chain_span(doc, lead, lead), *(_span(doc, doc.units[i], doc.units[i])
                                            for i in items)]


def _chain_span(doc: Document, first: Unit, last: Unit) -> Span:
    """From the start of what ``first`` leans on to the end of ``last``."""
    root = first
    while root.antecedent is not None and doc.units[root.antecedent].kind == "sentence" \
            and doc.units[root.antecedent].paragraph == root.paragraph:
        root = doc.units[root.antecedent]
    return _span(doc, root, last)


def _list_end(doc: Document, lead: Unit) -> Unit:
    items = [u for u in doc.units if u.antecedent == lead.index and u.kind == "item"]
    return items[-1] if items else lead


def _span(doc: Document, first: Unit, last: Unit) -> Span:
    return Span(doc, first.start, last.end, first.section)


def _overlaps(a: list[Span], b: list[Span]) -> bool:
    return any(x.doc is y.doc and x.start < y.end and y.start < x.end for x in a for y in b)


def sentence_span(doc: Document, unit: Unit) -> Span:
    """A sentence with what it leans on and the sentences of its paragraph that lean on it
    ("Talk to your healthcare team. They can help you choose ...")."""
    last = unit
    for nxt in doc.units[unit.index + 1:]:
        if nxt.antecedent != last.index or nxt.paragraph != unit.paragraph:
            break
        last = nxt
    return _chain_span(doc, unit, last)


def merge_spans(spans: list[Span]) -> list[Span]:
    """Join spans of one paragraph that touch or are separated only by spaces."""
    out: list[Span] = []
    for span in sorted(spans, key=lambda s: (s.doc.id, s.start)):
        prev = out[-1] if out else None
        if prev and prev.doc is span.doc and span.start >= prev.start and \
                not prev.doc.text[prev.end : span.start].strip(" ") and \
                "\n" not in prev.doc.text[prev.end : span.start]:
            out[-1] = Span(prev.doc, prev.start, max(prev.end, span.end), prev.section)
        elif prev and prev.doc is span.doc and span.start < prev.end:
            out[-1] = Span(prev.doc, prev.start, max(prev.end, span.end), prev.section)
        else:
            out.append(span)
    return out
