"""Section-aware chunks: paragraphs grouped inside one section, a list kept with its lead-in."""

from __future__ import annotations

from dataclasses import dataclass

from assistant.corpus import Document, Unit

CHUNKING_VERSION = "3"
MAX_CHUNK_CHARS = 700


@dataclass(frozen=True)
class Chunk:
    """A passage of one section, with its units and offsets in the document text."""

    id: str
    doc_id: str
    title: str
    url: str
    section: str
    start: int
    end: int
    text: str
    units: tuple[int, ...]


def chunk_document(doc: Document) -> list[Chunk]:
    """Group the units of ``doc`` into chunks; a chunk never crosses a section boundary."""
    chunks: list[Chunk] = []
    groups: list[list[Unit]] = []
    for paragraph in _paragraphs(doc.units):
        current = groups[-1] if groups else None
        same_section = current is not None and current[0].section == paragraph[0].section
        size = (paragraph[-1].end - current[0].start) if current else 0
        continues_list = current is not None and paragraph[0].kind == "item"
        if same_section and (continues_list or size <= MAX_CHUNK_CHARS):
            current.extend(paragraph)  # type: ignore[union-attr]
        else:
            groups.append(list(paragraph))
    for n, group in enumerate(groups):
        start, end = group[0].start, group[-1].end
        chunks.append(Chunk(f"{doc.id}#c{n}", doc.id, doc.title, doc.url, group[0].section,
                            start, end, doc.text[start:end], tuple(u.index for u in group)))
    return chunks


def _paragraphs(units: list[Unit]) -> list[list[Unit]]:
    out: list[list[Unit]] = []
    for unit in units:
        if out and out[-1][-1].paragraph == unit.paragraph and out[-1][-1].section == unit.section:
            out[-1].append(unit)
        else:
            out.append([unit])
    return out
