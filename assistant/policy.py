"""Decide what kind of reply a screened, retrieved question gets, and what to quote.

"The page does not say" is decided from the question and the passages together: the question
asks for an attribute (dose, schedule, side effects, survival, cost, coverage) or names a
treatment the page does not list, and the chosen passages do not carry it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from functools import cached_property, lru_cache
from importlib import resources

import yaml

from assistant.compose import Draft, Span, list_items, merge_spans, select_spans, sentence_span
from assistant.facets import asks_list, facets_of, opposed
from assistant.lexicon import Lexicon, english_words, fold, words
from assistant.rails.input import Attribute, Screening, asking_clauses
from assistant.rails.intents import IntentScores
from assistant.rails.messages import message
from assistant.retrieval import Query, ScoredUnit

MIN_DENSE_IN_SCOPE = 0.30
# asked about someone's treatment, these stay questions the page does not answer, even when
# they name something out of scope ("can she get her covid shot while on chemo?")
_DURING_TREATMENT = {"interactions", "fertility"}
# "can I take turmeric with letrozole?" asks for information the page does not have, more than
# for a decision (so do "can she take it as a pill or is it iv?" and "how much herceptin should
# I take?"): these attributes are answered as "not in the page" before personal advice
_INFORMATION = {"interactions", "lifestyle", "daily_life", "route", "symptom_relief", "dose",
                "schedule", "time_of_day", "duration", "fertility"}
# ... unless the person asks about a decision ("can i skip my ibrance while on holiday?")
_DECISION = re.compile(r"\b(skip|skipping|stop|stopping|quit|quitting|switch|switching|pause|"
                       r"delay|postpone|miss|missed|missing|refuse|come off|go off|give up|"
                       r"take two|double up)\b"
                       r"|\b(lower|reduce|increase|change|cut down|double|halve)\b[\w' ]{0,30}"
                       r"\b(dose|dosage|amount|pills?|tablets?)\b|\b(lower|higher|smaller|bigger) "
                       r"dose\b|\b(my|her|his) (own )?(dose|dosage)\b|\b(seems?|too) (low|high)\b")
# the kinds of treatment the page describes ("chemo" is normalized to "chemotherapy")
_PAGE_TREATMENTS = {"chemotherapy", "hormonal", "targeted", "ablation", "suppression",
                    "aromatase"}
# "what time should I take it?" asks for information; "should I take it in the morning or at
# night?" asks for a choice
_WH = re.compile(r"\W*(?:(?:and|so|but|ok|okay)\W+)?(what|when|which|how|at what)\b")
MIN_DENSE_ANSWER = 0.22
RELATED_DENSE = 0.45


@dataclass(frozen=True)
class Decision:
    """The inputs of the decision, gathered by the chain."""

    question: str
    standalone: str
    language: str
    screening: Screening
    query: Query | None
    hits: list[ScoredUnit]
    intents: IntentScores | None = None
    # the passages of a list the question asks for by facets ("which drugs are taken by
    # mouth?"): they carry what is asked as well as the chosen quotes do
    listed: list[Span] = field(default_factory=list)


def decide(d: Decision, lexicon: Lexicon, max_quotes: int) -> Draft:
    """The Draft for a question: its kind and the spans to quote. An emergency comes first;
    what the rest of the message asks from the page is still answered below it."""
    s = d.screening
    if s.emergency:
        rest = _decide(replace(d, screening=replace(s, emergency=None)), lexicon, max_quotes)
        if not (rest.kind in _REST_KINDS and (rest.spans or rest.topic)
                and _asks_about_page(d.question, lexicon)):
            rest = Draft(kind="emergency", question=d.question,
                         standalone_question=d.standalone, language=d.language)
        rest.emergency = s.emergency
        return rest
    return _decide(d, lexicon, max_quotes)


# what an emergency reply still answers below the urgent message
_REST_KINDS = ("answer", "personal_advice", "not_in_document")


@dataclass(frozen=True)
class Rule:
    """One rule of ``assistant/data/policy.yaml``: the kind of reply it gives, and when."""

    name: str
    then: str
    when: tuple[tuple[tuple[str, bool], ...], ...]  # alternatives of (fact, wanted value)
    topic: str = "none"
    examples: tuple[str, ...] = ()
    counterexamples: tuple[str, ...] = ()

    def holds(self, facts: Facts) -> bool:
        return any(all(facts.get(name) is wanted for name, wanted in alt) for alt in self.when)


@lru_cache(maxsize=1)
def rules() -> tuple[Rule, ...]:
    """The ordered rules of ``assistant/data/policy.yaml``, checked against the facts there
    are (a misspelt fact stops the start, not a question)."""
    raw = resources.files("assistant.data").joinpath("policy.yaml").read_text("utf-8")
    out = []
    for spec in yaml.safe_load(raw)["rules"]:
        when = tuple(tuple((term.split()[-1], not term.startswith("not ")) for term in alt)
                     for alt in spec["when"])
        unknown = {name for alt in when for name, _ in alt} - set(Facts.NAMES)
        topic = spec.get("topic", "none")
        wrong = sorted(unknown) + [v for v, known in ((spec["then"], _ACTIONS),
                                                       (topic, _TOPICS)) if v not in known]
        if wrong:
            raise ValueError(f"policy.yaml: rule {spec['name']}: unknown {wrong}")
        out.append(Rule(spec["name"], spec["then"], when, spec.get("topic", "none"),
                        tuple(spec.get("examples", [])), tuple(spec.get("counterexamples", []))))
    return tuple(out)


class Facts:
    """The facts of a parsed question the rules read, each worked out once, when a rule first
    asks for it (the spans of an answer only when a rule needs them)."""

    NAMES = {
        "no_question": "nothing is left to ask once instructions and markup are removed",
        "asks_a_task": "it asks for a task (a poem, code, a translation), not for information",
        "off_topic": "its words or its nearest examples are off the page's topic",
        "names_a_page_drug": "it names a drug of the page",
        "names_an_unlisted_drug": "it names a treatment the page does not list",
        "only_unlisted_drugs": "it names only treatments the page does not list, and no kind "
                               "of treatment of the page, and asks no decision",
        "asks_about_treatment": "it asks something of someone's treatment the page could "
                                "cover (interactions, fertility), in the page's words",
        "asks_an_attribute": "it asks for an attribute (dose, side effects, cost, ...)",
        "asks_advice": "it asks what to do about one's own treatment, or proposes a change",
        "asks_for_information": "what it asks is information (interactions, route, dose, ...), "
                                "not a decision",
        "far_from_the_page": "no passage is near it (dense similarity under 0.30)",
        "weak_match": "no passage is near enough to quote (dense similarity under 0.22)",
        "uses_page_words": "it uses words distinctive of the page",
        "attribute_not_carried": "an attribute it asks for is carried by none of the quotes",
        "term_unexplained": "it asks what a term means that the page uses but never explains",
        "only_cross_referenced": "it asks about a word the page only points to (See also)",
        "term_undefined": "it asks what a word is that the quotes never name",
        "quotes_found": "passages of the page were chosen to quote",
    }

    def __init__(self, d: Decision, lexicon: Lexicon, max_quotes: int) -> None:
        self.d, self.lexicon, self.max_quotes = d, lexicon, max_quotes
        self.values: dict[str, bool] = {}

    def get(self, name: str) -> bool:
        if name not in self.values:
            self.values[name] = bool(getattr(self, f"_{name}")())
        return self.values[name]

    # -- what the question is ------------------------------------------------------------
    @property
    def query(self) -> Query:
        assert self.d.query is not None
        return self.d.query

    @cached_property
    def top_dense(self) -> float:
        return max((h.dense for h in self.d.hits[:5]), default=0.0)

    @cached_property
    def unlisted(self) -> list[str]:
        return self.lexicon.unlisted_in(self.query.normalized, self.query.raw)

    @cached_property
    def spans(self) -> list[Span]:
        return select_spans(self.d.hits, self.query, self.max_quotes)

    def _no_question(self) -> bool:
        return self.d.query is None or not self.d.query.normalized.strip()

    def _asks_a_task(self) -> bool:
        return self.d.screening.task

    def _off_topic(self) -> bool:
        s, d = self.d.screening, self.d
        # the examples catch off-topic phrasings the patterns miss, not questions that ask for
        # something about treatment ("how do they check it is working: pet scan or ct?")
        return (s.out_of_scope or bool(d.intents and d.intents.out_of_scope and not s.attributes)
                or s.off_topic_context and not _asks_about_page(d.question, self.lexicon))

    def _names_a_page_drug(self) -> bool:
        return bool(self.query.drugs)

    def _names_an_unlisted_drug(self) -> bool:
        return bool(self.unlisted)

    def _only_unlisted_drugs(self) -> bool:
        # "should I be getting xgeva?": nothing of the page to inform a decision with (unlike
        # "is radiation a better bet than more chemo?", a choice that names the page's)
        return (self.get("names_an_unlisted_drug") and not self.get("names_a_page_drug")
                and not _DECISION.search(fold(self.d.question))
                and not _PAGE_TREATMENTS & set(self.query.normalized.split()))

    def _asks_about_treatment(self) -> bool:
        # "can she get her flu shot while on chemo" asks about treatment: the page does not say
        return self.get("uses_page_words") and any(
            a.name in _DURING_TREATMENT for a in self.d.screening.attributes)

    def _asks_an_attribute(self) -> bool:
        return bool(self.d.screening.attributes)

    def _asks_advice(self) -> bool:
        d = self.d
        return (d.screening.personal_advice or bool(d.intents and d.intents.asks_advice)
                or _asks_for_drug(d.question, self.lexicon)
                or _proposes_change(d.standalone, self.lexicon))

    def _asks_for_information(self) -> bool:
        # "can she take docetaxel as a pill?" asks how a drug is given; "should I take the
        # pills or the injection?" names no drug and asks for a choice
        d, named = self.d, self.get("names_a_page_drug")
        return (any(a.name in _INFORMATION and (a.name != "route" or named)
                    and (a.name != "time_of_day" or _WH.match(fold(d.question)))
                    for a in d.screening.attributes)
                and not _DECISION.search(fold(d.question))
                and not _proposes_change(d.standalone, self.lexicon))

    def _far_from_the_page(self) -> bool:
        return self.top_dense < MIN_DENSE_IN_SCOPE

    def _weak_match(self) -> bool:
        return self.top_dense < MIN_DENSE_ANSWER

    def _uses_page_words(self) -> bool:
        return _page_words(self.query, self.lexicon)

    def _attribute_not_carried(self) -> bool:
        return self.missing is not None

    @cached_property
    def missing(self):  # noqa: ANN201 - the first Attribute no quote carries, or None
        query, spans, lexicon = self.query, [*self.spans, *self.d.listed], self.lexicon
        subjects = {"mechanism": _distinctive(query, lexicon, typed=True),
                    "route": _distinctive(query, lexicon)}
        return next((a for a in self.d.screening.attributes
                     if not (_paired(query, spans, lexicon) if a.name == "pairing"
                             else _carried(a, spans, query, lexicon, subjects.get(a.name)))),
                    None)

    def _term_unexplained(self) -> bool:
        return _unexplained_term(self.query, self.lexicon) is not None

    def _only_cross_referenced(self) -> bool:
        return _cross_referenced(self.query, self.lexicon) is not None

    def _quotes_found(self) -> bool:
        return bool(self.spans)

    def _term_undefined(self) -> bool:
        return _undefined_term(self.query, self.spans, self.lexicon,
                               self.d.language) is not None


def _decide(d: Decision, lexicon: Lexicon, max_quotes: int) -> Draft:
    """The first rule of policy.yaml that holds decides the kind of reply; its action picks
    what to quote and what the reply says the page does not cover."""
    facts = Facts(d, lexicon, max_quotes)
    rule = _first_rule(facts)
    draft = Draft(kind="answer", question=d.question, standalone_question=d.standalone,
                  language=d.language, rule=rule.name)
    _ACTIONS[rule.then](draft, facts, rule.topic)
    return draft


def _out_of_scope(draft: Draft, facts: Facts, topic: str) -> None:
    draft.kind = "out_of_scope"


def _personal_advice(draft: Draft, facts: Facts, topic: str) -> None:
    draft.kind = "personal_advice"
    if facts.top_dense >= MIN_DENSE_ANSWER or facts.get("names_a_page_drug"):
        spans = select_spans(facts.d.hits, facts.query, max(1, facts.max_quotes - 1))
        draft.spans = merge_spans(spans + _named_drugs(facts.d.hits, facts.query, spans)
                                  + _team_passage(facts.d.hits, spans))


def _answer(draft: Draft, facts: Facts, topic: str) -> None:
    introduced = _abbreviation_introduced(facts.query, facts.lexicon, facts.d.hits)
    draft.spans = merge_spans(introduced + [s for s in facts.spans if not any(
        s.doc is i.doc and s.start < i.end and i.start < s.end for i in introduced)])


# "what does ER+ stand for?", "what is FSH short for?"
_STANDS_FOR = re.compile(r"\b(?:stands? for|short for|abbreviat\w*|acronym|initials)\b")


def _abbreviation_introduced(query: Query, lexicon: Lexicon,
                             hits: list[ScoredUnit]) -> list[Span]:
    """Asked what an abbreviation stands for, the page's own words where it writes it out
    ("estrogen receptor-positive (ER+)", the glossary's "follicle-stimulating hormone (FSH)")."""
    asked = fold(query.raw)
    if not hits or not _STANDS_FOR.search(asked):
        return []
    doc = hits[0].doc
    for abbreviation, phrase in lexicon.abbreviations.items():
        if not re.search(rf"(?<![\w+]){re.escape(abbreviation)}(?![\w+])", asked):
            continue
        written = f"{phrase} ({abbreviation})"
        for unit in doc.units:
            if written in fold(unit.text) or written in fold(unit.section.split(" > ")[-1]):
                return [sentence_span(doc, unit)]
    return []


def _not_in_document(draft: Draft, facts: Facts, topic: str) -> None:
    d, lexicon, query = facts.d, facts.lexicon, facts.query
    draft.kind = "not_in_document"
    if topic == "unlisted":
        draft.topic = _join(facts.unlisted, d.language)
        draft.spans = _related(_core(d.hits, query, facts.max_quotes), query, d.hits)
    elif topic == "missing_attribute":
        attribute = facts.missing
        label = attribute.labels.get(d.language, attribute.labels["en"])
        drug = _drug_label(query, lexicon)
        if "{drug}" in label:  # "taking other medicines ... with {drug}"
            draft.topic = label.format(drug=drug or message(d.language, "a_treatment"))
        else:
            draft.topic = (message(d.language, "topic_for", label=label, drug=drug) if drug
                           else label)
        if attribute.name == "pairing":
            items = _paired_items(query, lexicon) or list(query.drugs)
            named = [_drug_label(query, lexicon, i) if i in lexicon.generic_to_brands else i
                     for i in items]
            draft.topic = f"{label} ({' + '.join(n for n in named if n)})"
        # the page's own nearest passage to what it does not carry, unless a drug is asked
        # about (the passage naming it relates more closely than any other)
        nearest = [] if query.drugs else _nearest(attribute, d.hits)
        draft.spans = nearest or _related(_core(d.hits, query, facts.max_quotes), query, d.hits)
    elif topic == "unexplained":  # "what does her2 positive mean?": used, never explained
        unexplained = _unexplained_term(query, lexicon) or ""
        pair = unexplained.split(" / ")
        draft.topic = (message(d.language, "difference_of", a=pair[0], b=pair[1])
                       if len(pair) == 2 else message(d.language, "meaning_of", term=unexplained))
        # the passage that uses it, else a very close one
        using = [s for s in facts.spans if all(w in _hyphenless(s.text).split()
                                               for w in _hyphenless(pair[0]).split())]
        draft.spans = using[:1] or _related(facts.spans, query, d.hits)
    elif topic == "cross_reference":  # "which hormonal therapy is for perimenopausal women?"
        draft.topic = _cross_referenced(query, lexicon)
    elif topic == "undefined":  # nothing quoted: the nearest passage would define another word
        draft.topic = _undefined_term(query, facts.spans, lexicon, d.language)


_ACTIONS = {"out_of_scope": _out_of_scope, "personal_advice": _personal_advice,
            "not_in_document": _not_in_document, "answer": _answer}
_TOPICS = {"unlisted", "missing_attribute", "unexplained", "cross_reference", "undefined",
           "none"}


def explain(d: Decision, lexicon: Lexicon, max_quotes: int) -> tuple[str, dict[str, bool]]:
    """The rule that decides a question, and the facts it took to get there."""
    facts = Facts(d, lexicon, max_quotes)
    return _first_rule(facts).name, dict(facts.values)


def _first_rule(facts: Facts) -> Rule:
    return next(r for r in rules() if r.holds(facts))


# "what is X?", "what does X mean?", "whats X short for?", "what is X, the doctor said?"
_DEFINITION = re.compile(
    r"^\W*(?:(?:so|and|ok|okay|sorry|but)\W+)?(?P<verb>what (?:even |actually |exactly |really )?"
    r"(?:is|are)|what's|whats|define|"
    r"meaning of|what does|what do)\s+(?:an? |the )?['\"]?(?P<term>[a-z0-9'/+. -]{2,40}?)['\"]?"
    r"(?:\s+(?:even |actually |exactly |really )?(?P<means>mean|means|stands? for|refer to|"
    r"short for|an abbreviation for))?(?:\s+(?:exactly|actually|even))?"
    r"(?P<aside>\s*[,;:]\s*(?!and\b|or\b|is it\b|does it\b|how\b|when\b|who\b).{0,60})?\W*$")


def _asked_term(question: str) -> tuple[str, re.Match[str]] | None:
    match = _DEFINITION.match(fold(question))
    return (match.group("term").strip(" .'\""), match) if match else None


def _undefined_term(query: Query, spans: list[Span], lexicon: Lexicon,
                    language: str = "en") -> str | None:
    """For "what is X?": X when the quotes never name it (the page only mentions it, say in a
    "See also" line); or, for a short English X, when X has a code of letters and digits the
    page never uses ("cdk4/6 inhibitor, onc keeps saying it"): the page cannot define it."""
    asked = _asked_term(query.raw)
    if not asked:
        return None
    term, match = asked
    term_words = [w for w in re.findall(r"[a-z0-9]+", term) if len(w) >= 3]
    quoted = fold(" ".join(f"{s.section} {s.text}" for s in spans))
    # a code the page never uses ("cdk4/6", "her3"): a word of letters and digits
    foreign = [w for w in term_words if re.search(r"\d", w) and re.search(r"[a-z]", w)
               and w not in lexicon.acronyms and not _page_relative(w, lexicon)]
    if (foreign and language == "en" and len(term_words) <= 3 and not query.drugs
            and not any(w in quoted for w in foreign)):
        return term
    if match.group("aside"):  # "what is X, ..." : only a term the page does not know
        return None
    named = lexicon.normalize(term).split()
    if not term_words or all(w in quoted for w in term_words) or any(w in quoted for w in named
                                                             if len(w) >= 5):
        return None
    if not all(w in lexicon.vocabulary or w in english_words() for w in term_words):
        return None
    return term


_DIFFERENCE = re.compile(
    r"^\W*(?:what'?s|whats|what is)\s+(?:the\s+)?(?:actual\s+|real\s+|main\s+)?differences?\s+"
    r"between\s+(?:an? |the )?(?P<a>[a-z0-9+/. -]{2,40}?)\s+and\s+(?:an? |the )?"
    r"(?P<b>[a-z0-9+/. -]{2,40}?)\W*$")
_NOT_A_TERM = {"the", "that", "this", "these", "those", "them", "thing", "things", "word",
               "term", "one", "ones", "they", "there", "here", "difference", "best", "next",
               "options", "option", "choices", "choice", "treatment", "treatments", "drug",
               "drugs", "medicines", "medications", "combination", "combinations", "types",
               "kinds", "steps", "plan", "chances", "outlook", "point", "goal", "aim", "other",
               "else", "alternatives", "alternative", "name", "names", "page", "source"}
_ROMAN = {"i": "1", "ii": "2", "iii": "3", "iv": "4"}


def _hyphenless(text: str) -> str:
    return " ".join(re.findall(r"[a-z0-9+]+", fold(text)))


def _unexplained_term(query: Query, lexicon: Lexicon) -> str | None:
    """For "what is X?" or "what does X mean?": X, when the page uses it but never explains it
    ("her2 positive", "lobular carcinoma", "brca mutation"), or does not use it at all
    ("inflammatory breast cancer"); for "what is the difference between X and Y?", both, when
    neither is explained. What the page explains: its headings and glossary, "X means",
    "also called X", what "These treatments" do, the kinds of drug it lists
    (``Lexicon.described``); a drug it names is explained by what it says of the drug."""
    if query.drugs:
        return None
    asked = fold(query.raw)
    both = _DIFFERENCE.match(asked)
    if both:
        pair = [both.group("a").strip(" ."), both.group("b").strip(" .")]
        return " / ".join(pair) if all(_unexplained(t, lexicon) for t in pair) else None
    found = _asked_term(query.raw)
    if not found:
        return None
    term, match = found
    # "what does X mean?", not "what does X do?"; "what is X?" with nothing after it
    if match.group("aside") or match.group("verb").startswith("what do") and \
            not match.group("means"):
        return None
    return term if _unexplained(term, lexicon) else None


def _unexplained(term: str, lexicon: Lexicon) -> bool:
    term_words = re.findall(r"[a-z0-9+]+", term)
    content = [w for w in term_words if (len(w) >= 3 or re.search(r"\d", w))
               and w not in _NOT_A_TERM]
    if not content or len(term_words) > 4 or any(w in _NOT_A_TERM for w in term_words):
        return False
    # a word of the page, or an English word it never uses ("inflammatory"); not a typo
    if not all(_page_relative(w, lexicon) or w in lexicon.acronyms or w in english_words()
               for w in content):
        return False
    if any(w in lexicon.cross_references for w in content):
        return False  # only pointed to ("See also"): nothing of the page to quote
    if lexicon.drugs_in(lexicon.normalize(term)):
        return False

    def norm(text: str) -> str:
        return " ".join(_ROMAN.get(w, w.rstrip("s")) for w in re.findall(r"[a-z0-9+]+", text))

    # as typed, and with lay words put in the page's terms ("chemo" -> "chemotherapy"); "stage
    # iv breast cancer" and "advanced cancer" are what "stage 4" and "advanced breast cancer"
    for asked in (norm(term), norm(lexicon.normalize(term))):
        for described in map(norm, lexicon.described):
            if f" {described} " in f" {asked} " or set(asked.split()) <= set(described.split()):
                return False
    return True


def _cross_referenced(query: Query, lexicon: Lexicon) -> str | None:
    """A word the page only points to in a "See also" line, typed in any form
    ("perimenopausal" of "perimenopause") in a clause that asks ("i'm perimenopausal. what
    is given to premenopausal women?" asks about premenopausal women)."""
    for word in words(asking_clauses(fold(query.raw))):
        for pointed in lexicon.cross_references:
            if word.startswith(pointed[: max(5, len(pointed) - 2)]):
                return pointed
    return None


_ASK_FOR = re.compile(r"\bshould (?:i|we|she|he|my \w+) (?:ask|push|beg|pressure) "
                      r"(?:my|her|his|the|our) [\w' ]{0,20}?\bfor (?:the |a |some )?"
                      r"(?P<what>[a-z-]{4,})")


# a person proposing to change their own treatment: a modal or a wish, a change, and their
# own medicine ("can i just cut the pill in half", "i want to double my tamoxifen", "is it ok
# to stop her letrozole"), in one sentence of the English question
_PROPOSAL = re.compile(
    r"\b(?:can|could|should|may|might|is it (?:ok|okay|safe|fine|alright)(?: if| to)?|"
    r"(?:want|wanting|going|planning|thinking|tempted) (?:to|of|about)|would it be (?:ok|okay|"
    r"safe|bad))\b[^.?!]{0,40}?\b(?:double|doubling|halve|halving|half|cut|cutting|split|"
    r"splitting|crush|skip|skipping|stop|stopping|quit|quitting|pause|start|starting|restart|"
    r"lower|lowering|reduce|reducing|increase|increasing|change|changing|switch|switching|"
    r"take (?:more|less|extra|half|two)|take (?:it|them) (?:every other|less|more))\b"
    r"[^.?!]{0,30}?\b(?:(?:my|her|his|the|this|that|own) (?:\w+ )?(?:pills?|tablets?|doses?|"
    r"dosage|medications?|meds|medicines?|drugs?|treatment|chemo\w*)|it|them)\b")


# ... in French and Spanish ("est-ce que je peux arrêter mon tamoxifène", "¿puedo partir mi
# pastilla a la mitad?")
_PROPOSAL_FR_ES = re.compile(
    r"\b(?:peux|puis|pourrais|dois|devrais|veux|voudrais|puedo|podria|debo|deberia|quiero|"
    r"quisiera)\b[^.?!]{0,30}?\b(?:arreter|couper|doubler|sauter|diminuer|reduire|augmenter|"
    r"changer|commencer|partir|cortar|dejar|suspender|duplicar|doblar|saltar|reducir|bajar|"
    r"subir|aumentar|cambiar|empezar)\b[^.?!]{0,20}?\b(?:mon|ma|mes|mi|mis|la|le|el|su|sa|"
    r"son|ses)\b")


# a change to one's own medicine told first, asked about after it ("halve my pill on my own,
# is that ok?"): the change, and a request for permission anywhere in the same sentence
_OWN_CHANGE = re.compile(
    r"\b(?:double|halve|half|cut|split|crush|skip|stop|quit|pause|start|lower|reduce|increase|"
    r"switch|change)\b[^.?!]{0,20}?\b(?:my|her|his|own) (?:\w+ )?(?:pills?|tablets?|doses?|"
    r"dosage|medications?|meds|medicines?|drugs?|treatment|chemo\w*)\b")
_PERMISSION = re.compile(r"\b(?:is (?:that|it|this) (?:ok|okay|alright|fine|safe|bad|a problem)|"
                         r"(?:ok|okay|alright|fine|safe) to|would that (?:be|hurt))\b")


def _proposes_change(english: str, lexicon: Lexicon) -> bool:
    """A person proposing to change their own treatment (its dose, or to start, stop or skip
    it): a decision for their healthcare team, with what the page says."""
    folded = fold(english)
    if _PROPOSAL.search(folded) or _PROPOSAL_FR_ES.search(folded):
        return True
    if any(_OWN_CHANGE.search(c) and _PERMISSION.search(c) for c in re.split(r"[.!;]", folded)):
        return True
    return bool(_own_drug_change(frozenset(lexicon.drug_names)).search(folded))


@lru_cache(maxsize=4)
def _own_drug_change(names: frozenset[str]) -> re.Pattern[str]:
    """'can i stop my letrozole': a change to one's own drug, named (made once per lexicon)."""
    alternatives = "|".join(re.escape(n) for n in sorted(names, key=len, reverse=True))
    return re.compile(
        r"\b(?:can|could|should|may|is it (?:ok|okay|safe)|(?:want|going|planning) to)\b"
        r"[^.?!]{0,40}?\b(?:double|halve|cut|split|skip|stop|quit|pause|start|lower|reduce|"
        r"increase|switch|swap)\b[^.?!]{0,20}?\b(?:my|her|his) (?:" + alternatives + r")\b")


def _asks_for_drug(question: str, lexicon: Lexicon) -> bool:
    """"should I ask my doctor for olaparib?" is a decision about one's own treatment."""
    match = _ASK_FOR.search(fold(question))
    if not match:
        return False
    what = lexicon.correct(match.group("what"))
    return what in lexicon.drug_names or what in lexicon.unlisted


def _page_relative(word: str, lexicon: Lexicon) -> bool:
    """Is ``word`` a word of the page, part of one, a misspelling the lexicon corrects, or one
    of them extended ("her2neg" of "her2")?"""
    if word in lexicon.vocabulary or any(n in lexicon.vocabulary
                                         for n in lexicon.normalize(word).split()):
        return True
    return any(len(p) >= 4 and word.startswith(p) for p in lexicon.word_parts)


_GENERIC = {"cancer", "treatment", "treatments", "glossary", "have", "want", "with", "women",
            "don't", "can't", "breast"}


def _asks_about_page(question: str, lexicon: Lexicon) -> bool:
    """Do the clauses that ask name what the page is about: a drug, a treatment it does not
    list, or a word of what it explains ("chemotherapy", "menopause", "trials"), lay words
    mapped? ("what should her blood sugar numbers be" does not.)"""
    asking = asking_clauses(fold(question))
    normalized = lexicon.normalize(asking)
    topics = {w for term in lexicon.described for w in words(term) if len(w) >= 4} - _GENERIC
    return bool(topics & set(normalized.split()) or lexicon.drugs_in(normalized)
                or lexicon.unlisted_in(normalized, asking))


def _page_words(query: Query, lexicon: Lexicon) -> bool:
    """Does the question use a distinctive word of the page (not just 'cancer' or 'what')?"""
    return bool(_distinctive(query, lexicon))


def _distinctive(query: Query, lexicon: Lexicon, typed: bool = False) -> set[str]:
    """The question's distinctive words of the page (not 'cancer', 'what', 'treatment');
    ``typed``: only words the person typed (misspellings corrected), not lay-term additions."""
    common = {"cancer", "breast", "treatment", "treatments", "stage", "women", "woman", "time",
              "used", "given", "take", "help", "with", "what", "about", "this", "that", "have",
              "there", "other", "your", "they", "when", "more", "many", "means", "life", "like",
              "also", "type", "types", "care", "people", "does", "will", "some", "their", "make"}
    asked = ({lexicon.correct(w) for w in words(query.raw)} if typed
             else set(query.normalized.split()))
    return {w for w in asked
            if w in lexicon.vocabulary and w not in common or w in lexicon.acronyms}


# a sentence that leans on an earlier one for its subject ("It is taken as pill daily",
# "When given alone, it is usually continued ...")
_LEANS = re.compile(r"(?:[^,.]{0,40},\s*)?(these|this|those|they|it)\b")


# with no drug named, carried only by a sentence about what was asked ("is chemo by iv or
# pills?" is not answered by "It is taken as pill daily", said of abemaciclib)
_ABOUT_SUBJECT = {"mechanism", "route"}
_ASKED_WORDS = {"pill", "pills", "mouth", "taken", "tablet", "tablets", "oral", "injection",
                "infusion", "work", "works"}
# "which one is the pill?" asks of any drug named (not "..., which my sister takes")
_WHICH = re.compile(r"\bwhich (one|ones|of (them|these|those|the two|both)|drugs?|pills?|"
                    r"treatments?|medications?|medicines?)\b")
# "does a single drug cause fewer side effects than a combination?" asks a comparison, which
# a sentence comparing side effects carries
_SIDE_EFFECTS_COMPARISON = re.compile(r"\b(fewer|more|less|worse) side effects\b")
_SIDE_EFFECTS_COMPARED = re.compile(r"\b(single|one drug|combination|combinations|combo|combos|"
                                    r"several|multiple|more drugs|two drugs|alone)\b")


_NAMED_EFFECT = re.compile(r"\b(hair|bald|weight|nause|sick|vomit|throw\w* up|fatigue|tired|"
                           r"neuropath|tingl|numb|rash|diarrh|constipat|heart|cardiac|clot|"
                           r"bone|fracture|joint|ache|pain|sore|hot flash|mood|memory|skin|nail|"
                           r"peel|blister|liver|kidney|eye|cataract|infection|menopaus|fertil)")


@lru_cache(maxsize=8)
def _folded(text: str) -> str:
    return fold(text)


@lru_cache(maxsize=8)
def _in_context(text: str) -> tuple[tuple[str, str], ...]:
    """(sentence, what it is about) for each sentence of a passage. A sentence whose subject
    is a pronoun is about the sentence it leans on ("It is taken as pill daily and may be
    given:" is about abemaciclib); a list item is about the sentence leading into it, and
    not about the other items ("with fulvestrant (Faslodex)" is not about the aromatase
    inhibitor of the item before); every sentence is about the heading it sits under (a
    glossary entry is about its headword). ``text`` is a folded page: one reading per page."""
    out: list[tuple[str, str]] = []
    antecedent = lead = heading = ""
    for block in re.split(r"\n\s*\n", text):
        if block.lstrip().startswith("#"):  # a heading starts a new subject
            heading, antecedent, lead = block.strip("# \n"), "", ""
            continue
        if block.lstrip().startswith("- "):
            items = [i.strip().removeprefix("- ").strip()
                     for i in re.split(r"\n(?=\s*- )", block) if i.strip()]
            out += [(item, f"{heading} {lead} {item}") for item in items]
            continue
        lead = ""
        for sentence in re.split(r"(?<=[.:])\s+", block):
            if not sentence.strip():
                continue
            leans = bool(_LEANS.match(sentence))
            about = f"{antecedent} {sentence}" if leans else sentence
            out.append((sentence, f"{heading} {about}"))
            if sentence.rstrip().endswith(":"):
                lead = about
            elif not leans:
                antecedent = sentence
    return tuple(out)


def _asked_drugs(query: Query, lexicon: Lexicon) -> list[str]:
    return lexicon.drugs_in(lexicon.normalize(asking_clauses(fold(query.raw))))


# attributes a sentence carries only about a status the question names (the page's blood tests
# tell whether someone has reached menopause, nothing else)
_ABOUT_A_STATUS = {"testing"}


def _carried(attribute, spans: list[Span], query: Query, lexicon: Lexicon,  # noqa: ANN001
             subject: set[str] | None = None) -> bool:
    """Does a quoted sentence carry what was asked, about what was asked? The sentence that
    carries it must be about each drug named ("is it a pill like the Verzenio?" of Faslodex is
    not carried by "It is taken as pill daily"; any drug, asked "which one"), or, for how
    something works or is given with no drug named, about one of the question's distinctive
    page words ("ovarian suppression" carries "how does ovarian suppression work", not "what
    does an aromatase inhibitor do")."""
    if attribute.carrier is None:
        return False
    asked = fold(query.raw)
    # a named side effect ("does it make your hair fall out") is carried only by a sentence
    # that names it ("cause treatment-induced menopause" does not)
    effects = set(_NAMED_EFFECT.findall(asked)) if attribute.name == "side_effects" else set()
    # the quoted sentences, each read in its place on the page (a quoted list item is about
    # the sentence leading into it, quoted or not)
    quoted = [fold(span.text) for span in spans]
    compares = attribute.name == "side_effects" and bool(_SIDE_EFFECTS_COMPARED.search(asked))
    carrying = [about for doc in {id(s.doc): s.doc for s in spans}.values()
                for sentence, about in _in_context(_folded(doc.text))
                if any(sentence in q for q in quoted)
                and ((attribute.carrier.search(about if attribute.name == "alone" else sentence)
                      and all(e in sentence for e in effects))
                     or (compares and _SIDE_EFFECTS_COMPARISON.search(sentence)))]
    if attribute.name in _ABOUT_A_STATUS:
        # "how do they tell if she's gone through the change?" is carried by the blood tests
        # for menopause; "how do they know the treatment is working?" is not
        named = facets_of(query.raw, ruled_out=False)
        dimension = named | opposed(named)
        carrying = [about for about in carrying if facets_of(about) & dimension]
    if query.drugs:
        # the drugs of the clauses that ask ("letrozole stopped working. can she go on verzenio
        # by itself?" asks of abemaciclib)
        drugs = [d for d in query.drugs if d in _asked_drugs(query, lexicon)] or query.drugs
        about_each = [any(d in about for about in carrying) for d in drugs]
        return any(about_each) if _WHICH.search(fold(query.raw)) else all(about_each)
    # the subject, not the words of what is asked ("is chemo by iv or pills?" is about chemo)
    subject = {w for w in subject or () if not attribute.carrier.search(w)} - _ASKED_WORDS
    if attribute.name in _ABOUT_SUBJECT and subject and not asks_list(query.raw):
        # (a list asked for, "which drugs are taken by mouth?", is about every drug)
        return any(w in about for about in carrying for w in subject)
    return bool(carrying)


# "what is ibrance paired with?", "which drugs go along with it?": an open question
_OPEN_PAIRING = re.compile(r"\b(what|which)\b[^.?!]*\b(combined|combine|paired|pair|given|"
                           r"taken|used|go|goes|along|together|with|added)\b")
# what a sentence of the page or the question says was had before, comes after or is not
# wanted pairs it with nothing: "who have not had trastuzumab or chemotherapy", "she has never
# had chemo", "progresses after hormonal therapy", "who do not want to have ovarian ablation"
_NOT_PAIRED = re.compile(r"\b(has|have|had|hasn'?t|haven'?t|hadn'?t)( not| never| already)* "
                         r"(had|been given|been on|received|taken|tried)\b[^,.:;?]*|"
                         r"\bnever (had|been on|received|taken|tried)\b[^,.:;?]*|"
                         r"\bafter [^,.:;?]*|\b(do not|don'?t|does not|doesn'?t|can.?t|cannot)"
                         r"( want to)?( or can.?t)? (have|take)\b[^,.:;?]*")


def _paired_items(query: Query, lexicon: Lexicon) -> list[str] | None:
    """The drugs and treatments a question asks to give together, what it says was had
    before or comes after left out ("she has never had chemotherapy. can palbociclib be
    combined with letrozole?" asks of palbociclib and letrozole); None when there is nothing
    to check: fewer than two, or an open question ("what is ibrance paired with?")."""
    asked = fold(query.raw)
    if _OPEN_PAIRING.search(asked):
        return None
    normalized = lexicon.normalize(_NOT_PAIRED.sub(" ", asked))
    terms = [t for t in sorted(lexicon.treatment_terms)
             if re.search(rf"\b{re.escape(t)}\b", normalized)]
    items = [*lexicon.drugs_in(normalized), *terms]
    return items if len(items) >= 2 else None


def _paired(query: Query, spans: list[Span], lexicon: Lexicon) -> bool:
    """"can palbociclib be combined with fulvestrant?": does one sentence of the page give
    together every drug or treatment asked about, by name or by the kind the page lists a drug
    as, given with ("along with an aromatase inhibitor" pairs palbociclib with letrozole;
    "Hormonal therapy ... may include ovarian suppression" pairs nothing with tamoxifen)?"""
    items = _paired_items(query, lexicon)
    if items is None:
        return True
    drugs = [i for i in items if i in lexicon.generic_to_brands]
    terms = [i for i in items if i not in lexicon.generic_to_brands]
    kinds = {d: lexicon.drug_kinds.get(d, set()) for d in drugs}
    # a kind two drugs share does not pair them ("hormonal therapy": letrozole, tamoxifen)
    shared = set.intersection(*kinds.values()) if len(drugs) > 1 else set()
    names = {d: {d, *lexicon.generic_to_brands.get(d, [])} for d in drugs}
    for term in terms:  # a kind is named by itself, its drugs, or a narrower kind
        of_kind = {g for g, ks in lexicon.drug_kinds.items() if term in ks}
        narrower = {k for g in of_kind for k in lexicon.drug_kinds[g]
                    if {h for h, ks in lexicon.drug_kinds.items() if k in ks} <= of_kind}
        names[term] = {term, *narrower, *of_kind,
                       *(b for g in of_kind for b in lexicon.generic_to_brands.get(g, []))}
    for doc in {id(s.doc): s.doc for s in spans}.values():
        for sentence, about in _in_context(_folded(doc.text)):
            if sentence.startswith("#"):
                continue
            about = _NOT_PAIRED.sub(" ", about)
            by_name = [any(n in about for n in names[i]) for i in items]
            by_kind = [any(re.search(rf"\b(with|to|and|plus) (an? |the |one of the )?"
                                     rf"{re.escape(k)}", about)
                           for k in kinds.get(i, set()) - shared) for i in items]
            if any(by_name) and all(n or k for n, k in zip(by_name, by_kind, strict=True)):
                return True
    return False


def _drug_label(query: Query, lexicon: Lexicon, generic: str | None = None) -> str | None:
    if not query.drugs:
        return None
    generic = generic or query.drugs[0]
    brands = lexicon.generic_to_brands.get(generic, [])
    return f"{generic} ({brands[0].title()})" if brands else generic


def _core(hits: list[ScoredUnit], query: Query, max_quotes: int) -> list[Span]:
    """The passages that answer best, without the other places a drug is the subject (what
    is quoted beside "the page does not say" is the one passage nearest the question)."""
    return select_spans(hits, query, max_quotes, mentions=False, whole=False)


def _related(spans: list[Span], query: Query, hits: list[ScoredUnit]) -> list[Span]:
    """Quote alongside 'the page does not say' only what truly relates: the passage naming
    the drug asked about, or a very close match when no drug is named."""
    if query.drugs:
        # the passage naming most of the drugs asked about, the shortest of those ("docetaxel
        # and capecitabine", not the list of single drugs that names both)
        # ... one that opens with a drug asked about first (its own sentence, not one that
        # names it in passing)
        named = [(sum(d in fold(span.text) for d in query.drugs),
                  any(fold(span.text).startswith(d) for d in query.drugs), -len(span.text))
                 for span in spans]
        if not any(count for count, _, _ in named):
            return []
        i = named.index(max(named))
        lead = spans[i - 1] if i and spans[i - 1].text.rstrip().endswith(":") else None
        if lead is None and spans[i].text.rstrip().endswith(":"):  # a lead-in keeps its
            return [spans[i], *_items_quoted(spans[i], spans)]  # quoted items
        return [lead, spans[i]] if lead else [spans[i]]  # a list item keeps its lead-in
    if hits and hits[0].dense >= RELATED_DENSE:
        return spans[:1]
    return []


def _named_drugs(hits: list[ScoredUnit], query: Query | None, spans: list[Span]) -> list[Span]:
    """For each drug a question names that no chosen passage names, its best passage ("Ibrance
    or Verzenio, which would you pick?" is told what the page says of each)."""
    if query is None:
        return []
    quoted = " ".join(fold(s.text) for s in spans)
    extra: list[Span] = []
    for drug in query.drugs:
        if drug in quoted:
            continue
        hit = next((h for h in hits if fold(h.unit.text).startswith(drug)), None) or next(
            (h for h in hits if drug in fold(h.unit.text)), None)
        if hit is not None:
            extra += select_spans([hit], query, 1)
            quoted += " " + fold(hit.unit.text)
    return extra


def _nearest(attribute: Attribute, hits: list[ScoredUnit]) -> list[Span]:
    """The page's own nearest passage to what it does not carry (``nearest`` in
    attributes.tsv): asked for survival figures, what it says of cure and control."""
    if attribute.nearest is None or not hits:
        return []
    doc = hits[0].doc
    unit = next((u for u in doc.units if attribute.nearest.search(fold(u.text))), None)
    return [Span(doc, unit.start, unit.end, unit.section)] if unit else []


def _items_quoted(lead: Span, spans: list[Span]) -> list[Span]:
    """The spans that quote items of the list a lead-in span opens."""
    items = list_items(lead)
    return [s for s in spans if s is not lead and s.doc is lead.doc
            and any(s.start <= u.start < s.end for u in items)]


_TEAM = "healthcare team"
_TEAM_DECIDES = re.compile(r"\b(suggest|help|choose|decide|plan|work with|talk to)")


def _team_passage(hits: list[ScoredUnit], spans: list[Span]) -> list[Span]:
    """For a personal decision: the page's own words sending the person to their healthcare
    team (the best-scoring sentence that names it), unless a quote already does."""
    if any(_TEAM in fold(s.text) for s in spans):
        return []
    for hit in hits:
        if _TEAM in hit.unit.folded and hit.unit.kind == "sentence":
            span = sentence_span(hit.doc, hit.unit)
            if not _TEAM_DECIDES.search(fold(span.text)) and hit.score < 0.5 * hits[0].score:
                continue  # "your healthcare team may do blood tests", unless that is the topic
            if not any(x.doc is span.doc and x.start < span.end and span.start < x.end
                       for x in spans):
                return [span]
    return []


_AND = {"en": "or", "fr": "ni", "es": "ni"}



def _join(names: list[str], language: str) -> str:
    """'a', 'a or b', 'a, b or c' (the page covers none of them)."""
    if len(names) < 2:
        return "".join(names)
    return f"{', '.join(names[:-1])} {_AND.get(language, 'or')} {names[-1]}"
