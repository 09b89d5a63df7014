"""Hybrid retrieval at the level of quotable units: dense (Chroma, MiniLM) and BM25 (bm25s),
fused by reciprocal rank, with drug aliases and misspellings resolved by the Lexicon."""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

import numpy as np
from langchain_core.callbacks import CallbackManagerForRetrieverRun
from langchain_core.documents import Document as LCDocument
from langchain_core.embeddings import Embeddings
from langchain_core.retrievers import BaseRetriever
from pydantic import ConfigDict
from rapidfuzz import fuzz

from assistant.corpus import Document, Unit
from assistant.facets import (
    FacetModel,
    asked_for,
    checked_kinds,
    facets_of,
    kinds_of_treatment,
    opposed,
    statuses,
    where_spread,
)
from assistant.index import VectorIndex, unit_context
from assistant.lexicon import Lexicon, expand_contractions, fold

RRF_K = 5
CANDIDATES = 150  # units taken from each of the dense and BM25 rankings (one page has ~70)
CHUNK_WEIGHT = 0.5
DRUG_BONUS = 0.12
STATUS_BONUS = 0.1  # a passage with every status the question states (see _weigh_facets)
MEMBER_WEIGHT = 0.25  # per member of a drug class asked for that a passage names
HEADING_BONUS = 0.3
_DEFINE = (r"what (?:even |actually |exactly |really )?(?:is|are)|what's|whats|define|meaning of|"
           r"what is meant by|explain|"
           r"what counts as|what is considered|what qualifies as|how do you define|"
           r"(?:what is |what's |whats )?(?:the )?definition of")
_DEFINITION = re.compile(r"^\W*(" + _DEFINE + r")\b"
                         r"|\bwhat (do|does)\s+([\w' -]{1,40}\s+)?(mean|do)\b"
                         # "how does the page define menopause", "the page's definition of"
                         r"|\b(defines?|definition of|meant by)\b")
_WORDS = r"[\w'+-]+(?:\s+[\w'+-]+){0,%d}"  # words separated by spaces (no nested ambiguity)
_TERM_ONLY = re.compile(
    r"^\W*(?:(?:" + _DEFINE + r"|what does|what do)\s+(?:an? |the )?" + _WORDS % 4
    + r"|" + _WORDS % 3 + r"\s+(?:means?|meaning))\W*$")
MAX_BARE_WORDS = 3  # a question of at most this many words may be a bare glossary term
MAX_OTHER_WORDS = 3  # beyond the heading's own words, in a "what is <heading>?" question
_CUE_WORDS = {"what", "whats", "what's", "does", "mean", "means", "meaning", "define", "exactly",
              "stand", "explain", "term", "word", "counts", "considered", "qualifies",
              "definition", "they", "that", "this", "with", "about",
              "please", "have", "when", "someone", "somebody", "there", "doctor"}
_SPELLED_OUT = re.compile(r"\b(stands? for|short for|abbreviation|acronym|letters)\b")
SHORT_WEIGHT = 0.75
_CONTENT = re.compile(r"\b[a-z][a-z-]{4,}\b")
GLOSSARY = "glossary"
_REFERENCE = re.compile(r"^(see also|see|read more|learn more|find out more)\b", re.IGNORECASE)
GLOSSARY_WEIGHT = 0.6  # glossary pop-ups answer "what is X?", not questions about treatment
GLOSSARY_MARGIN = 0.1  # ... unless one is this much closer in meaning than any other passage
FACET_WEIGHT = 1.25  # a passage for the status the question names ("HER2-positive") ...
OPPOSED_WEIGHT = 0.6  # ... and one only for the opposite status
WHERE_WEIGHT = 1.1  # where the cancer has spread, stated by a question
GLOSSARY_PARTS = frozenset({"other_name", "see_also"})  # facets of a glossary entry's lines
ASKED_WEIGHT = 1.5  # a passage of the kind the question asks for ("who gets chemotherapy?")
POLARITY_WEIGHT = 0.7  # "is causing symptoms" asked, "isn't causing any symptoms" said
_NEGATORS = {"not", "no", "never", "without", "isn't", "isnt", "aren't", "arent", "don't", "dont",
             "doesn't", "doesnt", "can't", "cant", "cannot", "won't", "wont", "hasn't", "hasnt",
             "haven't", "havent", "didn't", "didnt", "hadn't", "hadnt", "wasn't", "wasnt", "nor"}
_CLAUSE_BREAK = {"but", "and", "or", "so", "because", "if", "whether", "when", "which", "who",
                 "that"}
