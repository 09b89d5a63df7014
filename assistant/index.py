"""Chroma store of chunks and units, its manifest, and the atomic rebuild.

Embedded mode keeps one Chroma ``PersistentClient`` directory per build under ``index_dir``
and a ``current`` pointer file that is swapped only once a build is complete. Server mode
(``chroma_url``) names collections by the build key and renames them into place when done.
"""

from __future__ import annotations

import json
import logging
import os
import shutil
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

import numpy as np
from langchain_core.embeddings import Embeddings

from assistant.bulkhead import MISSING, UNREACHABLE, Bulkhead, Outages, as_outage
from assistant.chunking import CHUNKING_VERSION, Chunk, chunk_document
from assistant.corpus import Document, Unit, corpus_hash, load_corpus
from assistant.embeddings import MODEL_NAME, set_offline_env
from assistant.errors import IndexError_, IndexUnavailableError
from assistant.settings import Settings

log = logging.getLogger(__name__)
POINTER = "current"
MANIFEST = "manifest.json"


@dataclass(frozen=True)
class Manifest:
    """What a build was made from; a mismatch with the corpus or code means a rebuild."""

    corpus_hash: str
    model: str
    chunking_version: str
    chunks: int
    units: int

    @property
    def key(self) -> str:
        return f"{self.corpus_hash}-{self.chunking_version}"


def unit_context(doc: Document, unit: Unit) -> str:
    """The text embedded and BM25-indexed for a unit: its heading and what it leans on."""
    heading = unit.section.split(" > ")[-1]
    parts = [heading + ":"]
    seen = set()
    lead = unit.antecedent
    chain: list[str] = []
    while lead is not None and lead not in seen:
        seen.add(lead)
        chain.insert(0, doc.units[lead].text)
        lead = doc.units[lead].antecedent
    parts.extend(chain)
    parts.append(unit.text)
    return " ".join(parts)


@dataclass(frozen=True)
class StoredVectors:
    """The vectors of one collection of the embedded store, held in memory for exact search.

    Every question scores every unit, so asking Chroma for all of them (documents and metadata
    included) cost more than the rest of the answer once the corpus grows; a matrix product over
    the same vectors gives the same order (checked on all 228 questions of evals/questions.jsonl:
    the same order, similarities within 6e-7, byte-identical answers).
    """

    keys: list[tuple[Any, ...]]
    matrix: np.ndarray  # one unit-length float32 row per key, as Chroma's cosine space keeps it

    @classmethod
    def load(cls, collection: Any, batch: int, key: Callable[[dict[str, Any]], tuple[Any, ...]]
             ) -> StoredVectors:
        keys: list[tuple[Any, ...]] = []
        rows: list[np.ndarray] = []
        for offset in range(0, collection.count(), batch):
            got = collection.get(include=["embeddings", "metadatas"], limit=batch,
                                 offset=offset)
            keys.extend(key(m) for m in got["metadatas"])
            rows.append(np.asarray(got["embeddings"], dtype=np.float32))
        matrix = np.concatenate(rows) if rows else np.zeros((0, 1), dtype=np.float32)
        return cls(keys, _unit_length(matrix))

    def nearest(self, vector: list[float], k: int) -> list[tuple[Any, ...]]:
        """The keys of the ``k`` nearest rows, nearest first, each with its cosine similarity
        (computed as Chroma does: a float32 distance ``1 - dot``)."""
        query = _unit_length(np.asarray(vector, dtype=np.float32)[None, :])[0]
        distances = np.float32(1) - self.matrix @ query
        if k < len(distances):
            order = np.argpartition(distances, k)[:k]
            order = order[np.argsort(distances[order], kind="stable")]
        else:
            order = np.argsort(distances, kind="stable")
        return [(*self.keys[i], 1.0 - float(distances[i])) for i in order]


def _unit_length(rows: np.ndarray) -> np.ndarray:
    norms = np.sqrt((rows * rows).sum(axis=1, keepdims=True)) + np.float32(1e-30)
    return (rows / norms).astype(np.float32)


