"""Drug aliases come from the page's own "generic (Brand)" pairs; misspellings are corrected
against the page's words, ordinary English words are left alone."""

from __future__ import annotations

import re

import pytest

from assistant.corpus import load_corpus
from assistant.lexicon import Lexicon, find_drug_pairs

from .conftest import CORPUS


@pytest.fixture(scope="module")
def lexicon() -> Lexicon:
    return Lexicon.from_documents(load_corpus(CORPUS))


def test_every_generic_brand_pair_of_the_page_is_found() -> None:
    text = load_corpus(CORPUS)[0].text
    # Independent count: every "word (Capitalised...)" on the page that is not an abbreviation.
    written = re.findall(r"\b([a-z0-9-]+|[A-Z][a-z]+)\s\(([A-Z][a-z][^)]*|5-FU[^)]*|Platinol AQ)\)",
                         text)
    found = find_drug_pairs(text)
    assert len(found) == len(written)
    pairs = {(g.lower(), b) for g, brands in found for b in brands}
    for expected in [("letrozole", "Femera"), ("anastrozole", "Arimidex"),
                     ("exemestane", "Aromasin"), ("tamoxifen", "Nolvadex"),
                     ("tamoxifen", "Tamofen"), ("trastuzumab", "Herceptin"),
                     ("pertuzumab", "Perjeta"), ("palbociclib", "Ibrance"),
                     ("abemaciclib", "Verzenio"), ("olaparib", "Lynparza"),
                     ("fulvestrant", "Faslodex"), ("carboplatin", "Paraplatin AQ"),
                     ("cisplatin", "Platinol AQ"), ("5-fluorouracil", "5-FU"),
                     ("nab-paclitaxel", "Abraxane"), ("epirubicin", "Pharmorubicin")]:
        assert expected in pairs
    assert all(b not in {"FSH", "ER+"} for _, b in pairs)  # abbreviations are not brands


def test_abbreviations_are_aliases(lexicon: Lexicon) -> None:
    assert lexicon.abbreviations["fsh"] == "follicle-stimulating hormone"


@pytest.mark.parametrize("typed, generic", [
    ("femara", "letrozole"), ("Femera", "letrozole"), ("hercepton", "trastuzumab"),
    ("tamoxifin", "tamoxifen"), ("letrozol", "letrozole"), ("anastrazole", "anastrozole"),
    ("capecitibine", "capecitabine"), ("HERCEPTIN", "trastuzumab"), ("taxotere", "docetaxel"),
    ("platinol", "cisplatin"), ("verzenio", "abemaciclib"), ("ibrance", "palbociclib"),
])
def test_brands_and_misspellings_resolve_to_the_generic(lexicon: Lexicon, typed: str,
                                                        generic: str) -> None:
    assert lexicon.drugs_in(lexicon.normalize(f"what about {typed}?")) == [generic]


@pytest.mark.parametrize("word", ["never", "fewer", "people", "mother", "weather"])
def test_ordinary_words_are_not_corrected(lexicon: Lexicon, word: str) -> None:
    assert lexicon.correct(word) == word


@pytest.mark.parametrize("typed", ["she doesnt want chemo", "she doesn't want chemo",
                                   "she does not want chemo"])
def test_a_negation_typed_without_apostrophe_is_kept(lexicon: Lexicon, typed: str) -> None:
    # "doesnt" is not a misspelling of "does": correcting it would flip the question
    assert "does not want" in lexicon.normalize(typed)


def test_unlisted_treatments_are_recognised(lexicon: Lexicon) -> None:
    question = "is kisqali or tucatinib better than ribociclib"
    found = lexicon.unlisted_in(lexicon.normalize(question), question)
    assert any("Kisqali" in f for f in found) and any("tucatinib" in f for f in found)
    assert lexicon.unlisted_in(lexicon.normalize("what is herceptin"), "what is herceptin") == []


def test_the_kind_a_drug_is_listed_as_is_known(lexicon: Lexicon) -> None:
    """"an aromatase inhibitor such as letrozole ..." and the section that first lists a drug."""
    assert {"aromatase inhibitor", "hormonal therapy"} <= lexicon.drug_kinds["letrozole"]
    assert lexicon.drug_kinds["capecitabine"] == {"chemotherapy"}
    # docetaxel is named again beside pertuzumab; it stays a chemotherapy drug
    assert lexicon.drug_kinds["docetaxel"] == {"chemotherapy"}


def test_words_the_page_only_points_to_are_known(lexicon: Lexicon) -> None:
    """"See also premenopause, perimenopause and post-menopause": only perimenopause has no
    entry or use of its own."""
    assert lexicon.cross_references == {"perimenopause"}


@pytest.mark.parametrize("drug", ["triptorelin", "risedronate", "pemetrexate", "inetetamab"])
def test_a_drug_the_page_does_not_list_is_known_by_its_name_ending(lexicon: Lexicon,
                                                                  drug: str) -> None:
    """Names in no list (-relin, -dronate, -trexate, ...): the drug-name endings catch them."""
    assert drug not in lexicon.unlisted
    assert lexicon.unlisted_in(lexicon.normalize(f"is {drug} used"), f"is {drug} used") == [drug]