_CONDITIONAL = {"if", "whether"}
_NEUTRAL = {"want", "wants", "need", "needs", "like", "have", "take", "make", "able", "sure"}


@dataclass(frozen=True)
class ScoredUnit:
    """A unit with its fused score and the parts it came from."""

    doc: Document
    unit: Unit
    score: float
    dense: float
    lexical: float


@dataclass(frozen=True)
class Query:
    """A question prepared for retrieval."""

    raw: str
    normalized: str
    expanded: str
    drugs: tuple[str, ...]
    # statuses an earlier part of the same message stated, that weigh this one's passages too
    carried: frozenset[str] = frozenset()


class UnitSearch:
    """Scores the candidate units of the corpus for a query: the nearest by meaning, the best by
    BM25, the units of the nearest chunks and those naming a drug the query names. Build once,
    call ``search`` many times."""

    def __init__(self, docs: list[Document], lexicon: Lexicon, index: VectorIndex,
                 embeddings: Embeddings) -> None:
        import bm25s
        import Stemmer

        self.docs = {d.id: d for d in docs}
        self.lexicon = lexicon
        self.index = index
        self.embeddings = embeddings
        self.keys = [(d.id, u.index) for d in docs for u in d.units]
        self.contexts = [fold(unit_context(d, u)) for d in docs for u in d.units]
        self._stemmer = Stemmer.Stemmer("english")
        self._bm25 = bm25s.BM25()
        self._bm25.index(self._tokenize(self.contexts), show_progress=False)
        self._chunk_of: dict[tuple[str, int], tuple[int, int]] = {}
        self._said = {(d.id, u.index): _polarity(u.folded) for d in docs for u in d.units}
        # what each unit is about (receptor and HER2 status, menopause, ...): see facets.py
        self.facets = {d.id: FacetModel.build(d, lexicon.drug_names) for d in docs}
        self._drugs_named = frozenset().union(*(names for model in self.facets.values()
                                                for names in model.drugs.values()))
        self._drug_words = frozenset(lexicon.drug_names)  # generic and brand names
        # words the page says both ways, in few places ("isn't causing any symptoms" / "is
        # causing symptoms"): there the polarity of the question picks the sentence
        ways: dict[str, set[bool]] = {}
        places: dict[str, int] = {}
        for said in self._said.values():
            for word, negated in said.items():
                ways.setdefault(word, set()).add(negated)
                places[word] = places.get(word, 0) + 1
        self._contrastive = {w for w, b in ways.items() if len(b) == 2 and places[w] <= 6}
        # what a question cannot change about a unit, worked out once (not per question and
        # unit: with a hundred pages that work was most of an answer's time)
        units = {(d.id, u.index): u for d in docs for u in d.units}
        self._folded = {key: u.folded for key, u in units.items()}
        self._in_glossary = {key for key, u in units.items()
                             if fold(u.section.split(" > ")[0]) == GLOSSARY}
        self._says_little = {key for key, u in units.items() if u.antecedent is None
                             and len(_CONTENT.findall(self._folded[key])) < 3}
        self._references = {key for key, u in units.items() if _REFERENCE.match(u.text)}
        self._headings = [(d.id, s.path, _heading_words(s.path)) for d in docs for s in d.sections]
        # the units that name each drug (a brand or its generic name), found once
        self._position = {key: i for i, key in enumerate(self.keys)}
        self._naming: dict[str, list[tuple[str, int]]] = {}
        for name in lexicon.drug_names:
            self._naming[name] = [key for key, context in zip(self.keys, self.contexts,
                                                              strict=True) if name in context]

    def _tokenize(self, texts: list[str]) -> list[list[str]]:
        import bm25s

        return bm25s.tokenize(texts, stopwords="en", stemmer=self._stemmer, return_ids=False,
                              show_progress=False)

    def prepare(self, question: str) -> Query:
        normalized = self.lexicon.normalize(question)
        return Query(question, normalized, self.lexicon.expand(normalized),
                     tuple(self.lexicon.drugs_in(normalized)))

    def _defined_sections(self, query: Query) -> list[tuple[str, str]]:
        """Sections whose heading the question names, most specific headings only."""
        typed = query.expanded.split()
        # "post menopause" and "postmenopause" name the heading "post-menopause"
        asked = set(typed) | {f"{a}-{b}" for a, b in zip(typed, typed[1:], strict=False)} \
            | {a + b for a, b in zip(typed, typed[1:], strict=False)}

        def closeness(word: str) -> float:  # "post-menopausal" names "post-menopause"
            return max((fuzz.ratio(word, a) for a in asked), default=0.0)

        named = []
        closest: dict[str, float] = {}  # pages repeat their headings' words
        subject: dict[frozenset[str], bool] = {}
        for doc_id, path, words in self._headings:
            scores = [closest[w] if w in closest else closest.setdefault(w, closeness(w))
                      for w in words]
            if words and min(scores) >= 90:
                key = frozenset(words)
                if key not in subject:
                    subject[key] = self._is_subject(query, words)
                if subject[key]:
                    named.append(((len(words), sum(scores)), doc_id, path))
        if not named:
            return []
        best = max(rank for rank, _, _ in named)
        return [(doc_id, path) for rank, doc_id, path in named if rank == best]

    def _bare_term(self, query: Query) -> bool:
        """A question that is only a term the glossary defines ("menopause", a side of "the
        difference between menopause, post-menopause and premenopause") asks what it is."""
        if len(re.findall(r"[a-z0-9+-]+", fold(query.raw))) > MAX_BARE_WORDS:
            return False
        return any(fold(path.split(" > ")[0]) == GLOSSARY
                   for _, path in self._defined_sections(query))

    def _is_subject(self, query: Query, heading: set[str]) -> bool:
        """Is the heading what the question asks about? Not when the question names a drug the
        heading does not, or says much else besides ("what is verzenio given with if hormone
        therapy stops working" is not "what is hormonal therapy")."""
        if any(drug not in heading for drug in query.drugs):
            return False
        # "what is meant by treatment-induced menopause?" asks about the page's own longer term
        # (a sentence outside the glossary uses it), not the headword inside it
        folded = fold(query.raw)
        for word in heading:
            for before in re.findall(rf"([a-z0-9]+(?:-[a-z0-9]+)+) {re.escape(word)}\b", folded):
                term = f"{before} {word}"
                if any(term in self._folded[key] for key in self.keys
                       if key not in self._in_glossary):
                    return False
        rest = [w for w in re.findall(r"[a-z0-9-]{4,}", fold(query.raw))
                if w not in _CUE_WORDS and max(fuzz.ratio(w, h) for h in heading) < 80]
        return len(rest) <= MAX_OTHER_WORDS

    def embed(self, query: Query) -> list[float]:
        return self.embeddings.embed_query(query.expanded)

    def search(self, query: Query, vector: list[float] | None = None) -> list[ScoredUnit]:
        """The candidate units with a positive fused score, best first. Only candidates are
        scored (the ``CANDIDATES`` nearest by meaning and best by BM25, the units of the nearest
        chunks, the units naming a drug the query names), so a corpus of a hundred pages costs
        about what one does; a one-page corpus has fewer units than that, all of them scored."""
        if vector is None:
            vector = self.embed(query)
        dense = self.index.search_units(vector, k=min(len(self.keys), CANDIDATES))
        chunks = self.index.search_chunks(vector, k=6)
        tokens = self._tokenize([query.expanded])[0]
        lexical = (np.asarray(self._bm25.get_scores(tokens)) if tokens
                   else np.zeros(len(self.keys)))

        fused: dict[tuple[str, int], float] = {}
        dense_sim = {(doc_id, idx): sim for doc_id, idx, sim in dense}
        for rank, (doc_id, idx, _) in enumerate(dense):
            fused[(doc_id, idx)] = 1.0 / (RRF_K + rank)
        best = np.argpartition(-lexical, min(CANDIDATES, len(lexical)) - 1)[:CANDIDATES]
        order = sorted(best.tolist(), key=lambda i: (-lexical[i], i))
        for rank, i in enumerate(order):
            if lexical[i] > 0:
                fused[self.keys[i]] = fused.get(self.keys[i], 0.0) + 1.0 / (RRF_K + rank)
        for rank, (doc_id, start, end, _) in enumerate(chunks):
            for u in self.docs[doc_id].units:
                if start <= u.start and u.end <= end:
                    key = (doc_id, u.index)
                    fused[key] = fused.get(key, 0.0) + CHUNK_WEIGHT / (RRF_K + rank)
        position = self._position
        for drug in query.drugs:  # each unit naming the drug (or a brand of it), once per drug
            naming = {key for v in (drug, *self.lexicon.generic_to_brands.get(drug, []))
                      for key in self._naming.get(v, ())}
            for key in naming:
                fused[key] = fused.get(key, 0.0) + DRUG_BONUS
        defining = bool(_DEFINITION.search(query.normalized) or _DEFINITION.search(fold(query.raw))
                        or self._bare_term(query))
        # "what is X?" about a term (not "whats the difference between ..."): the glossary
        # answers it; any other question is about treatment first
        term_only = len(query.raw) <= 120 and bool(_TERM_ONLY.match(fold(query.raw)))
        if not term_only:
            in_glossary = self._in_glossary
            best_elsewhere = max((sim for key, sim in dense_sim.items()
                                  if key not in in_glossary), default=0.0)
            for key in fused:
                # unless a glossary entry is clearly the closest in meaning
                if key in in_glossary and dense_sim.get(key, 0.0) < best_elsewhere + \
                        GLOSSARY_MARGIN:
                    fused[key] *= GLOSSARY_WEIGHT
                if key in self._says_little:
                    fused[key] *= SHORT_WEIGHT  # "Talk to your healthcare team." says little
        # the kinds of statement the question asks for (read once): a glossary entry's other
        # name or the words it points to, what a treatment is given for, ...
        kinds = asked_for(query.raw, self._drug_words)
        structural = kinds & GLOSSARY_PARTS
        if defining or structural:
            for doc_id, section in self._defined_sections(query):
                units = [u for u in self.docs[doc_id].units if u.section == section]
                tags = self.facets[doc_id].tags
                for n, unit in enumerate(units):  # the first sentence is the definition
                    first = bool(tags[unit.index] & structural) if structural else n == 0
                    bonus = HEADING_BONUS * (2 if first else 1)
                    fused[(doc_id, unit.index)] = fused.get((doc_id, unit.index), 0.0) + bonus
        asked = {w: n for w, n in _polarity(expand_contractions(fold(query.raw))).items()
                 if w in self._contrastive}
        if asked:
            for key in fused:
                said = self._said[key]
                if any(said[w] != neg for w, neg in asked.items() if w in said):
                    fused[key] *= POLARITY_WEIGHT
        if _SPELLED_OUT.search(query.normalized):  # "what does FSH stand for?"
            for abbreviation in set(query.normalized.split()) & set(self.lexicon.abbreviations):
                written = f"{self.lexicon.abbreviations[abbreviation]} ({abbreviation})"
                for key in self.keys:
                    if written in self._folded[key]:
                        fused[key] = fused.get(key, 0.0) + HEADING_BONUS
        self._weigh_facets(query, fused, kinds)
        if "see_also" not in kinds:  # "what other terms does it point to?"
            for key in self._references & fused.keys():
                del fused[key]  # "See also ..." points elsewhere; it answers nothing else
        ranked = sorted(fused.items(), key=lambda kv: -kv[1])
        return [ScoredUnit(self.docs[k[0]], self.docs[k[0]].units[k[1]], s,
                           dense_sim.get(k, 0.0), float(lexical[position[k]]))
                for k, s in ranked]


    def _weigh_facets(self, query: Query, fused: dict[tuple[str, int], float],
                      asked: set[str]) -> None:
        """A status the question names (HER2-positive, after menopause, ...) raises the
        passages that have it and lowers those that have only its opposite (``asked``: the
        kinds of statement the question asks for)."""
        # a status asked how it is found out ("how would they tell if she's post-menopausal?")
        # is what is checked, not a condition the passage must meet
        wanted = set() if asked & checked_kinds() else statuses(query.raw) | query.carried
        if not wanted and not asked and not _CLASS_ASKED.search(fold(query.raw)):
            return
        against = opposed(wanted)
        named = facets_of(query.raw) & kinds_of_treatment()
        # a class of drugs asked for by name ("which aromatase inhibitors does the page name?"):
        # the passages that name its members, the more the better
        members = _members_asked(query.raw, self._drugs_named)
        for key in fused:
            if members:
                count = len(members & self.facets[key[0]].drugs[key[1]])
                fused[key] *= 1 + MEMBER_WEIGHT * count
            tags = self.facets[key[0]].tags[key[1]]
            if wanted - where_spread() and wanted <= tags:  # every status the question
                fused[key] += STATUS_BONUS  # states, as a drug it names: found however little
                # else it shares (where it has spread alone is too weak a sign for that)
            if asked & tags:  # the kind of statement asked for: what a treatment is for, ...
                fused[key] *= ASKED_WEIGHT ** len(asked & tags)
            unit = self.docs[key[0]].units[key[1]]
            if wanted & tags and against & tags and not any(
                    w in tags for w in wanted if opposed({w}) & tags) and not any(
                    unit.folded.startswith(drug) for drug in query.drugs):
                # it agrees on one thing and says the opposite of another ("spread to internal
                # organs ... but it isn't causing any symptoms", asked about symptoms), and it
                # is not the passage of a drug the question names ("already had chemo, can she
                # still get palbociclib?" is answered by palbociclib's own conditions)
                fused[key] *= OPPOSED_WEIGHT
            elif wanted & tags:  # where it has spread weighs less than a receptor status
                where = where_spread()
                fused[key] *= FACET_WEIGHT ** len(wanted & tags - where) * WHERE_WEIGHT ** len(
                    wanted & tags & where)
                # a sentence that leans on one for the opposite status ("Chemotherapy is given
                # for hormone receptor-negative ... It is also offered for hormone
                # receptor-positive ... that has spread to internal organs and is causing
                # symptoms") is a narrower case: it answers the status alone less well than a
                # passage that leads with it, unless the question also states the rest or
                # names the treatment it is about ("when is chemotherapy used instead?")
                lead = unit.antecedent
                lead_tags = self.facets[key[0]].tags[lead] if lead is not None else frozenset()
                contested = {w for w in wanted if opposed({w}) & lead_tags}
                if contested and not wanted - contested and not named & lead_tags:
                    fused[key] *= OPPOSED_WEIGHT
            elif against & tags:
                fused[key] *= OPPOSED_WEIGHT


