"""Read corpus/ files into Documents with sections, quotable units (sentences, list items) and
character offsets into the document text."""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Literal

import yaml

from assistant.errors import CorpusError

CORPUS_SUFFIXES = (".md", ".txt")
_FRONT_MATTER = re.compile(r"\A---\n(.*?)\n---\n", re.DOTALL)
_HEADING = re.compile(r"^(#{1,6})\s+(.+?)\s*$")
_ITEM = re.compile(r"^(?:[-*•])\s+")
# A sentence ends at . ! ? followed by space and a capital, digit or opening mark.
_SENTENCE_END = re.compile(r"(?<=[.!?])\s+(?=[A-Z0-9(“\"])")
# A sentence that leans on the one before it (pronoun or reference in its first words).
_LEANS_BACK = re.compile(
    r"^(?:\W*\w+\W+){0,3}?(it|its|they|them|their|this|these|those|that|also|when given alone)\b",
    re.IGNORECASE,
)


@dataclass(frozen=True)
class Unit:
    """A quotable span: a sentence of a paragraph, or a list item."""

    index: int
    kind: Literal["sentence", "item"]
    text: str
    start: int
    end: int
    section: str
    paragraph: int
    antecedent: int | None = None  # unit this one leans on (previous sentence or list lead-in)

    @cached_property
    def folded(self) -> str:
        """The text folded for matching (lower case, no accents), worked out once."""
        from assistant.lexicon import fold  # the lexicon module imports this one

        return fold(self.text)


@dataclass(frozen=True)
class Section:
    """A heading and the text under it, up to the next heading."""

    path: str
    heading: str
    level: int
    start: int
    end: int


@dataclass(eq=False)
class Document:
    """One corpus page. ``text`` is what quote offsets refer to."""

    id: str
    title: str
    publisher: str
    url: str
    language: str
    text: str
    path: Path
    sections: list[Section] = field(default_factory=list)
    units: list[Unit] = field(default_factory=list)

    def span(self, start: int, end: int) -> str:
        """The exact document text between two offsets."""
        return self.text[start:end]


def load_corpus(corpus_dir: Path) -> list[Document]:
    """Read every .md and .txt file of ``corpus_dir`` (sorted by name).

    Raises:
        CorpusError: the folder is missing or empty, or a file cannot be read or parsed.
    """
    if not corpus_dir.is_dir():
        raise CorpusError(f"Corpus folder not found: {corpus_dir}")
    files = sorted(p for p in corpus_dir.iterdir() if p.suffix in CORPUS_SUFFIXES and p.is_file())
    files = [p for p in files if p.name.lower() != "readme.md"]
    if not files:
        raise CorpusError(f"No .md or .txt files in corpus folder {corpus_dir}")
    docs = [load_document(p) for p in files]
    ids = [d.id for d in docs]
    if len(set(ids)) != len(ids):
        raise CorpusError(f"Duplicate document ids in {corpus_dir}: {ids}")
    return docs


def corpus_hash(corpus_dir: Path) -> str:
    """A hash of the names and bytes of the corpus files (the index manifest keeps it)."""
    digest = hashlib.sha256()
    for p in sorted(corpus_dir.iterdir()):
        if p.suffix in CORPUS_SUFFIXES and p.is_file() and p.name.lower() != "readme.md":
            digest.update(p.name.encode())
            digest.update(p.read_bytes())
    return digest.hexdigest()[:16]


def load_document(path: Path) -> Document:
    """Parse one corpus file. Raises CorpusError naming the file."""
    try:
        raw = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise CorpusError(f"Cannot read corpus file {path}: {exc}") from None
    raw = raw.replace("\r\n", "\n")
    meta: dict[str, object] = {}
    match = _FRONT_MATTER.match(raw)
    if match:
        try:
            loaded = yaml.safe_load(match.group(1)) or {}
        except yaml.YAMLError as exc:
            raise CorpusError(f"Malformed front matter in {path}: {exc}") from None
        if not isinstance(loaded, dict):
            raise CorpusError(f"Front matter of {path} is not a mapping")
        meta = loaded
        raw = raw[match.end() :]
    text = raw.lstrip("\n")
    if not text.strip():
        raise CorpusError(f"Corpus file {path} has no text")
    first_line = text.strip().splitlines()[0].lstrip("# ").strip()
    doc = Document(
        id=str(meta.get("id") or path.stem),
        title=str(meta.get("title") or first_line),
        publisher=str(meta.get("publisher") or ""),
        url=str(meta.get("url") or ""),
        language=str(meta.get("language") or "en"),
        text=text,
        path=path,
    )
    _parse_structure(doc)
    return doc


def _parse_structure(doc: Document) -> None:
    """Fill ``doc.sections`` and ``doc.units`` from the Markdown structure of ``doc.text``."""
    trail: list[tuple[int, str]] = []  # (level, heading) of open headings, H1 excluded
    section_path = doc.title
    offset = 0
    paragraph = -1
    last_sentence_of_paragraph: int | None = None
    list_lead: int | None = None
    in_list = False
    open_section: tuple[str, str, int, int] | None = None  # path, heading, level, start

    for line in doc.text.split("\n"):
        line_start, line_end = offset, offset + len(line)
        offset = line_end + 1
        stripped = line.strip()
        if not stripped:
            if in_list:
                in_list = False
                list_lead = None
            continue
        heading = _HEADING.match(line)
        if heading:
            level, name = len(heading.group(1)), heading.group(2)
            if open_section:
                doc.sections.append(Section(open_section[0], open_section[1], open_section[2],
                                            open_section[3], line_start))
            if level > 1:
                trail = [(lv, h) for lv, h in trail if lv < level] + [(level, name)]
                section_path = " > ".join(h for _, h in trail)
            open_section = (section_path, name, level, line_start)
            last_sentence_of_paragraph, list_lead, in_list = None, None, False
            continue
        item = _ITEM.match(line)
        if item:
            paragraph += 0 if in_list else 1
            in_list = True
            start = line_start + item.end()
            doc.units.append(Unit(len(doc.units), "item", line[item.end():].rstrip(), start,
                                  line_start + len(line.rstrip()), section_path, paragraph,
                                  list_lead))
            continue
        paragraph += 1
        in_list = False
        previous: int | None = None
        for sentence, s_start, s_end in _split_sentences(line, line_start):
            antecedent = previous if previous is not None and _LEANS_BACK.match(sentence) else None
            doc.units.append(Unit(len(doc.units), "sentence", sentence, s_start, s_end,
                                  section_path, paragraph, antecedent))
            previous = len(doc.units) - 1
        last_sentence_of_paragraph = previous
        list_lead = last_sentence_of_paragraph if line.rstrip().endswith(":") else None
    if open_section:
        doc.sections.append(Section(open_section[0], open_section[1], open_section[2],
                                    open_section[3], len(doc.text)))


def _split_sentences(line: str, line_start: int) -> list[tuple[str, int, int]]:
    """Split a paragraph line into sentences with absolute offsets (whitespace excluded)."""
    out: list[tuple[str, int, int]] = []
    pos = 0
    body = line.rstrip()
    for match in _SENTENCE_END.finditer(body):
        out.append((body[pos:match.start()], line_start + pos, line_start + match.start()))
        pos = match.end()
    leading = len(body[pos:]) - len(body[pos:].lstrip())
    pos += leading
    out.append((body[pos:], line_start + pos, line_start + len(body)))
    return [(s, a, b) for s, a, b in out if s]
