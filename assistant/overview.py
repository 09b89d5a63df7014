"""Overview answers, built from the page's structure rather than from similarity.

"What are the treatment options?" needs every kind of treatment the page gives, not the best
few sentences (which are its lead-in, "The following are treatment options for ..."); "give me
a summary of targeted therapy" needs that section's key sentences. Both come from the page's
own structure: its sections (each kind of treatment is a section of the page) and, in each, the
opening sentence of every paragraph.

What marks a request for an overview is a short list of words in ``assistant/data/overview.yaml``
(summaries, overviews, "what does the page say about", treatment options, and the words that
narrow the options to a kind of cancer), read once.
"""

from __future__ import annotations

import re
from functools import lru_cache
from importlib import resources

import yaml

from assistant.compose import Span
from assistant.corpus import Document, Section, Unit
from assistant.lexicon import fold

# a section summary quotes at most this many opening sentences
MAX_SECTION_SENTENCES = 4


@lru_cache(maxsize=1)
def _vocabulary() -> dict[str, re.Pattern[str]]:
    raw = resources.files("assistant.data").joinpath("overview.yaml").read_text("utf-8")
    data = yaml.safe_load(raw)
    out = {}
    for name in ("summary", "options", "narrows"):
        terms = sorted({fold(t) for lang in ("en", "fr", "es") for t in data[name].get(lang, [])},
                       key=len, reverse=True)
        out[name] = re.compile(r"(?<![a-z0-9])(?:" + "|".join(re.escape(t) for t in terms)
                               + r")(?![a-z0-9])")
    return out


def asks_summary(text: str) -> bool:
    """A request to sum up what the page says about something."""
    return bool(_vocabulary()["summary"].search(fold(text)))


def asks_options(text: str) -> bool:
    """A request for the treatments the page gives, all of them."""
    return bool(_vocabulary()["options"].search(fold(text)))


def narrowed(english: str) -> bool:
    """Whether a request for the options narrows them to a kind of cancer ("for HER2-positive",
    "spread to the bones"): those are answered by search, not listed whole."""
    return bool(_vocabulary()["narrows"].search(fold(english)))


def treatment_sections(doc: Document) -> list[Section]:
    """The kinds of treatment: the page's top sections, the glossary left out."""
    return [s for s in doc.sections if s.level == 2 and fold(s.heading) != "glossary"]


def _openers(doc: Document, section: Section, limit: int) -> list[Unit]:
    """The opening sentence of each paragraph of a section (its subsections included)."""
    seen: set[int] = set()
    out: list[Unit] = []
    for unit in doc.units:
        if section.start <= unit.start < section.end and unit.paragraph not in seen:
            seen.add(unit.paragraph)
            out.append(unit)
            if len(out) == limit:
                break
    return out


def options_overview(doc: Document) -> list[Span]:
    """Every kind of treatment, each by the opening sentence of its section, after the page's
    own lead-in."""
    lead = [u for u in doc.units if u.section == doc.title][:1]
    spans = [Span(doc, u.start, u.end, u.section) for u in lead]
    for section in treatment_sections(doc):
        spans += [Span(doc, u.start, u.end, u.section) for u in _openers(doc, section, 1)]
    return spans


def section_summary(doc: Document, section: Section) -> list[Span]:
    """A section's key sentences: the opening sentence of each of its paragraphs, a list's
    lead-in with its items ("The following single drugs may be used:" and the drugs)."""
    return [with_list(doc, u) for u in _openers(doc, section, MAX_SECTION_SENTENCES)]


def with_list(doc: Document, unit: Unit) -> Span:
    """A unit as a span; a list's lead-in with all its items."""
    items = [u for u in doc.units if u.antecedent == unit.index and u.kind == "item"]
    return Span(doc, unit.start, items[-1].end if items else unit.end, unit.section)


def named_section(doc: Document, text: str) -> Section | None:
    """The section (not a glossary entry) whose heading the text names, the longest first."""
    folded = fold(text)
    named = [s for s in doc.sections if s.level >= 2 and not s.path.startswith("Glossary")
             and re.search(r"(?<![a-z0-9])" + re.escape(fold(s.heading)) + r"(?![a-z0-9])",
                           folded)]
    return max(named, key=lambda s: len(s.heading), default=None)