# "which aromatase inhibitors", "what AIs does it name", "name the aromatase inhibitors"
_CLASS_ASKED = re.compile(r"\b(?:which|what|name|list)\s+(?:\w+\s+){0,2}?[a-z-]+s\b|"
                          # "the brand names of those aromatase inhibitors"
                          r"\bnames\s+(?:of|for)\s+(?:the\s+|those\s+|these\s+|all\s+)?"
                          r"(?:\w+\s+){0,2}?[a-z-]+s\b")


def _members_asked(question: str, drugs: frozenset[str]) -> set[str]:
    """The drugs of a class the question asks for in the plural ("which aromatase inhibitors
    ..."): the drug names the class's facet words name (letrozole, anastrozole, exemestane)."""
    asked = _CLASS_ASKED.search(fold(question))
    if not asked:
        return set()
    classes = facets_of(asked.group(0)) - kinds_of_treatment()
    if not classes:
        return set()
    return {d for d in drugs if _facets_of_name(d) & classes}


@lru_cache(maxsize=512)
def _facets_of_name(name: str) -> frozenset[str]:
    return frozenset(facets_of(name))


def _polarity(text: str) -> dict[str, bool]:
    """Content words of a text, each with whether a negation governs it ("isn't causing any
    symptoms": causing and symptoms negated). Words said both ways are left out."""
    out: dict[str, bool | None] = {}
    negated_at = -10
    conditional = False  # "if you have reached menopause" states nothing either way
    for i, token in enumerate(re.findall(r"[a-z0-9'+-]+|[.,;:!?()]", text)):
        if token in _NEGATORS:
            negated_at = i
            continue
        if token in _CLAUSE_BREAK or not token[0].isalnum():
            negated_at = -10
            conditional = token in _CONDITIONAL or conditional and token[0].isalnum()
            continue
        if len(token) < 4 or token in _NEUTRAL:
            continue
        word = token[:-1] if token.endswith("s") and len(token) > 4 else token
        negated = i - negated_at <= 3
        if conditional and not negated:
            continue
        out[word] = None if word in out and out[word] != negated else negated
    return {w: n for w, n in out.items() if n is not None}


def _heading_words(section: str) -> set[str]:
    return set(re.findall(r"[a-z0-9+-]+", fold(section.split(" > ")[-1])))


class HybridRetriever(BaseRetriever):
    """LangChain face of UnitSearch: returns the best units as ``Document``s with metadata
    (doc_id, unit, section, start, end, score)."""

    model_config = ConfigDict(arbitrary_types_allowed=True)
    search: Any
    k: int = 6

    def _get_relevant_documents(self, query: str, *,
                                run_manager: CallbackManagerForRetrieverRun) -> list[LCDocument]:
        hits = self.search.search(self.search.prepare(query))[: self.k]
        return [LCDocument(page_content=h.unit.text, metadata={
            "doc_id": h.doc.id, "unit": h.unit.index, "section": h.unit.section,
            "start": h.unit.start, "end": h.unit.end, "score": h.score}) for h in hits]
