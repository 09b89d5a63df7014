"""Intent by example: the nearest labelled examples (MiniLM cosine similarity) tell whether a
message asks for personal advice, is out of scope, or is a question the page may answer.
Examples live in assistant/data/intents.tsv; patterns in the other rails catch the plain cases,
this catches the phrasings the patterns miss."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from importlib import resources

import numpy as np

ADVICE_MIN, ADVICE_MARGIN = 0.52, 0.10
OOS_MIN, OOS_MARGIN = 0.28, 0.10
TOP_K = 3


@dataclass(frozen=True)
class IntentScores:
    """Mean similarity of the message to its nearest examples of each intent."""

    advice: float
    oos: float
    inside: float

    @property
    def asks_advice(self) -> bool:
        return self.advice >= ADVICE_MIN and self.advice >= self.inside + ADVICE_MARGIN

    @property
    def out_of_scope(self) -> bool:
        return self.oos >= OOS_MIN and self.oos >= max(self.inside, self.advice) + OOS_MARGIN


class IntentExamples:
    """Embeds the examples once; ``score`` compares a message vector with them."""

    def __init__(self, embed: Callable[[list[str]], list[list[float]]],
                 prepare: Callable[[str], str]) -> None:
        raw = resources.files("assistant.data").joinpath("intents.tsv").read_text("utf-8")
        rows = [line.split("\t") for line in raw.splitlines() if line and line[0] != "#"]
        self.labels = np.array([label for label, _ in rows])
        self.vectors = np.asarray(embed([prepare(text) for _, text in rows]), dtype=np.float32)

    def score(self, vector: list[float]) -> IntentScores:
        sims = self.vectors @ np.asarray(vector, dtype=np.float32)
        means = {}
        for label in ("advice", "oos", "in"):
            top = np.sort(sims[self.labels == label])[-TOP_K:]
            means[label] = float(top.mean()) if top.size else 0.0
        return IntentScores(means["advice"], means["oos"], means["in"])
