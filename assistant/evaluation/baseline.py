"""The LangChain tutorial recipe, as the yardstick the assistant is measured against.

RecursiveCharacterTextSplitter (1,000 characters, 200 overlap) over each corpus page's text,
an in-memory Chroma collection with the assistant's own embeddings, top-1 similarity; the
answer is that chunk plus a fixed disclaimer. No rails, no condensing: every reply is an
``answer``. It has the Assistant's ``warm_up`` / ``ask`` / ``retrieve`` calls so the runner
treats both alike.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

from assistant.corpus import Document
from assistant.models import Answer, Quote

if TYPE_CHECKING:
    from langchain_core.embeddings import Embeddings

NAME = "naive"
BASELINES = (NAME,)
CHUNK_SIZE = 1000
CHUNK_OVERLAP = 200
DISCLAIMER = "Please talk to your healthcare team."


class NaiveBaseline:
    """Tutorial RAG: fixed-size chunks, top-1 dense similarity, the chunk as the answer."""

    name = NAME

    def __init__(self, documents: Mapping[str, Document], embeddings: Any) -> None:
        if not documents:
            raise ValueError("the baseline needs at least one document")
        self.documents = dict(documents)
        self.embeddings = embeddings
        self._store: Any = None
        self._client: Any = None
        self._collection = f"naive-baseline-{uuid.uuid4().hex[:12]}"

    def warm_up(self) -> None:
        """Split the pages and embed the chunks into a fresh in-memory Chroma collection."""
        if self._store is not None:
            return
        import chromadb
        from chromadb.config import Settings as ChromaSettings
        from langchain_chroma import Chroma
        from langchain_text_splitters import RecursiveCharacterTextSplitter

        splitter = RecursiveCharacterTextSplitter(chunk_size=CHUNK_SIZE,
                                                  chunk_overlap=CHUNK_OVERLAP)
        texts: list[str] = []
        metadatas: list[dict[str, str]] = []
        for doc in self.documents.values():
            for chunk in splitter.split_text(doc.text):
                texts.append(chunk)
                metadatas.append({"source": doc.id})
        self._client = chromadb.EphemeralClient(settings=ChromaSettings(anonymized_telemetry=False))
        self._store = Chroma(client=self._client, collection_name=self._collection,
                             embedding_function=self.embeddings)
        self._store.add_texts(texts, metadatas=metadatas)
        self.chunk_count = len(texts)

    def close(self) -> None:
        """Drop the in-memory collection."""
        if self._client is not None:
            self._client.delete_collection(self._collection)
            self._client, self._store = None, None

    def ask(self, question: str, history: Sequence[Any] | None = None) -> Answer:
        """The top-1 chunk as one quote, then the disclaimer (history is ignored)."""
        self.warm_up()
        hit = self._store.similarity_search(question, k=1)[0]
        doc = self.documents[hit.metadata["source"]]
        start = doc.text.find(hit.page_content)
        end = start + len(hit.page_content) if start >= 0 else -1
        quote = Quote(text=hit.page_content, source=doc.id, title=doc.title,
                      section=_section_at(doc, start) if start >= 0 else "",
                      url=doc.url, start=start, end=end)
        return Answer(kind="answer", text=f"{hit.page_content}\n\n{DISCLAIMER}",
                      quotes=[quote], question=question, standalone_question=question)

    def retrieve(self, question: str, history: Sequence[Any] | None = None,
                 k: int = 5) -> list[str]:
        """Section paths the top-k chunks overlap, best chunk first."""
        self.warm_up()
        sections: list[str] = []
        for hit in self._store.similarity_search(question, k=k):
            doc = self.documents[hit.metadata["source"]]
            start = doc.text.find(hit.page_content)
            if start < 0:
                continue
            for path in _sections_between(doc, start, start + len(hit.page_content)):
                if path not in sections:
                    sections.append(path)
        return sections[:k]


def _section_at(doc: Document, offset: int) -> str:
    for section in doc.sections:
        if section.start <= offset < section.end:
            return section.path
    return doc.title


def _sections_between(doc: Document, start: int, end: int) -> list[str]:
    paths = [s.path for s in doc.sections if s.start < end and start < s.end]
    return paths or [doc.title]


def make_baseline(name: str, documents: Mapping[str, Document],
                  embeddings: Embeddings | None = None) -> NaiveBaseline:
    """A warmed-up baseline by name (``BASELINES``), on ``embeddings`` (default: the
    packaged MiniLM). Raises ValueError for an unknown one."""
    if name not in BASELINES:
        raise ValueError(f"unknown baseline {name!r} (known: {', '.join(BASELINES)})")
    from assistant.embeddings import load_embeddings

    baseline = NaiveBaseline(documents, embeddings or load_embeddings())
    baseline.warm_up()
    return baseline
