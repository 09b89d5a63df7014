"""Input rails, in one place, before retrieval: validity, injection, emergency, scope, personal
advice, and what the question asks for (attributes the page may not carry).

Patterns live in data files (assistant/data/*.tsv), matched on folded text (lower case,
accents removed) after misspellings of the patterns' own key words are corrected.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from importlib import resources

from assistant.errors import InvalidQuestionError, QuestionTooLongError
from assistant.lexicon import fold
from assistant.models import is_blank, replace_lone_surrogates
from assistant.rails.emergency import EmergencyFinding, EmergencyRules, first_reply
from assistant.rails.spelling import correct as _correct

_TAG = re.compile(r"<[^>]{0,200}>")
_BLOCK_TAG = re.compile(r"</?(div|p|br|li|ul|ol|tr|td|table|h[1-6]|section|article|header|footer|"
                        r"blockquote|pre|hr|form|iframe|script|style)\b[^>]{0,200}>", re.IGNORECASE)
# An encoded blob: 12+ base64 characters with upper and lower case mixed inside the word.
_B64 = "[A-Za-z0-9+/]"
_BASE64 = re.compile(rf"\b(?={_B64}*[A-Z]{_B64}*[A-Z])(?={_B64}*[a-z]{_B64}*[a-z])"
                     rf"{_B64}{{12,}}={{0,2}}")
_WORD = re.compile(r"[a-z0-9']+")
# situations often told as context ("my son is driving me to my herceptin appointment, what is
# herceptin for?"): asked only when a clause that asks names them
CLAUSE_BOUND = {"daily_life", "care_setting", "legal", "side_effects", "other_stage"}
# a message about breast cancer names other cancers as history ("she had colon cancer before")
# or as where it spread ("the tumours in her liver", "spots in her brain from her breast cancer")
_BREAST_CONTEXT = re.compile(r"\b(breast|sein|cancer de mama)\b")
_SITE = re.compile(r"(liver|lung|brain|bone)s? (tumou?rs?|mets|metastas[ie]s|spots|lesions)\b")
_SPREAD = re.compile(r"\b(spread\w*|metasta\w*|mets|from (her|his|my|the) breast)\b")
_REASON = re.compile(r"\b(because of|due to|owing to|thanks to)\b[^,.;:?!]*")


def _rows(name: str) -> list[list[str]]:
    raw = resources.files("assistant.data").joinpath(name).read_text(encoding="utf-8")
    return [line.split("\t") for line in raw.splitlines() if line.strip() and line[0] != "#"]


@dataclass(frozen=True)
class Attribute:
    """Something a question can ask for (a dose, a schedule...) and how a passage carries it."""

    name: str
    asks: re.Pattern[str]
    carrier: re.Pattern[str] | None
    labels: dict[str, str]
    # the passage quoted as the closest thing the page says when none relates more closely
    # (survival figures: "Treatments cannot completely cure ... control it very well")
    nearest: re.Pattern[str] | None = None


@dataclass
class Screening:
    """What the input rails found in a message."""

    cleaned: str
    emergency: str | None = None  # the urgent reply that comes first: suicide, general, fever
    emergencies: list[EmergencyFinding] = field(default_factory=list)
    # conditions the message rules out by what it tells ("belly soft, still passing gas")
    ruled_out: frozenset[str] = frozenset()
    injection: bool = False
    out_of_scope: bool = False
    task: bool = False  # an unrelated task ("write me a cover letter"), even naming a drug
    personal_advice: bool = False
    # an off-topic word told as context, outside the clauses that ask ("my toddler has an
    # ear infection, can i give her tylenol?"): off topic unless the asking is about the page
    off_topic_context: bool = False
    attributes: list[Attribute] = field(default_factory=list)


def validate_question(question: object, max_chars: int | None) -> str:
    """The question as text, or InvalidQuestionError with a message the person can act on
    (QuestionTooLongError past ``max_chars``; None: no length check)."""
    if isinstance(question, bytes):
        try:
            question = question.decode("utf-8")
        except UnicodeDecodeError:
            raise InvalidQuestionError("The question must be text.") from None
    if not isinstance(question, str):
        raise InvalidQuestionError("The question must be text.")
    question = replace_lone_surrogates(question)  # U+FFFD: text, not binary data
    if "\x00" in question or _control_ratio(question) > 0.1:
        raise InvalidQuestionError("The question contains binary data; please type it as text.")
    text = question.strip()
    if is_blank(text):
        raise InvalidQuestionError("Please type a question.")
    if max_chars is not None and len(text) > max_chars:
        raise QuestionTooLongError(f"The question is too long ({len(text)} characters); please "
                                   f"keep it under {max_chars} characters.")
    return text


_QUESTION_START = re.compile(r"^(?:(?:and|so|but|ok|okay|also|then|well|hi|hello|please)\W+)*"
                             r"(what|which|who|whom|whose|when|where|why|how|is|are|can|could|"
                             r"does|do|did|should|will|would|may|qu|que|quel|quelle|comment|"
                             r"pourquoi|est-ce|cual|cuando|como|donde|por que)\b")


def _question_part(text: str) -> str:
    """What is left of a message once instructions are removed: its question clauses when it
    has any (an attack often wraps a real question), else the rest of the text."""
    clauses = [c.strip(" .,:;!-\n") for c in re.split(r"(?<=[.!?:;])\s+|\n+", text)]
    questions = [c for c in clauses if c and (c.endswith("?") or _QUESTION_START.match(c))]
    kept = questions or [c for c in clauses if c]
    return re.sub(r"\s+", " ", " ".join(kept)).strip()


_CLAUSE_END = re.compile(r"[.!?;:,\n]+(?=\s|$)|\s[-\u2013\u2014]+\s")
_INVERTED = re.compile(r"\b(can|could|should|will|would|may|do|does|did|is|are|am) "
                       r"(i|she|he|we|they|you|it|my \w+)\b")

# a request said as a statement ("i want to know the side effects of ibrance. can you help?")
_REQUEST = re.compile(
    r"(?:(?:and|so|but|ok|okay|hi|hello|please)\W+)*(?:i (?:want|would like|need) to "
    r"(?:know|understand|ask)|i'?d like to (?:know|understand|ask)|tell me|i'?m curious|"
    r"i am curious|i wonder|i was wondering|wondering|please explain|explain|can you explain|"
    r"help me understand)\b")
_RELATIVE = re.compile(r"(who|whom|whose|which|where|when)\b")
# an asking clause about what the clause before it said
_POINTS_BACK = re.compile(
    r"(?:(?:and|so|but|ok)\s+)?(?:is|are|was|could|can|would|does|do|might|will) "
    r"(?:that|this|these|those)\b|(?:(?:and|so|but)\s+)?(?:will|does|is|would) it (?:ever )?"
    r"(?:come back|go away|get better|last|stop|improve|wear off|be permanent|permanent|normal|"
    r"common)\b")


def asking_clauses(text: str) -> str:
    """The clauses of a message that ask (end with "?" or start like a question), else all of
    it: "my son is driving me to herceptin, what is it for?" asks about herceptin, not
    driving."""
    asking, start, before = [], 0, ""
    for end in [*(m.end() for m in _CLAUSE_END.finditer(text)), len(text)]:
        piece = text[start:end]
        clause = _CLAUSE_END.sub("", piece).strip(" -\n")
        # "my aunt, who had ovarian cancer years ago, ..." describes; it does not ask
        relative = text[:start].rstrip().endswith(",") and _RELATIVE.match(clause)
        if clause and not (relative and "?" not in piece) and (
                "?" in piece or _QUESTION_START.match(clause) or _INVERTED.search(clause)
                or _REQUEST.match(clause)):
            if _POINTS_BACK.match(clause) and before not in asking:
                asking.append(before)  # "red peeling hands... is that a known thing?"
            asking.append(clause)
        if clause:
            before = clause
        start = end
    return " ".join(asking) if asking else text


def _control_ratio(text: str) -> float:
    if not text:
        return 0.0
    # control characters only: private-use characters are text (icon fonts, the Apple logo)
    bad = sum(1 for c in text if unicodedata.category(c) == "Cc" and c not in "\n\r\t")
    return bad / len(text)


class InputRails:
    """Classifies a message; built once (patterns compiled), then ``screen`` per message."""

    def __init__(self) -> None:
        self.emergency = EmergencyRules()
        self.injection = [re.compile(p, re.MULTILINE) for (p, *_) in _rows("injection.tsv")]
        self.advice = [re.compile(p) for (p, *_) in _rows("advice.tsv")]
        self.out_of_scope = [(re.compile(p), rest[0] if rest else "")
                             for (p, *rest) in _rows("out_of_scope.tsv")]
        self.attributes = [
            Attribute(row[0], re.compile(row[1]),
                      None if row[2] == "-" else re.compile(row[2]),
                      {"en": row[3], "fr": row[4], "es": row[5]},
                      re.compile(row[6]) if len(row) > 6 else None)
            for row in _rows("attributes.tsv")]
        # "infusoin", "side efect": the key words of what a question asks for, typed wrong
        self._attribute_words = sorted({w for a in self.attributes
                                        for w in re.findall(r"[a-z]{5,}", a.asks.pattern)})

    def strip_markup(self, text: str) -> str:
        """Markup and encoded blobs carry no question: drop them before anything else."""
        text = _BLOCK_TAG.sub("\n", text)  # a block ends a clause: "<div>x</div> y?"
        text = _TAG.sub(" ", text)
        return _BASE64.sub(" ", text)

    @staticmethod
    def _off_topic(pattern: re.Pattern[str], flag: str, text: str, asking: str) -> bool:
        """Does an out-of-scope pattern hold? Tasks hold anywhere, other off-topic words in a
        clause that asks. Another cancer ("context") counts anywhere in a message that does
        not name breast cancer; in one that does, only in a clause that asks, and not as
        tumours where it spread ("what else for the brain tumours?" when spread is named)."""
        if flag == "strong":
            return bool(pattern.search(text))
        if flag == "context" and not _BREAST_CONTEXT.search(text):
            return bool(pattern.search(text))  # "my mama has lung cancer, what treatments?"
        asked = pattern.search(asking)
        if not asked:
            return False
        # "what else for the brain tumours?" (with spread named) asks where it spread; "how is
        # lung cancer treated?" asks about another cancer
        return not (flag == "context" and _SPREAD.search(text) and _SITE.match(asked.group(0)))

    def screen(self, text: str, known_words: set[str], language: str = "en") -> Screening:
        """Run every input rail on ``text`` (the person's message, markup already kept), in
        ``language`` (en, fr, es)."""
        cleaned = self.strip_markup(text)
        whole = fold(cleaned)
        screening = Screening(cleaned=cleaned)
        # Emergencies are looked for in the whole message, instructions included: recall first
        screening.emergencies, screening.ruled_out = self.emergency.read(whole, known_words,
                                                                         language)
        screening.emergency = first_reply(screening.emergencies)
        rest = whole
        for pattern in self.injection:
            if pattern.search(rest):
                screening.injection = True
                rest = pattern.sub(" ", rest)
        if screening.injection:  # only the person's own question is classified and answered
            rest = screening.cleaned = _question_part(rest)
        # off-topic words count in the clauses that ask ("my dad's side has heart disease.
        # anyway, which chemo drugs are used alone?" asks about chemo); tasks anywhere
        asking_part = asking_clauses(rest)
        screening.out_of_scope = any(self._off_topic(p, flag, rest, asking_part)
                                     for p, flag in self.out_of_scope)
        screening.off_topic_context = any(self._off_topic(p, flag, rest, rest)
                                          for p, flag in self.out_of_scope)
        screening.task = any(p.search(rest) for p, flag in self.out_of_scope if flag == "strong")
        screening.personal_advice = any(p.search(rest) for p in self.advice)
        # "she can't take it because of the side effects" gives a reason; it does not ask
        asked = _REASON.sub(" ", rest)
        typed = _correct(asked, known_words, self._attribute_words, shortest=6)
        asking = _REASON.sub(" ", asking_clauses(rest))
        asking_typed = _correct(asking, known_words, self._attribute_words, shortest=6)
        screening.attributes = [
            a for a in self.attributes
            if a.asks.search(asking if a.name in CLAUSE_BOUND else asked)
            or a.asks.search(asking_typed if a.name in CLAUSE_BOUND else typed)]
        return screening
