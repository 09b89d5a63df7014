"""Follow-ups condensed with the chat history into a standalone question, without an LLM:
a question that leans on the last turn (a pronoun, an ellipsis, an ordinal) and names no topic
of its own borrows the topic of the previous turns."""

from __future__ import annotations

import re

from assistant.corpus import Document
from assistant.lexicon import Lexicon, fold
from assistant.models import ChatTurn

_LEANS = re.compile(r"^(and|but|what about|how about|also|so|then|ok|okay|same)\b|"
                    r"\b(it|its|it's|they|them|their|that|this|those|these|one|ones|"
                    r"the other|the second|the first|the last|the same)\b")
_PRONOUN = re.compile(r"\b(it|they|them|that one|this one|that|this)\b", re.IGNORECASE)
_ORDINAL = re.compile(r"\b(the other(( [\w-]+)? (one|drug|medicine|medication|option|treatment)"
                      r"\b)?|the (second|first|third|fourth|last|1st|2nd|3rd|"
                      r"4th) (one|drug|option|combo|combination|choice|item))\b", re.IGNORECASE)
_POSITION = {"first": 0, "1st": 0, "second": 1, "2nd": 1, "third": 2, "3rd": 2, "fourth": 3,
             "4th": 3, "last": -1}
# "that one" points at what the reply brought up, "it" at what the person asked about
_POSITION_WORD = re.compile(rf"\b({'|'.join(_POSITION)})\b")
_DEMONSTRATIVE = re.compile(r"\b(that|this) (one|drug|medicine|medication|option|pill)\b")
_SINGULAR = re.compile(r"\b(it|its|it's)\b")
_PLURAL = re.compile(r"\b(they|them|their|those|these|which of|which one of|each)\b")
# "what if it isn't causing any symptoms?": "it" is the cancer; the question is the last one,
# asked again under another condition
_CANCER_IT = re.compile(r"\bit(?:'s|s)?\s+(?:is |isn't |isnt |is not |has |hasn't |hasnt |has not |"
                        r"does |doesn't |doesnt |does not |was |wasn't |keeps |starts )?"
                        r"(?:causing|cause|spread|spreading|grow|grows|growing|progress|"
                        r"progresses|come back|comes back|respond|responds|responding|gets worse|"
                        r"spreads|causes|"
                        r"get worse|getting worse|only in|in the|in her|in his|in my)\b")
# "what if she gets symptoms from it?": the symptoms are the cancer's, whatever the turn
# before named
_CANCER_OBJECT = re.compile(r"\b(symptoms?) (from|of|because of|due to|caused by) (it|that)\b",
                            re.IGNORECASE)
_SEQUENCE = re.compile(r"^\W*(and |ok |so )?(after that|then what|what next|what happens next|"
                       r"what happens after|what now|and then|what comes next)\W*$")
_PERSON = re.compile(r"\b(she|he|shes|hes|she's|he's|her|him)\b")
# "it" or "this" doing what a page does ("which HER2 drugs does it name?", "what does it say?",
# "it says ..."): the page, not something of the part before
_PAGE_DOES = re.compile(r"\b(?:does|do|did|can|will) (?:it|this) (?:say|name|list|mention|cover|"
                        r"talk|give|include|describe|show)\b|\b(?:it|this) (?:says|names|lists|"
                        r"mentions|covers|talks about|gives|includes|describes)\b")
_SHORT = 8
_EACH = re.compile(r"\b(?:each|every) ones?\b")
_ELLIPSIS = re.compile(r"^\W*(?:and what about|and for|what about|how about|same for|and)\s+"
                       r"(?P<term>[a-z0-9' -]+?)\W*$")

_DERIVED_FORM = re.compile(r"^([A-Z][\w-]+) means\b")


