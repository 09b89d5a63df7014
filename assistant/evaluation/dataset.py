"""Load and validate question sets (evals/*.jsonl, the format of DESIGN.md).

Every problem of every line is collected first; if there is any, ``QuestionFileError`` names
each one as ``file:line: message`` and nothing is run. A ``section`` label is read leniently
(files come from outside): a full path or a bare heading that names exactly one section, in
any case, is taken as that section's path; a label that names none (or several) is a warning
and the row is kept without a section (retrieval figures leave it out).
"""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from assistant.errors import AssistantError

CATEGORIES = (
    "factual", "paraphrase", "brand-name", "lay-language", "multi-hop", "comparison",
    "glossary", "follow-up", "not-in-document", "out-of-scope", "personal-advice", "emergency",
    "prompt-injection", "non-english",
)
BEHAVIORS = (
    "answer", "not_in_document", "decline_out_of_scope", "no_personal_advice_but_inform",
    "emergency", "resist_injection",
)
SPLITS = ("dev", "held-out")
NO_SPLIT = "all"  # the split of a row (or a file) that names none
REQUIRED = ("id", "question", "category", "expected_behavior", "must_quote_any", "key_facts",
            "must_not_say", "section")
ROLES = ("user", "assistant")
log = logging.getLogger(__name__)
MAX_LISTED_PROBLEMS = 30


@dataclass(frozen=True)
class Question:
    """One row of a question set."""

    id: str
    question: str
    category: str
    expected_behavior: str
    must_quote_any: tuple[str, ...]
    key_facts: tuple[str, ...]
    must_not_say: tuple[str, ...]
    section: str | None
    split: str = NO_SPLIT
    history: tuple[dict[str, str], ...] = ()
    notes: str | None = None
    source_file: str = ""
    line: int = 0

    def history_list(self) -> list[dict[str, str]]:
        """The history in the form ``Assistant.ask`` takes."""
        return [dict(turn) for turn in self.history]


@dataclass(frozen=True)
class Problem:
    """What is wrong with one line of one file."""

    path: str
    line: int
    message: str

    def __str__(self) -> str:
        return f"{self.path}:{self.line}: {self.message}" if self.line else \
            f"{self.path}: {self.message}"


class QuestionFileError(AssistantError):
    """A question file is missing or malformed (seen by whoever runs the evaluation)."""

    def __init__(self, problems: Sequence[Problem]) -> None:
        self.problems = list(problems)
        shown = [f"  {p}" for p in self.problems[:MAX_LISTED_PROBLEMS]]
        more = len(self.problems) - len(shown)
        if more:
            shown.append(f"  ... and {more} more")
        count = len(self.problems)
        super().__init__(f"{count} problem{'s' if count != 1 else ''} in the question "
                         "file(s); nothing was run:\n" + "\n".join(shown))


@dataclass
class _Checker:
    corpus_texts: list[str]
    sections: frozenset[str] = frozenset()  # the corpus's section paths (empty: not checked)
    problems: list[Problem] = field(default_factory=list)
    warnings: list[Problem] = field(default_factory=list)
    seen_ids: dict[str, str] = field(default_factory=dict)  # id -> "file:line"

    def check_row(self, row: Any, path: str, line: int) -> Question | None:
        before = len(self.problems)

        def bad(message: str) -> None:
            self.problems.append(Problem(path, line, message))

        if not isinstance(row, dict):
            bad(f"expected a JSON object, got {type(row).__name__}")
            return None
        missing = [name for name in REQUIRED if name not in row]
        if missing:
            bad(f"missing required field(s): {', '.join(missing)}")
        qid, text = row.get("id"), row.get("question")
        if "id" in row and not _is_text(qid):
            bad("'id' must be a non-empty string")
        elif isinstance(qid, str) and qid in self.seen_ids:
            bad(f"duplicate id {qid!r} (first at {self.seen_ids[qid]})")
        elif isinstance(qid, str) and qid.strip():
            self.seen_ids[qid] = f"{path}:{line}"
        if "question" in row and not _is_text(text):
            bad("'question' must be a non-empty string")
        for name, allowed in (("category", CATEGORIES), ("expected_behavior", BEHAVIORS)):
            value = row.get(name)
            if name in row and value not in allowed:
                bad(f"unknown {name} {value!r} (allowed: {', '.join(allowed)})")
        lists: dict[str, tuple[str, ...]] = {}
        for name in ("must_quote_any", "key_facts", "must_not_say"):
            value = row.get(name, [])
            if not isinstance(value, list) or not all(_is_text(v) for v in value):
                bad(f"'{name}' must be a list of non-empty strings")
                value = []
            lists[name] = tuple(value)
        for quote in lists["must_quote_any"]:
            if not any(quote in doc for doc in self.corpus_texts):
                bad(f"must_quote_any string is not verbatim in the corpus: {quote!r}")
        section = row.get("section")
        if isinstance(section, str) and not section.strip():
            section = None  # "" is no section, as null is (an out-of-scope question has none)
        if section is not None and not _is_text(section):
            bad("'section' must be a string or null")
        elif section is not None and self.sections and section not in self.sections:
            # retrieval recall compares it with the section paths units are retrieved from
            found = resolve_section(section, self.sections)
            if len(found) != 1:
                named = (f"names {len(found)} sections ({', '.join(found)})" if found
                         else "names no section of the corpus")
                self.warnings.append(Problem(path, line, f"'section' {section!r} {named}; the "
                                             "row is kept without a section (left out of the "
                                             "retrieval figures)"))
                section = None
            else:
                section = found[0]
        split = row.get("split", NO_SPLIT)
        if "split" in row and split not in SPLITS:
            bad(f"unknown split {split!r} (allowed: {', '.join(SPLITS)}, or leave it out)")
        history = self._check_history(row.get("history", []), bad)
        notes = row.get("notes")
        if notes is not None and not isinstance(notes, str):
            bad("'notes' must be a string")
        if len(self.problems) > before:
            return None
        return Question(id=str(qid), question=str(text), category=row["category"],
                        expected_behavior=row["expected_behavior"],
                        must_quote_any=lists["must_quote_any"], key_facts=lists["key_facts"],
                        must_not_say=lists["must_not_say"], section=section, split=split,
                        history=history, notes=notes, source_file=path, line=line)

    @staticmethod
    def _check_history(value: Any, bad: Any) -> tuple[dict[str, str], ...]:
        if value is None:
            return ()
        if not isinstance(value, list):
            bad("'history' must be a list of {\"role\", \"content\"} objects")
            return ()
        turns: list[dict[str, str]] = []
        for i, turn in enumerate(value):
            if (not isinstance(turn, dict) or turn.get("role") not in ROLES
                    or not isinstance(turn.get("content"), str)):
                bad(f"history[{i}] must be {{\"role\": \"user\"|\"assistant\", "
                    f"\"content\": string}}, got {json.dumps(turn, ensure_ascii=False)[:80]}")
                continue
            turns.append({"role": turn["role"], "content": turn["content"]})
        return tuple(turns)


