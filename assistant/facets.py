"""A model of the page by facets: what each quotable unit is about, in the page's own words.

Similarity ranking gives the best few passages; a question over the whole page ("every drug
the page gives for HER2-positive cancer", "which treatments are combined with an aromatase
inhibitor", "what targeted drugs are pills") needs every unit that has what it asks, and none
that has the opposite. The facets (receptor and HER2 status, menopause, kind of treatment,
what a drug is combined with, where the cancer has spread, line of treatment, how it is taken)
and their words are in ``assistant/data/facets.yaml``; each unit of the page is tagged once,
from its own words and, for statuses and kinds of treatment, from the paragraph, list lead-in
and headings it belongs to. A question is read with the same words.

>>> model = FacetModel.build(document, drug_names)                # doctest: +SKIP
>>> [u.text for u in model.select("which targeted drugs are for her2 positive cancer")]
['Trastuzumab (Herceptin) is given for stage 4 HER2-positive breast cancer.', ...]
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from typing import Any

import yaml

from assistant.corpus import Document, Unit
from assistant.lexicon import fold

# a facet query that finds fewer treatments than this is answered by search (one passage is
# what similarity finds best), and one that finds more is not a list anyone asked for
_KINDS = frozenset({"chemotherapy", "hormonal", "targeted"})  # kinds of treatment
_NAMES_ITS_ITEMS = re.compile(r"(?:the following|these)\b", re.I)
MIN_UNITS = 2
MAX_UNITS = 6
MAX_LISTED = 12  # ... when the question asks for every one
LIST_SHARE = 0.75  # ... unless this share of them are the items of one list: then that list
# what names a treatment, besides the drugs of the page
_THERAPIES = ("aromatase inhibitor", "ovarian ablation", "ovarian suppression", "chemotherapy",
              "hormonal therapy")


@dataclass(frozen=True)
class Facet:
    name: str
    pattern: re.Pattern[str]
    inherit: bool
    excludes: frozenset[str]
    asked: re.Pattern[str] | None = None  # the words of a question that asks for this facet
    status: bool = False  # a status of the cancer with no opposite (where it has spread)
    required: bool = True  # a list asked with it keeps only units that have it
    opposite: str | None = None  # named beside it, a question asks about both sides
    with_status: bool = False  # asked only beside a status the question names


# a list item the page names by a label of capitals before a dash: "CAF (or FAC) – ..."
_LABEL = re.compile(r"^\s*([A-Z][A-Z0-9]{1,5}(?:\s*\(or [A-Z][A-Z0-9]{1,5}\))?)"
                    r"\s+[\u2013\u2014-]\s")


def words(text: str) -> str:
    """Folded text with signs as spaces ("HER2-positive" -> "her2 positive"); "+" is kept
    ("ER+"); a word people shorten is written as the page writes it ("haven't had trastuzumab
    or chemo" -> "have not had trastuzumab or chemotherapy"; ``same`` in facets.yaml)."""
    folded = fold(text).replace("n't", "nt").replace("'", "")
    spaced = " " + re.sub(r"[^a-z0-9+]+", " ", folded).strip() + " "
    pattern, same = _same()
    return pattern.sub(lambda m: f" {same[m.group(1)]}", spaced) if same else spaced


@lru_cache(maxsize=1)
def _facets_file() -> dict[str, Any]:
    """assistant/data/facets.yaml, read once."""
    raw = resources.files("assistant.data").joinpath("facets.yaml").read_text("utf-8")
    return dict(yaml.safe_load(raw))


@lru_cache(maxsize=1)
def _same() -> tuple[re.Pattern[str], dict[str, str]]:
    same = {str(k): str(v) for k, v in (_facets_file().get("same") or {}).items()}
    alternatives = "|".join(re.escape(w) for w in sorted(same, key=len, reverse=True)) or "(?!)"
    return re.compile(rf" ({alternatives})(?= )"), same


def _pattern(terms: list[str]) -> re.Pattern[str]:
    """Any of the terms, its last word inflected or not ("symptoms start" reads "symptoms
    started", "progresses" reads "progressed")."""
    alternatives = sorted({words(t).strip() for t in terms}, key=len, reverse=True)
    return re.compile(r"(?<=[ ])(?:" + "|".join(re.escape(a) for a in alternatives)
                      + r")(?:s|es|d|ed|ing)?(?=[ ])")


@lru_cache(maxsize=1)
def _vocabulary() -> tuple[tuple[Facet, ...], dict[str, re.Pattern[str]]]:
    data = _facets_file()
    facets = tuple(Facet(name, _pattern(spec["terms"]), bool(spec.get("inherit")),
                         frozenset(spec.get("excludes", [])),
                         _pattern(spec["asked"]) if spec.get("asked") else None,
                         bool(spec.get("status")), bool(spec.get("required", True)),
                         spec.get("opposite"), bool(spec.get("with_status")))
                   for name, spec in data["facets"].items())
    lists = {key: _pattern(data[key])
             for key in ("list_words", "ask_words", "treatment_words", "mention_words")}
    return facets, lists


# what a question rules out: "she can't take aromatase inhibitors", "other than tamoxifen"
_RULED_OUT = re.compile(r"(?:cant|cannot|can not|couldnt|not|no|without|instead of|other than|"
                        r"besides|apart from|except|rather than|doesnt want|dont want) "
                        r"(?:[a-z0-9+]+ ){0,2}$")


# ... within three words ("instead of the hormone pills": a lay name the lexicon writes the
# page's way after it)
_RULED_OUT_NEAR = re.compile(_RULED_OUT.pattern.replace("{0,2}", "{0,3}"))


def rules_out(before: str) -> bool:
    """Whether the words right before a term rule it out ("instead of the hormone pills",
    "she can't take", "other than tamoxifen")."""
    return bool(_RULED_OUT_NEAR.search(words(before[-50:]).rstrip() + " "))


def facets_of(text: str, ruled_out: bool = True) -> set[str]:
    """The facets a text names. Of two opposite facets found in the same words, the longer
    wording wins ("hasn't gone through the change" is before menopause, not after it). With
    ``ruled_out=False``, a facet the text rules out ("she can't take aromatase inhibitors") is
    left out. A woman's age stated outside the page's span of menopause ages is her status
    ("my mum is 74": after menopause) when no words name one, and so is a blood level the page
    says means menopause ("her FSH came back high")."""
    folded = words(text)
    found = [(m.start(), m.end(), f) for f in _vocabulary()[0] for m in f.pattern.finditer(folded)
             if ruled_out or not _RULED_OUT.search(folded[max(0, m.start() - 40):m.start()])]
    named = {f.name for start, end, f in found if not any(
        g.name in f.excludes and s <= start and end <= e and (e - s) > (end - start)
        for s, e, g in found)}
    if not named & {"premenopausal", "postmenopausal"}:
        named |= _status_by_age(folded) or _status_by_levels(folded)
    return named


# a woman's age as she or someone close tells it: "my mum is 74", "i'm 39", "she's 70",
# "a 68 year old", "aged 41" (not a dose, a count of days or a percentage)
_AGE = re.compile(r" (?:(?:i m|im|i am|she s|shes|she is|(?:mom|mum|mother|mama|wife|sister|aunt|"
                  r"daughter|grandma|grandmother|friend|partner|girlfriend) is|aged|age|at age|"
                  r"turned|turning) ([1-9][0-9])(?! (?:mg|ml|percent|days?|weeks?|months?|"
                  r"cycles?|kg|lbs|pounds|times)\b)|([1-9][0-9]) (?:years? old|yrs? old|yo|y o)) ")


def _status_by_age(spaced: str) -> set[str]:
    match = _AGE.search(spaced)
    if match is None:
        return set()
    age = int(match.group(1) or match.group(2))
    below, above = _menopause_ages()
    return {"premenopausal"} if age < below else {"postmenopausal"} if age > above else set()


def _status_by_levels(spaced: str) -> set[str]:
    """After menopause when the text tells a blood level the page says means it ("low estrogen
    and high FSH"), its level word within three words before or after the hormone."""
    return {"postmenopausal"} if _levels_pattern().search(spaced) else set()


@lru_cache(maxsize=1)
def _levels_pattern() -> re.Pattern[str]:
    levels = _facets_file()["menopause_levels"]

    def either(words: list[str]) -> str:
        return "(?:" + "|".join(re.escape(w) for w in sorted(words, key=len, reverse=True)) + ")"

    gap = r" (?:[a-z0-9]+ ){0,3}"
    return re.compile("|".join(
        rf" {either(levels[f'{kind}_words'])}{gap}{either(levels[kind])}(?: levels?)? |"
        rf" {either(levels[kind])}{gap}{either(levels[f'{kind}_words'])} "
        for kind in ("high", "low")))


@lru_cache(maxsize=1)
def _menopause_ages() -> tuple[int, int]:
    below, above = _facets_file()["menopause_ages"]
    return int(below), int(above)


# ("if" after a verb of finding out; "what if she gets symptoms?", "is it used if she hasn't
# reached menopause?" suppose what they name: that status is asked about)
_ASKED_WHETHER = re.compile(r"\b(?:whether|(?:test|tests|tested|testing|check|checks|checking|see|"
                            r"know|tell|find out|work out|figure out|determine|decide|sure|"
                            r"wonder|wondering|ask|asking|show|shows|confirm|measure|look)"
                            r"(?: [a-z]+){0,3} if)\b[^,;:.?!]*|[^,;:.?!]*\bor not\b")
# every condition, supposed or asked: what a text states as so ("she is HER2-positive")
_SUPPOSED = re.compile(r"\b(?:whether|if|unless|when|once)\b[^,;:.?!]*|[^,;:.?!]*\bor not\b")
# both sides of a comparison in one question (its parts, one side each, do weigh statuses)
_COMPARING = re.compile(r" (?:vs|versus|compared|comparison) ")
# where a sentence goes on to ask something else: ", and what ...", "; which ..."
_CLAUSES = re.compile(r"[.?!;]+\s*|,\s*(?:and|but|so)\s+|\s+(?:and|but)\s+(?=(?:what|which|"
                      r"how|is|are|can|does|do)\b)")


def statuses(text: str, supposed: bool = True) -> set[str]:
    """The statuses a text states: the facets that have an opposite (HER2-positive and
    HER2-negative, before and after menopause, ...), leaving out what it asks "whether" ("how
    do they test whether she has become post-menopausal" states no status, nor does "does
    being in menopause or not change anything?"). With ``supposed=False``, what a condition
    supposes ("which hormone is high if you're in menopause?") is left out too."""
    if _COMPARING.search(words(text)):
        return set()  # "hormone therapy before vs after menopause" weighs both sides alike
    kept = (_ASKED_WHETHER if supposed else _SUPPOSED).sub(" ", fold(text))
    found = facets_of(kept)
    stated = {f.name for f in _vocabulary()[0] if (f.excludes or f.status) and f.name in found}
    # a status said not to hold is its opposite ("it isn't the kind that feeds on hormones")
    by_name = _by_name()
    spaced = words(kept)
    spans = {n: [m.span() for m in by_name[n].pattern.finditer(spaced)] for n in stated}
    for name in list(stated):
        facet = by_name[name]
        shared = any(set(spans[name]) & set(spans[other]) for other in spans if other != name)
        if len(facet.excludes) == 1 and spans[name] and not shared and all(
                _NEGATED.search(spaced[:start]) for start, _ in spans[name]):
            stated = stated - {name} | set(facet.excludes)
    return stated


# a negation just before a status: "isn't the kind that feeds on hormones", "not her2 positive"
_NEGATED = re.compile(r"(?:isnt|is not|not|never|doesnt|does not|arent|wasnt) "
                      r"(?:[a-z0-9+]+ ){0,3}$")


def carried(before: set[str], part: str) -> frozenset[str]:
    """The statuses stated before (by an earlier part of the same message) that a part neither
    states nor contradicts: "for hormone receptor-positive disease, when is hormonal therapy
    used and when is chemotherapy used instead?" asks its second part of hormone
    receptor-positive disease too. None for a side of a comparison."""
    if _COMPARING.search(words(part)):
        return frozenset()
    own = statuses(part)
    return frozenset(before - own - opposed(own))


@lru_cache(maxsize=1)
def subject_facets() -> frozenset[str]:
    """The facets that name a subject of the page (a kind of treatment, a class of drugs, a
    gene), not a status of the cancer nor a kind of statement."""
    return frozenset(f.name for f in _vocabulary()[0]
                     if not (f.excludes or f.status or f.asked is not None))


@lru_cache(maxsize=1)
def checked_kinds() -> frozenset[str]:
    """The kinds of statement asked of a status ("how do they tell ...?"): with_status."""
    return frozenset(f.name for f in _vocabulary()[0] if f.with_status)


@lru_cache(maxsize=1)
def kinds_of_treatment() -> frozenset[str]:
    """The facets of a kind of treatment (hormonal, chemotherapy, targeted): inherited by a
    paragraph, with no opposite."""
    return frozenset(f.name for f in _vocabulary()[0]
                     if f.inherit and not f.excludes and not f.status)


def where_spread() -> frozenset[str]:
    """The facets of where the cancer has spread: statuses with no opposite."""
    return frozenset(f.name for f in _vocabulary()[0] if f.status)


def asked_for(text: str, names: frozenset[str] = frozenset()) -> set[str]:
    """The facets a question asks for by its own words ("who gets chemotherapy?" asks what
    chemotherapy is given for; "what if she doesn't want it?" asks for the alternative). A
    question asks the same of a treatment it names as of "it": "when is chemo used?" as
    "when is it used?" (``names``: the page's drug names, besides the kinds of treatment)."""
    folded = words(text)
    facets = _vocabulary()[0]
    readings = [folded, *(_subjects(names).sub(p, folded) for p in (" it", " they"))]
    asked = {f for f in facets if f.asked is not None
             and any(f.asked.search(r) for r in readings)}
    if any(f.with_status for f in asked):
        named = facets_of(text)
        if not any(f.name in named for f in facets if f.excludes or f.status):
            asked = {f for f in asked if not f.with_status}
    return {f.name for f in asked}


@lru_cache(maxsize=4)
def _subjects(names: frozenset[str]) -> re.Pattern[str]:
    """A treatment named in a question: a kind of treatment (its facet's words) or a drug."""
    kinds = kinds_of_treatment()
    terms = {words(t).strip() for spec_name, spec in _facets_file()["facets"].items()
             if spec_name in kinds for t in spec["terms"]} | {words(n).strip() for n in names}
    alternatives = "|".join(re.escape(t) for t in sorted(terms - {""}, key=len, reverse=True))
    return re.compile(rf" (?:the |this |that )?(?:{alternatives})"
                      rf"(?: drugs?| pills?| treatments?| therapy)?(?= )")


def opposed(wanted: set[str]) -> set[str]:
    """The statuses opposite to those wanted, and not wanted themselves ("triple negative"
    names HER2-negative and hormone receptor-negative alike)."""
    by_name = _by_name()
    return set().union(*(by_name[w].excludes for w in wanted)) - wanted


@lru_cache(maxsize=1)
def _by_name() -> dict[str, Facet]:
    return {f.name: f for f in _vocabulary()[0]}


def asks_list(text: str) -> bool:
    """Whether a question asks for every unit of a kind: words of enumeration ("every", "list",
    "all the"), or "which"/"what" followed, within two words, by a word for treatments ("which
    targeted drugs", not "what if a treatment stops working")."""
    _, lists = _vocabulary()
    folded = words(text)
    return bool(lists["list_words"].search(folded)) or _asks_which_drug(folded)


def _asks_which_drug(folded: str) -> bool:
    """"which chemo drug ...", "what pills ...": "which" or "what" followed, within two words,
    by a word for treatments."""
    facets, lists = _vocabulary()
    short = folded  # "which her2 positive drugs": a status counts as one word
    for facet in facets:
        if facet.excludes or facet.status:
            short = facet.pattern.sub("status", short)
    for text in (folded, short):
        for ask in lists["ask_words"].finditer(text):
            window = " " + " ".join(text[ask.end():].split()[:2]) + " "
            if lists["treatment_words"].search(window):
                return True
    return False


@dataclass
class FacetModel:
    """Each unit of one document with its facets, and what each unit is about: the unit that
    names its treatment (itself, or the sentence it leans on: "It is combined with ..." is
    about the drug of the sentence before it)."""

    doc: Document
    tags: dict[int, frozenset[str]]
    subjects: dict[int, tuple[int, frozenset[str]]]  # unit -> (its root unit, what that names)
    drugs: dict[int, frozenset[str]]  # unit -> the drugs it names itself

    @classmethod
    def build(cls, doc: Document, drug_names: set[str] | frozenset[str]) -> FacetModel:
        facets = _vocabulary()[0]
        inheritable = {f.name for f in facets if f.inherit}
        units = {u.index: u for u in doc.units}
        opener: dict[int, Unit] = {}
        for unit in doc.units:
            opener.setdefault(unit.paragraph, unit)
        sections = {s.path: s for s in doc.sections}
        leads: dict[str, list[str]] = {}
        for section in doc.sections:
            inside = [u for u in doc.units if section.start <= u.start < section.end]
            if inside and words(section.heading).strip() in words(inside[0].text):
                leads[section.path] = [u.text for u in inside
                                       if u.paragraph == inside[0].paragraph]
        tags: dict[int, frozenset[str]] = {}
        subjects: dict[int, tuple[int, frozenset[str]]] = {}
        drugs: dict[int, frozenset[str]] = {}
        for unit in doc.units:
            own_text = unit.text
            if unit.kind == "item" and unit.antecedent is not None:
                own_text = f"{units[unit.antecedent].text} {unit.text}"  # "may be given: with ..."
            own = facets_of(own_text)
            # a list item's paragraph is its list: what it inherits comes from its lead-in
            context = [] if unit.kind == "item" else [opener[unit.paragraph].text]
            root = unit
            while root.antecedent is not None:  # the lead-ins and sentences it leans on
                root = units[root.antecedent]
                context += [root.text, opener[root.paragraph].text]
            path = unit.section.split(" > ")
            heads = [" > ".join(path[:depth]) for depth in range(1, len(path) + 1)]
            context += [sections[h].heading for h in heads if h in sections]  # headings above
            # a section's first paragraph speaks for the whole section when it opens by naming
            # the section's subject ("Hormonal therapy is offered for hormone receptor-positive
            # ..."), not when it opens on one drug ("Trastuzumab (Herceptin) is given for ...")
            context += [t for h in heads if h in sections for t in leads.get(h, [])]
            # a sentence that opens with "if" states no status for what follows it ("If you
            # hadn't reached menopause ..., your healthcare team may do blood tests")
            inherited = set().union(*(facets_of(t) for t in context
                                      if not t.lower().startswith("if "))) & inheritable
            # a sentence that states its own status is not about the opposite one it would
            # inherit ("It is also offered for hormone receptor-positive ..." after
            # "Chemotherapy is given for hormone receptor-negative ...")
            tags[unit.index] = frozenset(own | inherited - opposed(own))
            folded = words(root.text)
            named = frozenset(n for n in (*drug_names, *_THERAPIES) if f" {n}" in folded)
            subjects[unit.index] = (root.index, named)
            own_words = words(unit.text)
            drugs[unit.index] = frozenset(n for n in drug_names if f" {n} " in own_words)
        return cls(doc, tags, subjects, drugs)

    def mentions(self, question: str, same_drug: dict[str, str] | None = None) -> list[Unit]:
        """For a question that asks where the page mentions one drug ("where all does docetaxel
        show up?", "every place the page names Herceptin"): every unit that names it, in the
        page's order (a list item with its lead-in); none unless it names one drug the page
        names in at least ``MIN_UNITS`` places."""
        _, lists = _vocabulary()
        folded = words(question)
        if not lists["mention_words"].search(folded) or _asks_which_drug(folded):
            return []  # "which chemo drug shows up both ...?" asks which drug, not where
        same = same_drug or {}
        # a brand and its generic name are one drug ("Herceptin" is trastuzumab)
        named = {same.get(d, d) for names in self.drugs.values() for d in names
                 if f" {d} " in folded}
        if len(named) != 1:
            return []
        units = {u.index: u for u in self.doc.units}
        places = [u for u in self.doc.units
                  if named & {same.get(d, d) for d in self.drugs[u.index]}]
        if len(places) < MIN_UNITS:
            return []
        chosen = {u.index: u for u in places}
        for unit in places:  # an item with its lead-in, a sentence with the one it leans on
            lean = unit.antecedent if unit.kind == "item" else self.subjects[unit.index][0]
            if lean is not None:
                chosen[lean] = units[lean]
        return sorted(chosen.values(), key=lambda u: u.start)

    def labelled(self, question: str) -> list[Unit]:
        """The list items a question names by the label the page gives them ("AC –
        doxorubicin and cyclophosphamide", "CAF (or FAC) – ..."): those items, with their
        lead-in; none when it names none."""
        folded = words(question)
        units = {u.index: u for u in self.doc.units}
        chosen: dict[int, Unit] = {}
        for unit in self.doc.units:
            label = _LABEL.match(unit.text) if unit.kind == "item" else None
            if label is None:
                continue
            names = re.findall(r"\b[A-Z][A-Z0-9]+\b", label.group(1))  # "CAF", "FAC"
            if any(f" {n.lower()} " in folded for n in names):
                chosen[unit.index] = unit
                if unit.antecedent is not None:
                    chosen[unit.antecedent] = units[unit.antecedent]
        return sorted(chosen.values(), key=lambda u: u.start)

    def _named_list(self, wanted: set[str], asked: str) -> list[Unit]:
        """A list whose lead-in says in its own words all the question asks for ("The following
        combinations of chemotherapy drugs ...:" for "which chemo combinations ...?"): its
        lead-in and its items, those naming a drug the question names when it names any
        ("which combinations contain doxorubicin or epirubicin?")."""
        if not wanted - _KINDS:
            return []  # "which chemo drugs ...": a kind of treatment alone names no one list
        folded = f" {words(asked)} "
        named = {d for names in self.drugs.values() for d in names if f" {d} " in folded}
        for lead in self.doc.units:
            items = [u for u in self.doc.units if u.kind == "item" and u.antecedent == lead.index]
            # a lead-in that names what its items are ("The following single drugs ..."), not
            # one that goes on about its own subject ("It is taken as pill daily and may be
            # given:")
            if len(items) < MIN_UNITS or not _NAMES_ITS_ITEMS.match(lead.text) \
                    or not wanted <= facets_of(lead.text, ruled_out=False):
                continue
            if named:
                items = [u for u in items if self.drugs[u.index] & named]
            if items:
                return [lead, *items]
        return []

    def _having(self, wanted: set[str],
                against: set[str]) -> tuple[dict[int, Unit], int]:
        """The units that have every wanted facet and none against, each about a treatment
        the units before it are not about (with the sentence that names its treatment), and
        how many treatments they are about."""
        units = {u.index: u for u in self.doc.units}
        chosen: dict[int, Unit] = {}
        named: set[str] = set()
        treatments = 0
        for unit in self.doc.units:
            root, names = self.subjects[unit.index]
            names |= self.drugs[unit.index]  # "... they may be offered tamoxifen"
            if not names or not wanted <= self.tags[unit.index] or names <= named \
                    or against & self.tags[unit.index]:
                continue  # no treatment it is about is new: "Pertuzumab may not be covered ..."
            treatments += 1
            named |= names
            chosen[unit.index] = unit
            if root != unit.index:  # it leans on the sentence that names its treatment
                chosen[root] = units[root]
        return chosen, treatments

    def select(self, question: str) -> list[Unit]:
        """For a question that asks for a list and names facets: in the page's order, every unit
        that has them all and is about a treatment the units before it are not about (with
        the sentence that names its treatment, when it only leans on it: "with an aromatase
        inhibitor ..." after "Abemaciclib (Verzenio) is used for ..."); none unless the list
        has between ``MIN_UNITS`` and ``MAX_UNITS`` such units."""
        asked = next((c for c in _CLAUSES.split(question) if c and asks_list(c)), None)
        if asked is None:
            return []
        # the statuses the whole message states, and what the clause that asks for the list
        # asks for ("post-menopausal, ER+ ... since ibrance goes with an AI does that rule it
        # out, and what hormone option is left": not what goes with an AI)
        in_asked = facets_of(asked, ruled_out=False)
        wanted = statuses(question) & facets_of(question, ruled_out=False) | in_asked
        # a kind of statement ("is offered for", "depends on") is asked by other words
        # (``asked_for``); it narrows no list ("which treatment is offered for stage 4")
        facets = _vocabulary()[0]
        wanted -= {f.name for f in facets if f.asked is not None}
        # both sides named ("on the single-drug list and in a combination"): neither narrows
        wanted -= {n for f in facets if f.opposite and {f.name, f.opposite} <= wanted
                   for n in (f.name, f.opposite)}
        # a facet that is not required, stated outside the words that ask for the list, drops
        # only the units with its opposite
        loose = {f.name for f in facets if not f.required} & wanted - in_asked
        wanted, against = wanted - loose, opposed(loose)
        if not wanted:
            return []
        units = {u.index: u for u in self.doc.units}
        whole = self._named_list(wanted, asked)
        if whole:
            return whole
        chosen, treatments = self._having(wanted, against)
        if not chosen:
            # statuses the page never tells together ("hormone receptor-positive and
            # HER2-positive, in the liver and causing symptoms: which treatments apply?"): each
            # receptor status with what the page tells beside it, the lists joined
            receptors = {f.name for f in facets if f.excludes and f.required} & wanted
            if len(receptors) > 1:
                for status in sorted(receptors):
                    beside = {w for w in wanted - receptors
                              if any({status, w} <= t for t in self.tags.values())}
                    more, count = self._having({status} | beside, against)
                    chosen.update(more)
                    treatments += count
        # "every", "list", "name all": as many as the page has; otherwise a long list is not
        # what was asked for
        # ... but what has them all may be mostly one list of the page, and a list is one
        # passage: that list whole, with what its own section says beside it ("what single
        # chemotherapy drugs can be used?": the twelve items, their lead-in and "Chemotherapy
        # drugs are often used alone ...", not a targeted drug that may be given by itself)
        by_lead = Counter(u.antecedent for u in chosen.values() if u.kind == "item")
        if by_lead:
            lead, count = by_lead.most_common(1)[0]
            if count >= MIN_UNITS and count >= LIST_SHARE * treatments and lead is not None:
                section = units[lead].section
                return sorted((u for u in chosen.values() if u.section == section),
                              key=lambda u: u.start)
        most = MAX_LISTED if _vocabulary()[1]["list_words"].search(words(asked)) else MAX_UNITS
        if not MIN_UNITS <= treatments <= most:
            return []
        return sorted(chosen.values(), key=lambda u: u.start)
