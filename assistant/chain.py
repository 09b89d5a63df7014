"""The Runnable wiring (screen | retrieve | compose | verify) and the public ``Assistant``."""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from langchain_core.runnables import Runnable, RunnableLambda

from assistant.compose import Draft
from assistant.corpus import Document, load_corpus
from assistant.models import Answer, ChatTurn
from assistant.policy import Decision, decide
from assistant.rails.input import Screening, validate_question
from assistant.rails.intents import IntentScores
from assistant.retrieval import Query, ScoredUnit
from assistant.settings import Settings, load_settings


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
        from assistant.rails.language import detect_language

        question = validate_question(inputs.get("question"), self.settings.max_question_chars)
        self.warm_up()
        history = [t if isinstance(t, ChatTurn) else ChatTurn.model_validate(t)
                   for t in inputs.get("history") or []]
        turn = Turn(question=question, history=history)
        turn.screening = self.rails.screen(question, self._known_words)
        turn.language = detect_language(turn.screening.cleaned or question)
        cleaned = turn.screening.cleaned
        if turn.language != "en":
            cleaned = self.translator.to_english(cleaned, turn.language)
        turn.standalone = self.condenser.condense(cleaned, history) if cleaned else ""
        turn.condensed = turn.standalone != cleaned
        if turn.condensed and turn.screening.emergency is None:
            # the borrowed topic may change what is asked (e.g. "is that covered?")
            turn.screening = self.rails.screen(turn.standalone, self._known_words)
        return turn

    def _retrieve(self, turn: Turn) -> Turn:
        if turn.screening and turn.screening.emergency is None and turn.standalone.strip():
            turn.query = self.search.prepare(turn.standalone)
            if turn.query.normalized.strip():
                vector = self.search.embed(turn.query)
                turn.intents = self.intents.score(vector)
                turn.hits = self.search.search(turn.query, vector)
        return turn

    def _compose(self, turn: Turn) -> Turn:
        assert turn.screening is not None
        standalone = turn.standalone if turn.condensed else turn.question
        turn.draft = decide(Decision(turn.question, standalone,
                                     turn.language, turn.screening, turn.query, turn.hits,
                                     turn.intents),
                            self.lexicon, self.settings.max_quotes)
        if self.framer is not None and turn.draft.kind == "answer" and turn.draft.spans \
                and turn.language == "en":
            turn.draft.framing = self.framer.frame(turn.draft)
        return turn

    def _verify(self, turn: Turn) -> Answer:
        from assistant.rails.output import finalize

        assert turn.draft is not None
        return finalize(turn.draft, self._docs, self.lexicon)
