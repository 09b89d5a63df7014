"""Language of a message (English, French, Spanish) with lingua, offline, and a mapping of a
modest set of French and Spanish medical terms to the page's English words."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache
from importlib import resources

from assistant.lexicon import fold
from assistant.rails.emergency import standard_forms

SUPPORTED = ("en", "fr", "es")
_FUNCTION_WORDS = {
    "fr": set("le la les des du une est et pour que qui quoi avec sans mon ma mes est-ce "
              "qu'est-ce je vous pas sont ce cette quel quelle quels comment pourquoi".split()),
    "es": set("el la los las del una es y para que con sin mi mis por como cual cuales "
              "puede pueden tiene tengo usted son se esta este".split()),
}


_ENGLISH_WORDS = set("the a an is are what which how does do can for of to and my with it "
                     "when who why should i you".split())


@dataclass
class Translator:
    """Maps French and Spanish terms to the page's English words (never used for quotes)."""

    rules: dict[str, list[tuple[re.Pattern[str], str]]] = field(default_factory=dict)

    @classmethod
    def load(cls) -> Translator:
        raw = resources.files("assistant.data").joinpath("translations.tsv").read_text("utf-8")
        rules: dict[str, list[tuple[re.Pattern[str], str]]] = {}
        for line in raw.splitlines():
            if not line.strip() or line.startswith("#"):
                continue
            lang, pattern, english = line.split("\t")
            rules.setdefault(lang, []).append((re.compile(rf"\b(?:{pattern})\b"), english))
        for table in rules.values():  # phrases before the single words they contain (a
            # rule of single words, "que|cuales?", after every rule with a phrase in it)
            table.sort(key=lambda rule: (" " not in rule[0].pattern, -len(rule[0].pattern)))
        return cls(rules)

    def to_english(self, text: str, language: str) -> str:
        folded = fold(text)
        # regional words read as their standard forms first (Quebec "chu", "y a-tu", "pis":
        # the ``dialect`` of emergency.yaml)
        folded = standard_forms(folded, language)
        for pattern, english in self.rules.get(language, []):
            folded = pattern.sub(english, folded)
        return folded


@lru_cache(maxsize=1)
def _detector():  # noqa: ANN202 - lingua types
    from lingua import Language, LanguageDetectorBuilder

    return LanguageDetectorBuilder.from_languages(
        Language.ENGLISH, Language.FRENCH, Language.SPANISH).with_preloaded_language_models(
        ).build()


def preload() -> None:
    """Load the detector's models now (about 0.5 s; called in the background at start)."""
    _detector()


def detect_language(text: str) -> str:
    """'en', 'fr' or 'es'. Short or unsure texts count as English unless French or Spanish
    function words make the language plain."""
    from lingua import Language

    words = set(re.findall(r"[a-zà-ÿ]+", text.lower().replace("’", "'")))
    hints = {lang: len(words & fw) for lang, fw in _FUNCTION_WORDS.items()}
    english = len(words & _ENGLISH_WORDS)
    codes = {Language.ENGLISH: "en", Language.FRENCH: "fr", Language.SPANISH: "es"}
    values = {codes[v.language]: v.value for v in _detector().compute_language_confidence_values(
        text)}
    if not values:
        return "en"
    best = max(values, key=lambda c: values[c])
    # drug names look foreign to the detector: with English words and no French or Spanish
    # ones, "is anastrozole an aromatase inhibitor?" stays English
    if best != "en" and values[best] >= 0.5 and (hints[best] >= 1 or len(words) >= 4
                                                  and english == 0):
        return best
    for code in ("fr", "es"):
        if hints[code] >= 1 and english == 0 and values.get(code, 0.0) >= 0.3:
            return code
        if hints[code] >= 2 and hints[code] > english:
            return code
    return "en"
