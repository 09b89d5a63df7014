"""Spelling correction of typed words against explicit word lists (rapidfuzz)."""

from __future__ import annotations

import re
from collections.abc import Collection, Sequence

from rapidfuzz import fuzz, process
from rapidfuzz.distance import DamerauLevenshtein

_WORD = re.compile(r"[a-z0-9']+")


def correct(folded: str, known: Collection[str], targets: Sequence[str],
            shortest: int = 4) -> str:
    """The words of the text with misspelt ones replaced by the nearest target word, leaving
    words of the page, common English words and words under ``shortest`` letters alone."""
    return " ".join(_nearest(w, known, targets, shortest) for w in _WORD.findall(folded))


def correct_in_place(folded: str, known: Collection[str], targets: Sequence[str],
                     shortest: int = 4) -> str:
    """As ``correct``, keeping the punctuation and spacing of the text."""
    return _WORD.sub(lambda m: _nearest(m.group(0), known, targets, shortest), folded)


def _nearest(word: str, known: Collection[str], targets: Sequence[str], shortest: int) -> str:
    if len(word) >= shortest and word not in known and word not in targets:
        match = process.extractOne(word, targets, scorer=fuzz.ratio, score_cutoff=75)
        # a typo keeps the first letter ("infusion" is not "confusion") and is at most two
        # edits away (the French "pensant" is not "pregnant"), one in a short word ("numm")
        if (match and match[0][0] == word[0] and DamerauLevenshtein.distance(word, match[0])
                <= (1 if len(word) <= 5 else 2) and (len(word) <= 5 or match[1] >= 80)):
            return str(match[0])
    return word
