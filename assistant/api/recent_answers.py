"""The answers this process gave lately, by id, so that a rating sent later with only the
answer's id can be stored with what was rated (kind, text, quotes).

Kept in memory, bounded, per process: a rating that reaches another replica (or comes after
a restart, or after many other answers) is stored with its answer id alone; the access log's
line for the answer carries the same ``answer_id``.
"""

from __future__ import annotations

import threading
from collections import OrderedDict

from assistant.models import Answer

DEFAULT_SIZE = 2048


class RecentAnswers:
    """The last ``size`` answers given, by id."""

    def __init__(self, size: int = DEFAULT_SIZE) -> None:
        if size < 1:
            raise ValueError("keep at least one answer")
        self.size = size
        self._answers: OrderedDict[str, Answer] = OrderedDict()
        self._lock = threading.Lock()

    def remember(self, answer: Answer) -> None:
        with self._lock:
            self._answers[answer.id] = answer
            self._answers.move_to_end(answer.id)
            while len(self._answers) > self.size:
                self._answers.popitem(last=False)

    def get(self, answer_id: str) -> Answer | None:
        with self._lock:
            return self._answers.get(answer_id)
