"""The index: built with our embeddings, rebuilt when stale or corrupt, and an interrupted
rebuild leaves the old index serving."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from langchain_core.embeddings import Embeddings

from assistant.corpus import load_corpus
from assistant.embeddings import load_embeddings
from assistant.index import MANIFEST, VectorIndex, read_pointer
from assistant.settings import load_settings

from .conftest import CORPUS


class FailingEmbeddings(Embeddings):
    """Real embeddings that fail part-way through a build, like a crash or a full disk."""

    def __init__(self, real: Embeddings, fail_after: int) -> None:
        self.real, self.calls, self.fail_after = real, 0, fail_after

    def embed_documents(self, texts: list[str]) -> list[list[float]]:
        self.calls += 1
        if self.calls > self.fail_after:
            raise OSError("simulated crash during the build")
        return self.real.embed_documents(texts)

    def embed_query(self, text: str) -> list[float]:
        return self.real.embed_query(text)


@pytest.fixture()
def corpus_copy(tmp_path: Path) -> Path:
    folder = tmp_path / "corpus"
    shutil.copytree(CORPUS, folder)
    return folder


def _open(corpus: Path, index: Path, embeddings: Embeddings | None = None,
          messages: list[str] | None = None) -> VectorIndex:
    settings = load_settings(corpus_dir=corpus, index_dir=index)
    vi = VectorIndex(settings, embeddings or load_embeddings(),
                     on_status=(messages.append if messages is not None else None))
    vi.open(load_corpus(corpus))
    return vi


def _nearest_section(vi: VectorIndex, question: str) -> str:
    vector = vi.embeddings.embed_query(question)
    doc_id, unit, _ = vi.search_units(vector, k=1)[0]
    return load_corpus(vi.settings.corpus_dir)[0].units[unit].section


def test_build_then_reuse(corpus_copy: Path, tmp_path: Path) -> None:
    messages: list[str] = []
    vi = _open(corpus_copy, tmp_path / "index", messages=messages)
    first = read_pointer(tmp_path / "index")
    assert first and (tmp_path / "index" / first / MANIFEST).exists()
    assert vi.manifest and vi.manifest.units == 83
    assert _nearest_section(vi, "What is Olaparib (Lynparza) used for?") == "Targeted therapy"
    again: list[str] = []
    _open(corpus_copy, tmp_path / "index", messages=again)
    assert read_pointer(tmp_path / "index") == first and not any("build" in m for m in again)


def test_stale_index_is_rebuilt(corpus_copy: Path, tmp_path: Path) -> None:
    _open(corpus_copy, tmp_path / "index")
    first = read_pointer(tmp_path / "index")
    (corpus_copy / "extra.md").write_text("---\nid: extra\ntitle: Extra\n---\n\n"
                                          "## Exercise\n\nWalking helps some people.\n")
    messages: list[str] = []
    vi = _open(corpus_copy, tmp_path / "index", messages=messages)
    assert read_pointer(tmp_path / "index") != first
    assert any("changed" in m for m in messages)
    assert vi.manifest and vi.manifest.units == 84


def test_interrupted_rebuild_leaves_the_old_index_serving(corpus_copy: Path,
                                                          tmp_path: Path) -> None:
    _open(corpus_copy, tmp_path / "index")
    before = read_pointer(tmp_path / "index")
    settings = load_settings(corpus_dir=corpus_copy, index_dir=tmp_path / "index")
    broken = VectorIndex(settings, FailingEmbeddings(load_embeddings(), fail_after=1))
    with pytest.raises(OSError, match="simulated crash"):
        broken.open(load_corpus(corpus_copy), rebuild=True)
    assert read_pointer(tmp_path / "index") == before
    vi = _open(corpus_copy, tmp_path / "index")
    assert _nearest_section(vi, "What is Olaparib (Lynparza) used for?") == "Targeted therapy"


def test_corrupt_index_is_rebuilt_with_a_message(corpus_copy: Path, tmp_path: Path) -> None:
    _open(corpus_copy, tmp_path / "index")
    current = tmp_path / "index" / read_pointer(tmp_path / "index")  # type: ignore[operator]
    (current / MANIFEST).write_text("{not json")
    messages: list[str] = []
    vi = _open(corpus_copy, tmp_path / "index", messages=messages)
    assert any("manifest" in m for m in messages)
    assert vi.manifest and vi.manifest.units == 83


class HashedWords(Embeddings):
    """A deterministic stand-in for MiniLM: each word adds to one of 384 hashed dimensions, so
    texts that share words are near (lets a test index thousands of units in seconds)."""

    def embed_documents(self, texts: list[str]) -> list[list[float]]:
        return [self.embed_query(t) for t in texts]

    def embed_query(self, text: str) -> list[float]:
        import hashlib

        vector = [0.0] * 384
        for word in text.lower().split():
            vector[int(hashlib.md5(word.encode()).hexdigest()[:6], 16) % 384] += 1.0
        norm = sum(v * v for v in vector) ** 0.5 or 1.0
        return [v / norm for v in vector]


def test_an_index_bigger_than_one_chroma_batch_is_built(tmp_path: Path) -> None:
    import chromadb

    from assistant.index import build_index

    limit = chromadb.EphemeralClient().get_max_batch_size()
    page = next(CORPUS.glob("*.md")).read_text(encoding="utf-8")
    units = len(load_corpus(CORPUS)[0].units)
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    copies = limit // units + 1  # one more page than fits in one call to Chroma
    for n in range(copies):
        (corpus / f"copy-{n:03d}.md").write_text(
            page.replace("id: stage-4-breast-cancer-treatments", f"id: copy-{n:03d}"),
            encoding="utf-8")
    settings = load_settings(corpus_dir=corpus, index_dir=tmp_path / "index")
    manifest = build_index(settings, HashedWords(), rebuild=True)
    assert manifest.units == copies * units > limit
    vi = VectorIndex(settings, HashedWords())
    vi.open(load_corpus(corpus))  # reopened: the stored counts match the manifest
    # (identical copies make HNSW's approximate neighbours arbitrary among them)
    doc_id, unit, _ = vi.search_units(HashedWords().embed_query(
        "Olaparib (Lynparza) is a type of targeted therapy"), k=5)[0]
    assert load_corpus(corpus)[0].units[unit].section == "Targeted therapy"
