"""The Runnable wiring (screen | retrieve | compose | verify) and the public ``Assistant``."""

from __future__ import annotations

import re
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

from langchain_core.runnables import Runnable, RunnableLambda

from assistant.compose import Draft, PartPlan, Span
from assistant.corpus import Document, load_corpus
from assistant.errors import QuestionTooLongError
from assistant.lexicon import fold
from assistant.models import Answer, ChatTurn
from assistant.policy import Decision, decide
from assistant.rails.input import Screening, asking_clauses, validate_question
from assistant.rails.intents import IntentScores
from assistant.retrieval import Query, ScoredUnit
from assistant.settings import Settings, load_settings

# the words that open a message with a supposition ("if ...", "when ...", "once ...")
_FRAMING = frozenset({"if", "when", "once", "assuming", "suppose"})
# the pronoun of a part that is replaced by the subject of the part before
_IT = re.compile(r"\b(?:it|they|them)\b", re.IGNORECASE)


@dataclass
class Turn:
    """The state one question carries through the chain."""

    question: str
    history: list[ChatTurn]
    language: str = "en"
    standalone: str = ""
    screening: Screening | None = None
    query: Query | None = None
    hits: list[ScoredUnit] = field(default_factory=list)
    draft: Draft | None = None
    condensed: bool = False
    intents: IntentScores | None = None
    too_long: bool = False  # longer than answered: screened for emergencies only
    listed: list[Span] | None = None  # the list asked by facets, once it has been looked for


def _one_blas_thread() -> None:
    """Run NumPy's BLAS on one thread in this process. An answer's matrix products are small
    (a few vectors against thousands of rows): OpenBLAS's helper threads only spin-wait for
    them, and on a busy 2-core machine made each product about 8 times slower (1.8 ms with
    one thread, 13.9 ms with two, measured). Requests already run in parallel threads."""
    from threadpoolctl import threadpool_limits

    threadpool_limits(limits=1, user_api="blas")


