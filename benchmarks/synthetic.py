"""Synthetic corpus pages for the corpus-growth benchmark: deterministic variations of a real
page (its sections reordered, some dropped, words substituted), never quoted to anyone.

Each variation is seeded by its number, so a corpus of N pages is the same on every run and
machine: ``make_corpus(real_dir, target, pages=100)`` copies the real pages and adds
``zz-synthetic-0001.md`` ... after them (sorted last, so the real page stays the first
document).
"""

from __future__ import annotations

import random
import re
import shutil
from pathlib import Path

SEED = "bench-corpus-v1"
PREFIX = "zz-synthetic-"
# pairs of words swapped both ways: the text stays English and keeps the page's vocabulary
SWAPS = (
    ("given", "offered"), ("may", "might"), ("women", "people"), ("drug", "medicine"),
    ("drugs", "medicines"), ("liver", "lungs"), ("bones", "skin"), ("usually", "often"),
    ("spread", "moved"), ("symptoms", "problems"), ("used", "chosen"), ("stops", "ends"),
    ("treat", "manage"), ("advanced", "later-stage"), ("healthcare team", "care team"),
    ("months", "weeks"), ("daily", "weekly"), ("alone", "by itself"), ("new", "newer"),
)
SWAP_SHARE = 0.5  # of the occurrences of a swappable word
_FRONT_MATTER = re.compile(r"\A---\n(.*?)\n---\n", re.DOTALL)


def _blocks(body: str) -> tuple[str, list[str]]:
    """The text before the first ``## `` heading, and each ``## `` section with its subsections."""
    parts = re.split(r"(?m)^(?=## )", body)
    return parts[0], [p.rstrip("\n") + "\n" for p in parts[1:]]


def _substitute(text: str, rng: random.Random) -> str:
    table = {a: b for a, b in SWAPS} | {b: a for a, b in SWAPS}
    pattern = re.compile(r"\b(" + "|".join(sorted(map(re.escape, table), key=len, reverse=True))
                         + r")\b")

    def swap(match: re.Match[str]) -> str:
        word = match.group(0)
        return table[word] if rng.random() < SWAP_SHARE else word

    lines = []
    for line in text.split("\n"):  # headings keep their words: sections stay recognisable
        lines.append(line if line.startswith("#") else pattern.sub(swap, line))
    return "\n".join(lines)


def variation(page: str, number: int) -> str:
    """Variation ``number`` (1, 2, ...) of a corpus page (front matter included)."""
    rng = random.Random(f"{SEED}-{number}")
    match = _FRONT_MATTER.match(page)
    body = page[match.end():] if match else page
    intro, sections = _blocks(body.lstrip("\n"))
    rng.shuffle(sections)
    keep = [s for s in sections if rng.random() > 0.2] or sections[:1]
    lines = intro.split("\n")
    title = next((ln[2:].strip() for ln in lines if ln.startswith("# ")), "Page")
    title = f"{title} (variation {number})"
    intro = "\n".join(f"# {title}" if ln.startswith("# ") else ln for ln in lines)
    text = _substitute(intro.rstrip("\n") + "\n\n" + "\n".join(keep), rng)
    front = (f"---\nid: synthetic-{number:04d}\ntitle: {title}\npublisher: benchmark "
             f"(synthetic)\nurl: ''\nlanguage: en\n---\n\n")
    return front + text


def make_corpus(real_dir: Path, target: Path, pages: int) -> Path:
    """``target`` holds the real pages of ``real_dir`` and enough variations of the first to
    make ``pages`` pages in all (no variation when ``pages`` is the real count)."""
    target.mkdir(parents=True, exist_ok=True)
    real = sorted(p for p in real_dir.iterdir() if p.suffix in (".md", ".txt")
                  and p.name.lower() != "readme.md")
    for path in real:
        shutil.copyfile(path, target / path.name)
    source = real[0].read_text(encoding="utf-8")
    for number in range(1, pages - len(real) + 1):
        (target / f"{PREFIX}{number:04d}.md").write_text(variation(source, number),
                                                          encoding="utf-8")
    return target