class VectorIndex:
    """Dense search over the chunks and units of the corpus, stored in Chroma.

    Searches go through a bulkhead (``chroma_max_calls`` at once, ``chroma_wait_s`` to get a
    slot) and, with a Chroma server, an HTTP timeout of ``chroma_timeout_s``; an outage raises
    IndexUnavailableError and the next search tries again. A collection replaced on the server
    (say by ``assistant index --rebuild``) is looked up again by name.

    The embedded store's vectors are read into memory when it is opened (``StoredVectors``) and
    searched there; with a Chroma server every search asks the server, so that the replicas
    share it and an outage shows.
    """

    def __init__(self, settings: Settings, embeddings: Embeddings,
                 on_status: Callable[[str], None] | None = None) -> None:
        self.settings = settings
        self.embeddings = embeddings
        self._status = on_status or (lambda message: log.info(message))
        self._chunks_store: Any = None
        self._units_store: Any = None
        self._client: Any = None
        self.manifest: Manifest | None = None
        self.bulkhead = Bulkhead(settings.chroma_max_calls, settings.chroma_wait_s)
        self.outages = Outages()
        self._reattach_lock = threading.Lock()
        self._in_memory: tuple[StoredVectors, StoredVectors] | None = None  # units, chunks

    # -- opening -----------------------------------------------------------------------
    def expected_manifest(self, docs: list[Document]) -> Manifest:
        chunks = sum(len(chunk_document(d)) for d in docs)
        units = sum(len(d.units) for d in docs)
        return Manifest(corpus_hash(self.settings.corpus_dir), MODEL_NAME, CHUNKING_VERSION,
                        chunks, units)

    def open(self, docs: list[Document], rebuild: bool = False) -> Manifest:
        """Open the index for ``docs``, building it when missing, stale, corrupt or asked."""
        expected = self.expected_manifest(docs)
        if self.settings.chroma_url:
            try:
                return self._open_server(docs, expected, rebuild)
            except Exception as exc:
                outage = as_outage(exc, self._where())
                if outage is None:
                    raise
                raise outage from None
        return self._open_embedded(docs, expected, rebuild)

    def _open_embedded(self, docs: list[Document], expected: Manifest, rebuild: bool) -> Manifest:
        root = self.settings.index_dir
        current = read_pointer(root)
        if current is not None and not rebuild:
            found = read_manifest(root / current)
            if found == expected:
                try:
                    self._attach(self._persistent_client(root / current), expected)
                    self.manifest = expected
                    return expected
                except Exception as exc:  # noqa: BLE001 - any failure to open means rebuild
                    self._status(f"The index in {root / current} is unreadable ({exc}); "
                                 "rebuilding it.")
            elif found is None:
                self._status(f"The index in {root / current} has no valid manifest; rebuilding.")
            else:
                self._status("The corpus or the model changed since the index was built; "
                             "rebuilding it.")
        elif current is None:
            self._status(f"No index in {root}; building it (a few seconds).")
        build_dir = self.build_embedded(docs, expected)
        self._attach(self._persistent_client(build_dir), expected)
        self.manifest = expected
        return expected

    def build_embedded(self, docs: list[Document], expected: Manifest) -> Path:
        """Build into a new directory, then swap the pointer; the old build keeps serving
        until the swap, and an interrupted build leaves only an unused directory behind."""
        root = self.settings.index_dir
        try:
            root.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise IndexError_(f"Cannot create the index folder {root}: {exc}") from None
        build_dir = root / f"build-{expected.key}-{uuid.uuid4().hex[:8]}"
        started = time.perf_counter()
        client = self._persistent_client(build_dir)
        self._fill(client, docs, "", expected.key)
        (build_dir / MANIFEST).write_text(json.dumps(expected.__dict__, indent=2))
        write_pointer(root, build_dir.name)
        self._status(f"Index built in {time.perf_counter() - started:.1f} s: {build_dir}")
        for old in root.glob("build-*"):
            if old.name != build_dir.name and old.is_dir():
                shutil.rmtree(old, ignore_errors=True)
        return build_dir

    def _open_server(self, docs: list[Document], expected: Manifest, rebuild: bool) -> Manifest:
        client = self._http_client()
        names = {c if isinstance(c, str) else c.name for c in client.list_collections()}
        final = self._names(expected.key)
        if rebuild or not all(n in names for n in final):
            self._status(f"Building the index in the Chroma server {self.settings.chroma_url}.")
            temp = f"tmp{uuid.uuid4().hex[:8]}-"
            self._fill(client, docs, temp, expected.key)
            for name in final:
                if name in names:
                    client.delete_collection(name)
                client.get_collection(temp + name).modify(name=name)
        self._attach(client, expected)
        self.manifest = expected
        return expected

    # -- Chroma plumbing ---------------------------------------------------------------
    def _names(self, key: str) -> tuple[str, str]:
        prefix = self.settings.collection_prefix
        if self.settings.chroma_url:
            return f"{prefix}-{key}-chunks", f"{prefix}-{key}-units"
        return f"{prefix}-chunks", f"{prefix}-units"

    def _persistent_client(self, path: Path) -> Any:
        set_offline_env()
        import chromadb
        from chromadb.config import Settings as ChromaSettings

        return chromadb.PersistentClient(path=str(path),
                                         settings=ChromaSettings(anonymized_telemetry=False))

    def _where(self) -> str:
        return self.settings.chroma_url or str(self.settings.index_dir)

    def _http_client(self) -> Any:
        set_offline_env()
        import chromadb
        import httpx
        from chromadb.config import Settings as ChromaSettings

        url = urlparse(self.settings.chroma_url or "")
        timeout = httpx.Timeout(self.settings.chroma_timeout_s)
        base = (self.settings.chroma_url or "").rstrip("/")
        try:
            # chromadb's client sets no timeout and its constructor already calls the server:
            # look first, with a timeout, so a frozen server cannot hold the start-up forever
            httpx.get(f"{base}/api/v2/heartbeat", timeout=timeout).raise_for_status()
            client = chromadb.HttpClient(host=url.hostname or "localhost", port=url.port or 8000,
                                         ssl=url.scheme == "https",
                                         settings=ChromaSettings(anonymized_telemetry=False))
        except Exception as exc:  # noqa: BLE001 - report any connection failure plainly
            raise IndexUnavailableError(UNREACHABLE, f"Cannot reach the Chroma server at "
                                        f"{self.settings.chroma_url}: {exc}") from None
        session = getattr(getattr(client, "_server", None), "_session", None)
        if isinstance(session, httpx.Client):  # every later call: abandoned after the timeout
            session.timeout = timeout
        return client

    def _store(self, client: Any, name: str, create: bool = True) -> Any:
        from langchain_chroma import Chroma

        return Chroma(client=client, collection_name=name, embedding_function=self.embeddings,
                      collection_metadata={"hnsw:space": "cosine"},
                      create_collection_if_not_exists=create)

    def _fill(self, client: Any, docs: list[Document], name_prefix: str, key: str) -> None:
        chunk_name, unit_name = (name_prefix + n for n in self._names(key))
        chunks: list[Chunk] = [c for d in docs for c in chunk_document(d)]
        self._add(client, chunk_name,
                  texts=[f"{c.section.split(' > ')[-1]}: {c.text}" for c in chunks],
                  metadatas=[{"doc_id": c.doc_id, "section": c.section, "start": c.start,
                              "end": c.end} for c in chunks],
                  ids=[c.id for c in chunks])
        self._add(client, unit_name,
                  texts=[unit_context(d, u) for d in docs for u in d.units],
                  metadatas=[{"doc_id": d.id, "unit": u.index, "section": u.section,
                              "start": u.start, "end": u.end} for d in docs for u in d.units],
                  ids=[f"{d.id}#u{u.index}" for d in docs for u in d.units])

    def _add(self, client: Any, name: str, texts: list[str], metadatas: list[dict[str, Any]],
             ids: list[str]) -> None:
        """Add in batches of the client's largest batch (5,461 embedded in chromadb 1.5):
        Chroma refuses a bigger single call, and langchain-chroma's add_texts does not split."""
        store = self._store(client, name)
        size = client.get_max_batch_size()
        for start in range(0, len(ids), size):
            end = start + size
            store.add_texts(texts=texts[start:end], metadatas=metadatas[start:end],
                            ids=ids[start:end])

    def _attach(self, client: Any, expected: Manifest) -> None:
        chunk_name, unit_name = self._names(expected.key)
        existing = {c if isinstance(c, str) else c.name for c in client.list_collections()}
        if chunk_name not in existing or unit_name not in existing:
            raise IndexUnavailableError(MISSING, f"index collections {chunk_name}, {unit_name} "
                                        f"are missing in {self._where()}")
        # never create here: a collection that vanished since the listing is being rebuilt
        chunks_store = self._store(client, chunk_name, create=False)
        units_store = self._store(client, unit_name, create=False)
        counts = (chunks_store._collection.count(), units_store._collection.count())
        if counts != (expected.chunks, expected.units):
            raise IndexUnavailableError(MISSING, f"index holds {counts}, expected "
                                        f"{(expected.chunks, expected.units)}")
        if not self.settings.chroma_url:
            batch = client.get_max_batch_size()
            self._in_memory = (
                StoredVectors.load(units_store._collection, batch,
                                   lambda m: (m["doc_id"], int(m["unit"]))),
                StoredVectors.load(chunks_store._collection, batch,
                                   lambda m: (m["doc_id"], int(m["start"]), int(m["end"]))))
        self._client = client
        self._chunks_store, self._units_store = chunks_store, units_store

    def _reattach(self) -> None:
        """Look the collections up again by name (they were replaced or the server restarted).

        Raises:
            IndexUnavailableError: they are missing or incomplete (being rebuilt).
        """
        assert self.manifest is not None
        with self._reattach_lock:
            if self.settings.chroma_url:
                client = self._client if self._client is not None else self._http_client()
            else:  # a rebuild by another process may have moved the pointer
                current = read_pointer(self.settings.index_dir)
                if current is None:
                    raise IndexUnavailableError(MISSING, f"no index in {self._where()}")
                client = self._persistent_client(self.settings.index_dir / current)
            self._attach(client, self.manifest)
            log.info("Chroma collections looked up again in %s", self._where())

    def _guarded(self, search: Callable[[], Any]) -> Any:
        """Run one search under the bulkhead; an outage becomes IndexUnavailableError, and a
        collection that is gone is looked up again once."""
        try:
            with self.bulkhead.slot():
                try:
                    return search()
                except Exception as exc:
                    from chromadb.errors import NotFoundError

                    if not isinstance(exc, NotFoundError):
                        raise
                self._reattach()
                return search()
        except Exception as exc:
            outage = as_outage(exc, self._where())
            if outage is None:
                raise
            self.outages.record()
            raise outage from None

    # -- search ------------------------------------------------------------------------
    def search_units(self, vector: list[float], k: int) -> list[tuple[str, int, float]]:
        """(doc_id, unit index, cosine similarity) of the ``k`` nearest units."""
        if self._in_memory is not None:
            return self._in_memory[0].nearest(vector, k)  # type: ignore[return-value]
        # langchain-chroma returns the cosine *distance* here, nearest first.
        hits = self._guarded(lambda: self._units_store
                             .similarity_search_by_vector_with_relevance_scores(vector, k=k))
        return [(d.metadata["doc_id"], int(d.metadata["unit"]), 1.0 - float(s)) for d, s in hits]

    def search_chunks(self, vector: list[float], k: int) -> list[tuple[str, int, int, float]]:
        """(doc_id, start, end, similarity) of the ``k`` nearest chunks."""
        if self._in_memory is not None:
            return self._in_memory[1].nearest(vector, k)  # type: ignore[return-value]
        hits = self._guarded(lambda: self._chunks_store
                             .similarity_search_by_vector_with_relevance_scores(vector, k=k))
        return [(d.metadata["doc_id"], int(d.metadata["start"]), int(d.metadata["end"]),
                 1.0 - float(s)) for d, s in hits]


def read_pointer(root: Path) -> str | None:
    try:
        name = (root / POINTER).read_text().strip()
    except OSError:
        return None
    return name if name and (root / name).is_dir() else None


def write_pointer(root: Path, name: str) -> None:
    tmp = root / f"{POINTER}.{uuid.uuid4().hex[:6]}.tmp"
    tmp.write_text(name)
    os.replace(tmp, root / POINTER)


def read_manifest(build_dir: Path) -> Manifest | None:
    try:
        return Manifest(**json.loads((build_dir / MANIFEST).read_text()))
    except (OSError, ValueError, TypeError):
        return None


def build_index(settings: Settings, embeddings: Embeddings, rebuild: bool = True,
                on_status: Callable[[str], None] | None = None) -> Manifest:
    """Build (or rebuild) the index for the corpus in ``settings``; used by ``assistant index``."""
    docs = load_corpus(settings.corpus_dir)
    return VectorIndex(settings, embeddings, on_status).open(docs, rebuild=rebuild)
