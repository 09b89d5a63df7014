"""The corpus is a faithful conversion of the seed page, and every unit's offsets are exact."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from assistant.chunking import chunk_document
from assistant.corpus import load_corpus, load_document
from assistant.errors import CorpusError

from .conftest import CORPUS, PROJECT

SEED = PROJECT.parent / "shared" / "seed" / "stage-4-breast-cancer-treatments.txt"
BOILERPLATE = ("Breast cancer", "You are here:", "Dr Sean McKenna", "Read more",
               "Reducing the burden of cancer", "Icon - hand", "Canadians can help CCS",
               "Learn more", "Find out more about clinical trials.")


@pytest.fixture(scope="module")
def doc():
    return load_corpus(CORPUS)[0]


def _seed_sentences() -> list[str]:
    if not SEED.exists():
        pytest.skip("shared/seed is not beside the project")
    out = []
    for line in SEED.read_text(encoding="utf-8").splitlines():
        line = line.replace("\xa0", " ").strip().lstrip("•").strip()
        if not line or line.startswith(BOILERPLATE):
            continue
        out += [s for s in re.split(r"(?<=[.!?])\s+", line) if s and not s.startswith(BOILERPLATE)]
    return out


def test_front_matter(doc) -> None:
    assert doc.id == "stage-4-breast-cancer-treatments"
    assert doc.title == "Treatments for stage 4 breast cancer"
    assert doc.publisher == "Canadian Cancer Society"
    assert doc.language == "en"
    assert doc.url.startswith("http")


def test_every_seed_sentence_is_in_the_corpus_verbatim(doc) -> None:
    sentences = _seed_sentences()
    assert len(sentences) > 70
    missing = [s for s in sentences if s not in doc.text]
    assert missing == []


def test_boilerplate_is_left_out(doc) -> None:
    for text in ("Sean McKenna", "Reducing the burden", "donating and volunteering", "Icon",
                 "Read more", "Learn more", "You are here"):
        assert text not in doc.text


def test_headings_restored(doc) -> None:
    paths = [s.path for s in doc.sections]
    assert "Chemotherapy" in paths
    for headword in ("menopause", "follicle-stimulating hormone (FSH)", "post-menopause",
                     "premenopause"):
        assert f"Glossary > {headword}" in paths
    chemo = next(s for s in doc.sections if s.path == "Chemotherapy")
    assert doc.text[chemo.start:chemo.end].count("Chemotherapy is given for hormone") == 1


def test_list_items_are_kept_as_list_items(doc) -> None:
    items = [u for u in doc.units if u.kind == "item"]
    assert len(items) == 22
    assert {doc.units[u.antecedent].text for u in items if u.antecedent is not None} == {
        "The following single drugs may be used:",
        "The following combinations of chemotherapy drugs may be used for stage 4 breast cancer:",
        "It is taken as pill daily and may be given:"}


def test_typographic_characters_survive(doc) -> None:
    assert "receptor–positive" in doc.text and "isn’t" in doc.text and "can’t" in doc.text
    assert "letrozole (Femera)" in doc.text


def test_unit_and_chunk_offsets_are_exact(doc) -> None:
    for unit in doc.units:
        assert doc.text[unit.start:unit.end] == unit.text
    chunks = chunk_document(doc)
    for chunk in chunks:
        assert doc.text[chunk.start:chunk.end] == chunk.text
        assert {doc.units[i].section for i in chunk.units} == {chunk.section}


def test_sentences_lean_on_their_antecedent(doc) -> None:
    leaning = next(u for u in doc.units if u.text == "It is usually added to chemotherapy.")
    assert doc.units[leaning.antecedent].text.startswith("Trastuzumab (Herceptin)")


def test_loader_reads_txt_and_md_dropped_in(tmp_path: Path) -> None:
    (tmp_path / "a.md").write_text((CORPUS / "stage-4-breast-cancer-treatments.md").read_text())
    (tmp_path / "extra.txt").write_text("Extra page\n\nA sentence here. Another one.\n")
    docs = load_corpus(tmp_path)
    assert [d.id for d in docs] == ["stage-4-breast-cancer-treatments", "extra"]
    assert docs[1].title == "Extra page"


@pytest.mark.parametrize("content", [b"\xff\xfe\x00binary", b"---\nid: [unclosed\n---\ntext\n"])
def test_unreadable_corpus_file_is_a_clear_error(tmp_path: Path, content: bytes) -> None:
    bad = tmp_path / "bad.md"
    bad.write_bytes(content)
    with pytest.raises(CorpusError, match="bad.md"):
        load_document(bad)


def test_empty_corpus_folder_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(CorpusError, match="No .md or .txt"):
        load_corpus(tmp_path)
