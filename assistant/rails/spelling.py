"""Spelling correction of typed words against explicit word lists (rapidfuzz)."""

from __future__ import annotations

import re
from collections.abc import Collection, Sequence

from rapidfuzz import fuzz, process
from rapidfuzz.distance import DamerauLevenshtein

_WORD = re.compile(r"[a-z0-9']+")


def correct(folded: str, known: Collection[str], targets: Sequence[str],
            shortest: int = 4) -> str:
    """The text with misspelt words replaced by the nearest target word, leaving words of the
    page, common English words and words under ``shortest`` letters alone."""
    out = []
    for word in _WORD.findall(folded):
        if len(word) >= shortest and word not in known and word not in targets:
            match = process.extractOne(word, targets, scorer=fuzz.ratio, score_cutoff=80)
            # a typo keeps the first letter ("infusion" is not "confusion") and is at most two
            # edits away (the French "pensant" is not "pregnant")
            if (match and match[0][0] == word[0]
                    and DamerauLevenshtein.distance(word, match[0]) <= 2):
                word = match[0]
        out.append(word)
    return " ".join(out)