class Condenser:
    """Knows the topics of the corpus (its drugs and section headings)."""

    def __init__(self, docs: list[Document], lexicon: Lexicon) -> None:
        self.lexicon = lexicon
        headings = {fold(s.heading) for d in docs for s in d.sections if s.level == 2}
        # a glossary headword by its own name and its short form ("follicle-stimulating
        # hormone (FSH)": "FSH"): a topic, and a form of its headword
        headwords = {form: fold(s.heading) for d in docs for s in d.sections
                     if s.path.startswith("Glossary >")
                     for form in re.split(r"\s*[()]\s*", fold(s.heading)) if len(form) >= 3}
        extra = {"aromatase inhibitor", "ovarian ablation", "ovarian suppression", "menopause",
                 *headwords}
        # a glossary entry's own forms of its headword ("Menopausal means referring to ...")
        self.derived = {fold(m.group(1)): fold(u.section.split(" > ")[-1]) for d in docs
                        for u in d.units if (m := _DERIVED_FORM.match(u.text))}
        self.derived = {**headwords, **self.derived}
        self.headings = headings | {"menopause"}  # broad topics, borrowed only as a last resort
        self.phrases = sorted((headings | extra) - {"glossary"}, key=len, reverse=True)
        # every heading (glossary headwords too) and drug name, for "and X?" substitutions
        self.terms = sorted({fold(s.heading) for d in docs for s in d.sections} - {"glossary"}
                            | lexicon.drug_names | extra, key=len, reverse=True)

    def leans(self, text: str) -> bool:
        """Whether a question refers back to what came before it ("and does it go away?")
        rather than naming its own subject."""
        folded = _PAGE_DOES.sub(" the page ", fold(text))
        return bool(_LEANS.search(folded) or _PERSON.search(folded))

    @staticmethod
    def points_at_one(text: str) -> bool:
        """Whether a question points at one thing said before ("that drug", "this one", "how
        is it taken?"), not at a list ("which of them").""" 
        folded = fold(text)
        return bool(_DEMONSTRATIVE.search(folded) or _SINGULAR.search(folded)) \
            and not _PLURAL.search(folded)

    def names_its_subject(self, text: str) -> bool:
        """Whether a question names a subject of the page before any word that points back
        ("and what's post-menopause?", "Ibrance, are they both on the page?"; not "are they
        safe alongside chemo?", whose "they" is what came before)."""
        normalized = self.lexicon.normalize(text)
        pointer = _PRONOUN.search(normalized)
        end = pointer.start() if pointer else len(normalized)
        names = [n for g in self.lexicon.drugs_in(normalized)
                 for n in (g, *self.lexicon.generic_to_brands.get(g, []))]
        return any(0 <= normalized.find(n) < end for n in (*names, *self.phrases))

    def topics(self, text: str) -> list[str]:
        """Topics named in a text, in the order they appear (drug names as on the page)."""
        normalized = self.lexicon.normalize(text)
        found: list[tuple[int, str]] = []
        for generic in self.lexicon.drugs_in(normalized):
            names = [generic, *self.lexicon.generic_to_brands.get(generic, [])]
            pos = min((normalized.find(n) for n in names if n in normalized), default=0)
            brand = self.lexicon.generic_to_brands.get(generic)
            found.append((pos, f"{generic} ({brand[0].title()})" if brand else generic))
        for phrase in self.phrases:
            pos = normalized.find(phrase)
            if pos >= 0 and not any(phrase in t for _, t in found):
                found.append((pos, phrase))
        return [t for _, t in sorted(found, key=lambda f: (f[1] in self.headings, f[0]))]

    def glossary_words(self, text: str) -> list[str]:
        """The glossary headwords a text names by a form of their own ("what does menopausal
        mean?" names menopause), for a later part that asks about the entry ("and what other
        terms does the page point to?")."""
        folded = fold(text)
        found = [(m.start(), self.derived[w]) for w in sorted(self.derived, key=len, reverse=True)
                 if (m := re.search(rf"(?<![\w-]){re.escape(w)}\b", folded))]
        return list(dict.fromkeys(h for _, h in sorted(found)))

    def condense(self, question: str, history: list[ChatTurn]) -> str:
        """A standalone form of ``question`` (unchanged when it stands on its own)."""
        if not history:
            return question
        folded = fold(question)
        swapped = self._swap_ellipsis(folded, history)
        if swapped:
            return swapped
        own = self.topics(question)
        # "each one" shares a question out over what it names ("chemo: when is each one
        # used?"); it points back at nothing
        leans = bool(_LEANS.search(_EACH.sub(" ", folded))) or bool(_PERSON.search(folded))
        specific = [t for t in own if t not in self.headings]
        if specific and not _ORDINAL.search(folded):
            return question
        if own and not leans:
            return question
        if not leans and len(folded.split()) > _SHORT:
            return question
        if not leans and not (set(self.lexicon.normalize(question).split())
                              & self.lexicon.vocabulary):
            return question  # a short message with no word of the page is not a follow-up
        last_user = next((t.content for t in reversed(history) if t.role == "user"), "")
        last_reply = next((t.content for t in reversed(history) if t.role == "assistant"), "")
        asked = self.topics(last_user)
        if _CANCER_OBJECT.search(question):
            return _CANCER_OBJECT.sub(lambda m: f"{m.group(1)} {m.group(2)} the cancer",
                                      question)
        if (_CANCER_IT.search(folded) or _SEQUENCE.match(folded)) and not own and last_user:
            return f"{question.rstrip(' ?')}? ({last_user.strip().rstrip('?')})"
        listed = _enumeration(last_reply)
        said = [(m.start(), _POSITION[m.group(1)]) for m in _POSITION_WORD.finditer(folded)]
        position = min(said)[1] if said else None  # the first ordinal the question says
        topic: str | None
        if _ORDINAL.search(folded) and position is not None and len(listed) >= 2:
            topic = listed[position] if position < len(listed) else listed[-1]
            drugs = [t for t in asked if t not in self.headings and t not in fold(topic)]
            if drugs:  # "the third one" of what abemaciclib is given with
                topic = f"{topic} ({drugs[0]})"
        elif _ORDINAL.search(folded):
            offered = self.topics(last_reply)
            others = [t for t in offered if t not in asked] or offered
            if re.search(r"\b(drug|medicine|medication)\b", folded):
                others = [t for t in others if t not in self.headings]
            if not others or others == asked:
                return question  # "the other HER2 drug" is not in the reply: ask the page
            topic = self._pick_ordinal(folded, others)
        else:
            # not what the last question ruled out ("what do they give instead of the
            # hormone pills, and is there one set plan for it?": the reply's chemotherapy)
            asked = [t for t in asked if t not in own]
            ruled_out = [t for t in asked if self._ruled_out(last_user, t)]
            replied = [t for t in self.topics(last_reply) if t not in own]
            # the most specific thing last said: a drug or treatment before a broad heading
            named = [t for t in replied if t not in self.headings]
            salient = named if len(named) <= 2 else []  # a reply listing many names has none
            candidates = ([t for t in asked if t not in self.headings] + salient
                          + [t for t in asked + replied if t in self.headings])
            if _DEMONSTRATIVE.search(folded):  # what the reply brought up, first
                candidates = [t for t in salient if t not in asked] + candidates
            if _ELLIPSIS.match(folded) and not _PRONOUN.search(question):
                # "and for younger women?" asks the last question again, changed
                candidates = asked + candidates
            # what the last question ruled out comes last
            candidates = [t for t in candidates if t not in ruled_out] + ruled_out
            topic = candidates[0] if candidates else None
        if topic is None:
            return question
        if _ORDINAL.search(folded):  # a function, so a backslash in a reply is only text
            return _ORDINAL.sub(lambda _: topic, question, count=1)
        if _PRONOUN.search(question) and not own:
            return _PRONOUN.sub(lambda _: topic, question, count=1)
        return f"{question.rstrip(' ?')} ({topic})?"

    def _ruled_out(self, text: str, topic: str) -> bool:
        """Whether ``text`` rules ``topic`` out where it first names it ("instead of the
        hormone pills")."""
        from assistant.facets import rules_out

        normalized = self.lexicon.normalize(text)
        name = topic.split(" (")[0]
        names = [name, *self.lexicon.generic_to_brands.get(name, [])]
        at = min((normalized.find(n) for n in names if n in normalized), default=-1)
        return at > 0 and rules_out(normalized[:at])

    def _swap_ellipsis(self, folded: str, history: list[ChatTurn]) -> str | None:
        """ "and premenopause?" after "what does post-menopause mean": the last question
        with its term swapped for the new one."""
        match = _ELLIPSIS.match(folded)
        if not match:
            return None
        new = match.group("term").strip()
        if new not in self.terms:  # swap like for like: a drug, heading or treatment name
            return None
        last_user = fold(next((t.content for t in reversed(history) if t.role == "user"), ""))
        for term in self.terms:
            if re.search(rf"(?<![\w-]){re.escape(term)}(?![\w-])", last_user) and term != new:
                return re.sub(rf"(?<![\w-]){re.escape(term)}(?![\w-])", new, last_user, count=1)
        return None

    @staticmethod
    def _pick_ordinal(folded: str, topics: list[str]) -> str | None:
        if not topics:
            return None
        if "second" in folded and len(topics) > 1:
            return topics[1]
        if "last" in folded:
            return topics[-1]
        return topics[0]


_LIST_LINE = re.compile(r"^\s*(?:>\s*)?(?:[-*\u2022]|\d+[.)])\s+(.+?)\s*$", re.MULTILINE)
_SERIES = re.compile(r"(?:\b(?:are|is|include|includes|including)\b|:)\s+([^.;]*,[^.;]*)")


def _enumeration(reply: str) -> list[str]:
    """The items a reply enumerates, in order: its list lines, else a series "A, B and C"."""
    reply = reply[:4000]  # a reply is short; a pasted essay is not searched in full
    items = _LIST_LINE.findall(reply)
    if len(items) >= 2:
        return items
    quoted = [line[1:] for line in reply.splitlines() if line.startswith(">")]
    series = _SERIES.search(" ".join(quoted) if quoted else reply)  # not "Here is what ..."
    if not series:
        return []
    parts = [re.sub(r"^(?:and\s+|or\s+)?(?:\d+[.)]\s*)?", "", p.strip())
             for p in series.group(1).split(",")]
    return [p for p in parts if p]