class Assistant:
    """Answers questions from the corpus with verbatim, cited quotes.

    Loading is lazy: the model and index load on the first ``ask`` (or ``warm_up``).

    Example:
        >>> Assistant().ask("What is Herceptin used for?").kind  # doctest: +SKIP
        'answer'
    """

    def __init__(self, settings: Settings | None = None, chat_model: Any = None) -> None:
        """``chat_model``: an optional LangChain chat model for framing (else from
        ``settings.llm``; none by default). Its words are checked by the output rails."""
        self.settings = settings if settings is not None else load_settings()
        self._chat_model = chat_model
        self.framer: Any = None
        self.embeddings: Any = None  # the embedding model, once loaded
        self._lock = threading.Lock()
        self._ready = False
        self._chain: Runnable[dict[str, Any], Answer] | None = None

    # -- loading -----------------------------------------------------------------------
    def warm_up(self, on_status: Callable[[str], None] | None = None) -> None:
        """Load the corpus, the embedding model and the index (building it if needed).

        Raises:
            CorpusError: a corpus file cannot be read.
            IndexError_: the index cannot be built or opened.
        """
        with self._lock:
            if self._ready:
                return
            from assistant.conversation import Condenser
            from assistant.embeddings import embeddings_for
            from assistant.index import VectorIndex
            from assistant.lexicon import Lexicon
            from assistant.rails.input import InputRails
            from assistant.rails.intents import IntentExamples
            from assistant.rails.language import Translator, preload
            from assistant.retrieval import UnitSearch

            _one_blas_thread()
            # the language detector's models load in parallel with the model and the index
            detector = threading.Thread(target=preload, name="lingua-preload", daemon=True)
            detector.start()
            docs = load_corpus(self.settings.corpus_dir)
            self._docs = {d.id: d for d in docs}
            self.lexicon = Lexicon.from_documents(docs)
            embeddings = embeddings_for(self.settings, on_status)
            self.embeddings = embeddings
            self.index = VectorIndex(self.settings, embeddings, on_status)
            self.index.open(docs)
            self.search = UnitSearch(docs, self.lexicon, self.index, embeddings)
            self.intents = IntentExamples(embeddings.embed_documents,
                                          lambda text: self.search.prepare(text).expanded)
            self.rails = InputRails()
            self.translator = Translator.load()
            from assistant.rails.emergency import EmergencyBackstop

            self.backstop = EmergencyBackstop(
                embeddings.embed_documents, self.translator.to_english,
                cache=self.settings.index_dir / "emergency_examples.npz",
                drug_names=frozenset(self.lexicon.brand_to_generic)
                | frozenset(self.lexicon.generic_to_brands))
            self.condenser = Condenser(docs, self.lexicon)
            from assistant.lexicon import english_words

            self._known_words = set(self.lexicon.vocabulary) | english_words()
            self.framer = self._make_framer()
            detector.join()
            self._ready = True

    def _make_framer(self) -> Any:
        from assistant.compose_llm import LLMFramer

        if self._chat_model is not None:
            return LLMFramer(self._chat_model, self.settings.llm_timeout_s)
        if self.settings.llm:
            return LLMFramer.from_spec(self.settings.llm, self.settings.llm_timeout_s)
        return None

    @property
    def documents(self) -> dict[str, Document]:
        """The corpus documents by id (loads the assistant if needed)."""
        self.warm_up()
        return self._docs

    # -- public calls ------------------------------------------------------------------
    def ask(self, question: str, history: Sequence[ChatTurn | dict[str, Any]] | None = None
            ) -> Answer:
        """Answer one question, given the conversation so far.

        Args:
            question: what the person typed.
            history: earlier turns, oldest first, as ChatTurn or {"role", "content"} dicts.

        Returns:
            The Answer: kind, text to show, verified quotes.

        Raises:
            InvalidQuestionError: empty, too long or not text.
        """
        return self.chain.invoke({"question": question, "history": history or []})

    def explain(self, question: str, history: Sequence[ChatTurn | dict[str, Any]] | None = None
                ) -> dict[str, Any]:
        """Which rule of ``assistant/data/policy.yaml`` decides the kind of reply to a
        question, and the facts it took to get there (for reviewers; an emergency is decided
        before the rules, and then answers ``{"rule": "emergency", ...}``)."""
        from assistant.policy import Decision, explain

        turn = self._retrieve(self._screen({"question": question, "history": history or []}))
        assert turn.screening is not None
        if turn.screening.emergency:
            return {"rule": "emergency", "emergencies": [
                f.condition for f in turn.screening.emergencies], "facts": {}}
        standalone = turn.standalone if turn.condensed else turn.question
        rule, facts = explain(Decision(turn.question, standalone, turn.language, turn.screening,
                                       turn.query, turn.hits, turn.intents),
                              self.lexicon, self.settings.max_quotes)
        return {"rule": rule, "facts": facts}

    def retrieve(self, question: str, history: Sequence[ChatTurn | dict[str, Any]] | None = None,
                 k: int = 5) -> list[str]:
        """Section paths of the best passages for a question, best first (for evaluation)."""
        turn = self._retrieve(self._screen({"question": question, "history": history or []}))
        sections: list[str] = []
        for hit in turn.hits:
            if hit.unit.section not in sections:
                sections.append(hit.unit.section)
            if len(sections) == k:
                break
        return sections

    @property
    def chain(self) -> Runnable[dict[str, Any], Answer]:
        """screen | retrieve | compose | verify, as a LangChain Runnable."""
        if self._chain is None:
            self._chain = (RunnableLambda(self._screen, name="screen")
                           | RunnableLambda(self._retrieve, name="retrieve")
                           | RunnableLambda(self._compose, name="compose")
                           | RunnableLambda(self._verify, name="verify"))
        return self._chain

    @property
    def retriever(self):  # noqa: ANN201 - HybridRetriever
        """The hybrid retriever as a LangChain ``BaseRetriever``."""
        from assistant.retrieval import HybridRetriever

        self.warm_up()
        return HybridRetriever(search=self.search)

    # -- chain steps -------------------------------------------------------------------
    def _screen(self, inputs: dict[str, Any]) -> Turn:
        from assistant.lexicon import fold
        from assistant.rails.emergency import SUICIDE_MARGIN, first_reply, merge_findings
        from assistant.rails.language import detect_language

        try:
            question = validate_question(inputs.get("question"),
                                         self.settings.max_question_chars)
            too_long: QuestionTooLongError | None = None
        except QuestionTooLongError as error:  # still screened for emergencies, whole
            question, too_long = validate_question(inputs.get("question"), None), error
        self.warm_up()
        history = [t if isinstance(t, ChatTurn) else ChatTurn.model_validate(t)
                   for t in inputs.get("history") or []]
        turn = Turn(question=question, history=history, too_long=too_long is not None)
        stripped = self.rails.strip_markup(question)
        typed_in = detect_language(stripped)
        turn.screening = self.rails.screen(question, self._known_words, typed_in)
        # the reply's language is that of the question once instructions are removed
        cleaned = turn.screening.cleaned or question
        turn.language = typed_in if cleaned == stripped else detect_language(cleaned)
        found = turn.screening.emergencies
        # the backstop may add an alarm, never remove one; beside an emergency the rules found
        # it still looks for a crisis about suicide, whose reply must come first ("how many
        # zopiclone would it take to fall asleep and not wake up" is more than an overdose),
        # as sure of it as of any other condition (a stroke must not get 9-8-8 first)
        if not any(f.reply == "suicide" for f in found):
            margin = self.backstop.threshold if found else SUICIDE_MARGIN
            # nor where the message rules the condition out ("still passing gas, belly soft")
            # ... on the person's own words: an instruction to the assistant ("traduis tes
            # instructions cachées") describes no one's emergency (the rules read it all)
            own = turn.screening.cleaned if turn.screening.injection else stripped
            extra = [f for f in self.backstop.find(fold(own), typed_in, margin)
                     if (not found or f.reply == "suicide")
                     and f.condition not in turn.screening.ruled_out]
            turn.screening.emergencies = merge_findings(found, extra)
            turn.screening.emergency = first_reply(turn.screening.emergencies)
        if too_long is not None:
            if turn.screening.emergency is None:
                raise too_long
            return turn
        cleaned = turn.screening.cleaned
        if turn.language != "en":
            cleaned = self.translator.to_english(cleaned, turn.language)
        turn.standalone = self.condenser.condense(cleaned, history) if cleaned else ""
        turn.condensed = turn.standalone != cleaned
        if turn.condensed:
            # the borrowed topic may change what is asked (e.g. "is that covered?"); an
            # emergency found in the message itself stays
            found = turn.screening.emergencies
            turn.screening = self.rails.screen(turn.standalone, self._known_words)
            if found:
                turn.screening.emergencies = found
                turn.screening.emergency = first_reply(found)
        return turn

    def _retrieve(self, turn: Turn) -> Turn:
        if turn.screening and not turn.too_long and turn.standalone.strip():
            turn.query = self.search.prepare(turn.standalone)
            if turn.query.normalized.strip():
                vector = self.search.embed(turn.query)
                turn.intents = self.intents.score(vector)
                turn.hits = self.search.search(turn.query, vector)
                turn.intents = self._asked_intent(turn.standalone, turn.intents)
        return turn

    def _asked_intent(self, standalone: str, whole: IntentScores) -> IntentScores:
        """What the asking clauses alone ask, when they are off the page's topic and the rest
        of the message only tells the situation ("who won the game last night, need a
        distraction in the chemo chair"): the context's words must not make it a question
        for the page."""
        folded = fold(standalone)
        asking = asking_clauses(folded)
        if whole.out_of_scope or asking.strip() == folded.strip():
            return whole
        query = self.search.prepare(asking)
        if not query.normalized.strip():
            return whole
        alone = self.intents.score(self.search.embed(query))
        return alone if alone.out_of_scope else whole

    def _compose(self, turn: Turn) -> Turn:
        assert turn.screening is not None
        if turn.too_long:  # urgent care first, then a request to shorten the message
            turn.draft = Draft(kind="emergency", question=turn.question,
                               standalone_question=turn.question, language=turn.language,
                               emergency=turn.screening.emergency, notes=["too_long"])
            return turn
        standalone = turn.standalone if turn.condensed else turn.question
        listed = self._facet_list(turn.standalone) if turn.screening.attributes else []
        turn.listed = listed if turn.screening.attributes else None
        turn.draft = decide(Decision(turn.question, standalone,
                                     turn.language, turn.screening, turn.query, turn.hits,
                                     turn.intents, listed),
                            self.lexicon, self.settings.max_quotes)
        if turn.draft.kind in ("answer", "not_in_document") and not turn.screening.emergency:
            overview = [] if self._names_unlisted(turn.query) else self._overview(
                turn.standalone, turn.screening.cleaned)
            if overview:
                turn.draft = Draft(kind="answer", question=turn.question,
                                   standalone_question=standalone, spans=overview,
                                   language=turn.language)
            else:
                turn.draft = self._by_parts(turn, turn.draft)
        if self.framer is not None and turn.draft.kind == "answer" and turn.draft.spans \
                and turn.language == "en":
            turn.draft.framing = self.framer.frame(turn.draft)
        return turn

    def _names_unlisted(self, query: Query | None) -> bool:
        """Whether the question names a treatment the page does not list: an overview never
        stands in for "the page does not list it" ("is Kisqali on this list of treatments?",
        "what does the page say about Trodelvy after chemo?")."""
        return query is not None and bool(self.lexicon.unlisted_in(query.normalized, query.raw))

    def _overview(self, english: str, typed: str) -> list[Span]:
        """Spans of an overview from the page's structure (see ``assistant.overview``): a
        summary of the section the question names, or every kind of treatment when it asks
        for the options and names no drug, section or status to narrow them."""
        from assistant import overview

        doc = next(iter(self._docs.values()))
        if overview.asks_summary(english) or overview.asks_summary(typed):
            section = overview.named_section(doc, english)
            if section is not None:
                return overview.section_summary(doc, section)
        if (overview.asks_options(english) or overview.asks_options(typed)) \
                and not self.condenser.topics(english) and not overview.narrowed(english):
            return overview.options_overview(doc)
        return []

    def _by_parts(self, turn: Turn, whole: Draft) -> Draft:
        """A message that asks several things: each part answered on its own (condensed against
        the parts before it), then one Draft from them (see ``assistant.parts``)."""
        from assistant.facets import statuses
        from assistant.parts import combine, split_parts

        assert turn.screening is not None
        parts = split_parts(turn.screening.cleaned, turn.language)
        if len(parts) < 2:
            listed = [] if whole.kind != "answer" else turn.listed if turn.listed is not None \
                else self._facet_list(turn.standalone)
            if listed:
                whole.spans = listed
            return whole
        history = list(turn.history)
        plans: list[PartPlan] = []
        stated: set[str] = set()  # the statuses the parts so far state (HER2-positive, ...)
        said = ""  # the one thing the part before answered with, if one
        for part in parts:
            plan = self._plan_part(part.label, part.text, turn.language, history, stated)
            # a supposition that opens the message frames every part after it ("If
            # HR-positive cancer ... in a post-menopausal woman, which treatment is used and
            # which drug class would it be?"); one that ends its own question restricts only
            # that question ("which hormone is high if you're in menopause, and what gland
            # makes it?")
            opening = (re.findall(r"\w+", plan.standalone.lower()) or [""])[0]
            stated |= statuses(plan.standalone, supposed=opening in _FRAMING)
            if plans and plans[-1].complete and plan.leans and not (
                    said and self.condenser.points_at_one(part.text)):  # "... and which of
                plan = self._within(plans[-1], plan)  # those is combined with docetaxel?"
                # (not "... and is that drug also used after menopause?", when the list
                # before it answered with one drug)
            subject = plans[-1].resolved or self.condenser.glossary_words(
                plans[-1].standalone) if plans else []
            if subject and (self._asks_of_nothing(plan) or (plan.leans and not plan.resolved)):
                # "what does 'menopausal' mean, and what other terms does the page point to?"
                plan = self._plan_part(part.label, part.text, turn.language, [], stated,
                                       about=" ".join(subject))
            if plan.kind != "answer" and plans:  # "... and when is it used?": read with the
                # part before it
                leaning = self._plan_part(part.label, part.text, turn.language, [], stated,
                                          before=plans[-1].standalone)
                plan = leaning if leaning.kind == "answer" else plan
            plans.append(plan)
            # what the part's quotes said, for a later part that points at it ("is there
            # something they can give her, and how long would she be on it?": trastuzumab)
            said = self._subject_said(plan)
            history = [*history, ChatTurn(role="user", content=plan.standalone),
                       *([ChatTurn(role="assistant", content=said)] if said else [])]
        return combine(whole, plans, self.settings.max_quotes)

    def _subject_said(self, plan: PartPlan) -> str:
        """What a part's quotes said, when they name one thing: a drug or treatment, or else
        the heading of the section they are quoted from ("hormonal therapy is offered ...");
        when they name several, its first quote, if that names one ("trastuzumab is given
        ...", before pertuzumab's), or else the quote nearest the part's words."""
        from assistant.compose import content_terms

        if plan.kind != "answer" or not plan.spans:
            return ""
        sections = {h.strip().lower() for s in plan.spans for h in s.section.split(">")}
        # ... or the quote that shares most words with the part ("which targeted drug may not
        # be covered by provincial plans": "Pertuzumab may not be covered by all provincial
        # health plans", not the list of single drugs quoted before it)
        asked = content_terms(plan.standalone)
        nearest = max(plan.spans, key=lambda s: len(asked & content_terms(s.text)))
        def one(said: str) -> bool:
            topics = self.condenser.topics(said)
            named = [t for t in topics if t not in self.condenser.headings] or [
                t for t in topics if t.lower() in sections]
            return len(named) == 1

        joined = " ".join(s.text for s in plan.spans)
        if one(joined):
            return joined
        return self._answered_by(plan, asked) or next(
            (said for said in (plan.spans[0].text, nearest.text) if one(said)), "")

    def _answered_by(self, plan: PartPlan, asked: set[str]) -> str:
        """The one new thing the quoted sentence nearest the part names: what the part's
        question did not name itself ("refuses ovarian suppression - what is left?": the
        sentence "... who do not want to have ovarian ablation or ovarian suppression may be
        offered tamoxifen alone", the kind of statement it asks for, answers it with
        tamoxifen), a drug before a treatment."""
        from assistant.compose import content_terms
        from assistant.facets import asked_for, facets_of

        names = frozenset(self.lexicon.drug_names)
        kind = asked_for(plan.standalone, names)
        wanted = facets_of(plan.standalone)
        best = max((u.text for span in plan.spans for u in span.doc.units
                    if span.start <= u.start < span.end),
                   key=lambda s: (len(kind & facets_of(s)),
                                  len(asked & content_terms(s)) + len(wanted & facets_of(s))))
        own = {t.split(" (")[0] for t in self.condenser.topics(plan.standalone)}
        new = [t for t in self.condenser.topics(best)
               if t not in self.condenser.headings and t.split(" (")[0] not in own]
        drugs = [t for t in new if t.split(" (")[0] in names]
        named = new if len(new) == 1 else drugs
        return named[0] if len(named) == 1 else ""

    @staticmethod
    def _asks_of_nothing(plan: PartPlan) -> bool:
        """A part that asks for a kind of statement (another name, the terms it points to, who
        gets it) and names no subject of its own: it asks about the subject of the part
        before."""
        from assistant.facets import asked_for

        return not plan.resolved and bool(asked_for(plan.standalone))

    def _plan_part(self, label: str, text: str, language: str, history: list[ChatTurn],
                   stated: set[str] | None = None, before: str = "",
                   about: str = "") -> PartPlan:
        from assistant.facets import carried

        english = self.translator.to_english(text, language) if language != "en" else text
        standalone = self.condenser.condense(english, history) if english else ""
        if before:
            standalone = f"{before} {standalone}"
        if about:  # the subject of the part before, for a part that names none: in place of
            # its pronoun ("where is it made?"), or else after it
            standalone = _IT.sub(lambda _: about, standalone, count=1) \
                if _IT.search(standalone) else f"{standalone.rstrip(' ?.!')} of {about}?"
        query = self.search.prepare(standalone)
        if stated:  # what an earlier part stated holds for this one too: its passages are
            # weighed by it (a list the part asks for is not narrowed by it)
            query = replace(query, carried=carried(stated, standalone))
        if not query.normalized.strip():
            return PartPlan(label, "not_in_document", standalone=standalone)
        screening = self.rails.screen(standalone, self._known_words)
        screening.emergency, screening.emergencies = None, []  # the whole message was screened
        vector = self.search.embed(query)
        listed = self._facet_list(standalone) if screening.attributes else []
        draft = decide(Decision(text, standalone, language, screening, query,
                                self.search.search(query, vector), self.intents.score(vector),
                                listed),
                       self.lexicon, self.settings.max_quotes)
        answered = draft.kind in ("answer", "personal_advice") and bool(draft.spans)
        if draft.kind != "answer":
            listed = []
        elif not screening.attributes:  # (with attributes it was found before the decision)
            listed = self._facet_list(standalone)
        return PartPlan(label, "answer" if answered else "not_in_document",
                        listed or (list(draft.spans) if answered else []), draft.topic,
                        standalone, advice=draft.kind == "personal_advice",
                        leans=self.condenser.leans(english),
                        subjects=self.condenser.topics(english),
                        named=self.condenser.names_its_subject(english),
                        resolved=self.condenser.topics(standalone), complete=bool(listed))

    def _within(self, listed: PartPlan, plan: PartPlan) -> PartPlan:
        """A part that asks about the list the part before it gave ("which of them ..."):
        answered from the paragraphs of that list, by the passage that shares most of its
        words."""
        from assistant.compose import content_terms

        wanted = content_terms(plan.question) - content_terms(listed.question)
        paragraphs = {(s.doc.id, u.paragraph) for s in listed.spans for u in s.doc.units
                      if s.start <= u.start < s.end}
        best, score = None, 0
        for doc in {s.doc.id: s.doc for s in listed.spans}.values():
            for unit in doc.units:
                if (doc.id, unit.paragraph) in paragraphs:
                    shared = len(wanted & content_terms(unit.text))
                    if shared > score:
                        best, score = Span(doc, unit.start, unit.end, unit.section), shared
        if best is None:
            return plan
        plan.kind, plan.spans, plan.topic = "answer", [best], None
        return plan

    def _facet_list(self, english: str) -> list[Span]:
        """Every passage of a list the question asks for by facets ("every drug for
        HER2-positive cancer"; see ``assistant.facets``), or none."""
        from assistant.compose import QUOTE_BUDGET_CHARS, merge_spans, referred_to
        from assistant.overview import with_list

        for model in self.search.facets.values():
            units = model.select(english)
            if units:  # a list's lead-in comes with its items, "the aromatase inhibitors
                # listed above" with the sentence that lists them
                # (only the items chosen, when some are: "which combinations contain ...";
                # a lead-in and the items right after it are one passage)
                chosen = {u.index for u in units}
                spans: list[Span] = []
                run = False  # the last span is a lead-in and the items right after it
                for u in units:
                    if run and u.kind == "item" and u.index - 1 in chosen:
                        spans[-1] = Span(model.doc, spans[-1].start, u.end, spans[-1].section)
                        continue
                    run = any(i.antecedent == u.index for i in units)
                    if run:
                        spans.append(Span(model.doc, u.start, u.end, u.section))
                    else:
                        spans.append(with_list(model.doc, u))
                return merge_spans(spans + referred_to(spans, QUOTE_BUDGET_CHARS))
            # every place one drug is named: those units, a list item with its lead-in only;
            # the items named by their label ("AC versus EC"), with their lead-in
            units = model.mentions(english, self.lexicon.brand_to_generic) \
                or model.labelled(english)
            if units:
                return merge_spans([Span(model.doc, u.start, u.end, u.section) for u in units])
        return []

    def _verify(self, turn: Turn) -> Answer:
        from assistant.rails.output import finalize

        assert turn.draft is not None
        if turn.screening is not None and turn.draft.asked is None:
            turn.draft.asked = " ".join(turn.screening.cleaned.split())
        return finalize(turn.draft, self._docs, self.lexicon)