def _label(text: str) -> str:
    return re.sub(r"\s+", " ", text.replace("’", "'").replace("–", "-")).strip().casefold()


def resolve_section(label: str, sections: Iterable[str]) -> list[str]:
    """The section paths ``label`` names: the path itself in any case, else every section
    whose own heading (the path's last part) it is, in any case.

    >>> resolve_section("glossary", ["Glossary", "Glossary > menopause"])
    ['Glossary']
    """
    wanted = _label(label)
    paths = sorted(sections)
    by_path = [p for p in paths if _label(p) == wanted]
    if by_path:
        return by_path
    return [p for p in paths if _label(p.split(" > ")[-1]) == wanted]


def _is_text(value: Any) -> bool:
    return isinstance(value, str) and bool(value.strip())


def load_questions(paths: Sequence[Path], corpus_texts: Iterable[str],
                   sections: Iterable[str] = (),
                   on_warning: Callable[[str], None] | None = None) -> list[Question]:
    """Read and validate question files against the corpus texts.

    Args:
        paths: JSONL files, one question object a line (blank lines are skipped).
        corpus_texts: the text of every corpus document (``must_quote_any`` must be in one).
        sections: the corpus's section paths ("Glossary > menopause"); when given, a row's
            ``section`` is resolved to one of them (see ``resolve_section``).
        on_warning: hears each ``file:line: message`` warning (default: this module's log).

    Returns:
        The questions in file order; ids are unique across all files.

    Raises:
        QuestionFileError: listing every problem as ``file:line: message``.
    """
    checker = _Checker(list(corpus_texts), frozenset(sections))
    questions: list[Question] = []
    if not paths:
        raise QuestionFileError([Problem("(no file)", 0, "no question file given")])
    for path in paths:
        name = str(path)
        try:
            raw = Path(path).read_text(encoding="utf-8")
        except FileNotFoundError:
            checker.problems.append(Problem(name, 0, "file not found"))
            continue
        except (OSError, UnicodeDecodeError) as exc:
            checker.problems.append(Problem(name, 0, f"cannot read the file: {exc}"))
            continue
        count = 0
        for number, line in enumerate(raw.splitlines(), start=1):
            if not line.strip():
                continue
            count += 1
            try:
                row = json.loads(line)
            except json.JSONDecodeError as exc:
                checker.problems.append(Problem(name, number, f"malformed JSON: {exc.msg} "
                                                              f"(column {exc.colno})"))
                continue
            question = checker.check_row(row, name, number)
            if question is not None:
                questions.append(question)
        if count == 0:
            checker.problems.append(Problem(name, 0, "the file holds no questions"))
    if checker.problems:
        raise QuestionFileError(checker.problems)
    for warning in checker.warnings:
        (on_warning or log.warning)(f"warning: {warning}")
    return questions


def load_question_set(paths: Sequence[Path], corpus_dir: Path,
                      on_warning: Callable[[str], None] | None = None) -> list[Question]:
    """``load_questions`` against the corpus folder (raises QuestionFileError, CorpusError)."""
    from assistant.corpus import load_corpus

    docs = load_corpus(corpus_dir)
    return load_questions(paths, [doc.text for doc in docs],
                          [section.path for doc in docs for section in doc.sections],
                          on_warning)


def select_split(questions: Sequence[Question], split: str | None) -> list[Question]:
    """The questions of one split (``None``: all of them).

    Raises:
        QuestionFileError: no question belongs to that split.
    """
    if split is None:
        return list(questions)
    chosen = [q for q in questions if q.split == split]
    if not chosen:
        present = sorted({q.split for q in questions})
        raise QuestionFileError([Problem(", ".join(sorted({q.source_file for q in questions})),
                                         0, f"no question in split {split!r} "
                                            f"(splits present: {', '.join(present)})")])
    return chosen
