"""Answers through the public Assistant: the right section for questions written the way
people type them, and the Answer invariants on every path."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given
from hypothesis import settings as hsettings
from hypothesis import strategies as st

from assistant.errors import InvalidQuestionError
from assistant.rails.messages import HEALTHCARE_MARKERS

# (question, section the quote must come from). Separate from evals/questions.jsonl.
DEV = [
    ("what is herceptin given for", "Targeted therapy"),
    ("my wife is past menopause, which hormone pills are used", "Hormonal therapy > Hormonal "
     "therapy for post-menopausal women"),
    ("premenopausal options for hormone therapy", "Hormonal therapy > Hormonal therapy for "
     "premenopausal women"),
    ("what chemo drugs can be used on their own", "Chemotherapy"),
    ("is xeloda one of the drugs", "Chemotherapy"),
    ("who gets lynparza", "Targeted therapy"),
    ("what happens if i dont want treatment anymore",
     "If you can’t have or don’t want cancer treatment"),
    ("can i be in a study for new treatments", "Clinical trials"),
    ("what does premenopause mean", "Glossary > premenopause"),
    ("what does stage 4 mean", "Treatments for stage 4 breast cancer"),
]
HELD_OUT = [
    ("what is perjeta combined with", "Targeted therapy"),
    ("is femara a hormone therapy", "Hormonal therapy > Hormonal therapy for post-menopausal "
     "women"),
    ("what are the chemo combos", "Chemotherapy"),
    ("what is taxol", "Chemotherapy"),
    ("verzenio with faslodex when", "Targeted therapy"),
    ("how do they check if im in menopause", "Hormonal therapy"),
    ("what is fsh", "Glossary > follicle-stimulating hormone (FSH)"),
    ("does hormone therapy work if it spread to the bones", "Hormonal therapy"),
    ("can tamoxifin be used before menopause", "Hormonal therapy > Hormonal therapy for "
     "premenopausal women"),
    ("ibrance with an aromatase inhibitor", "Targeted therapy"),
]


def _check_invariants(answer, documents) -> None:  # noqa: ANN001
    assert any(marker in answer.text for marker in HEALTHCARE_MARKERS)
    for quote in answer.quotes:
        assert documents[quote.source].text[quote.start:quote.end] == quote.text
        assert quote.citation in answer.text
        first_line = quote.text.split("\n")[0]
        assert f"> {first_line}" in answer.text


@pytest.mark.parametrize("question, section", DEV)
def test_dev_questions_quote_the_right_section(assistant, question: str, section: str) -> None:
    answer = assistant.ask(question)
    assert answer.kind == "answer"
    assert section in [q.section for q in answer.quotes]
    _check_invariants(answer, assistant.documents)


def test_held_out_questions_measured(assistant) -> None:
    """Never tuned on: measured, with a floor well under the dev result."""
    hits = sum(section in [q.section for q in assistant.ask(q).quotes] for q, section in HELD_OUT)
    print(f"held-out section hit: {hits}/{len(HELD_OUT)}")
    assert hits >= 8


def test_quotes_are_short(assistant) -> None:
    sizes = [sum(len(q.text) for q in assistant.ask(question).quotes) for question, _ in DEV]
    assert sum(sizes) / len(sizes) <= 400


def test_follow_up_uses_history(assistant) -> None:
    history = [{"role": "user", "content": "what is herceptin for?"},
               {"role": "assistant", "content": "Trastuzumab (Herceptin) is given for ..."}]
    answer = assistant.ask("and how long is it given?", history)
    assert "trastuzumab" in answer.standalone_question.lower()
    assert any("continued until" in q.text for q in answer.quotes)


@pytest.mark.parametrize("bad", ["", "   ", "x" * 5000, "\x00\x01binary\x02"])
def test_bad_questions_are_clear_errors(assistant, bad: str) -> None:
    with pytest.raises(InvalidQuestionError):
        assistant.ask(bad)


def test_chain_and_retriever_compose_as_langchain_runnables(assistant) -> None:
    answer = assistant.chain.invoke({"question": "what is ibrance", "history": []})
    assert answer.quotes and answer.quotes[0].section == "Targeted therapy"
    docs = assistant.retriever.invoke("what is ibrance")
    assert docs[0].metadata["section"] == "Targeted therapy"


@hsettings(max_examples=60, deadline=None,
           suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.text(max_size=300))
def test_any_input_keeps_the_invariants_or_is_a_clear_error(assistant, text: str) -> None:
    try:
        answer = assistant.ask(text)
    except InvalidQuestionError as exc:
        assert str(exc)
        return
    _check_invariants(answer, assistant.documents)
    assert answer.kind in {"answer", "not_in_document", "out_of_scope", "personal_advice",
                           "emergency"}


@pytest.mark.parametrize("text", [
    "x" * 1999, "'" * 1999, "what is " + "x" * 1990, "is it " * 330, "what if it " * 180,
    "chest " * 330, "<div>" * 390, "and the other one " * 110,
])
def test_long_repetitive_input_is_answered(assistant, text: str) -> None:
    # such input once made a regex backtrack for minutes; it must simply get a reply
    answer = assistant.ask(text[:2000], [{"role": "user", "content": text[:2000]},
                                         {"role": "assistant", "content": text[:2000]}])
    _check_invariants(answer, assistant.documents)


def test_a_term_the_page_only_names_is_not_defined(assistant) -> None:
    answer = assistant.ask("what is perimenopause")
    assert answer.kind == "not_in_document" and not answer.quotes
    assert "perimenopause" in answer.text


@pytest.mark.parametrize("question, section", [
    ("what is premenopause", "Glossary > premenopause"),
    ("what does post menopausal mean", "Glossary > post-menopause"),
    ("what is an aromatase inhibitor", None), ("what does stage 4 mean", None),
    ("what is metastatic breast cancer", None), ("whats FEC chemo", None),
    ("what is ovarian suppression", None), ("what is chemo", None),
    ("what does 'change of life' mean", None), ("what is ibrance", None)])
def test_defined_terms_are_answered(assistant, question: str, section: str | None) -> None:
    answer = assistant.ask(question)
    assert answer.kind == "answer"
    assert section is None or section in [q.section for q in answer.quotes]


@pytest.mark.parametrize("question, used", [
    ("what is her2", "HER2"), ("what does her2 positive even mean", "HER2-positive"),
    ("whats lobular carcinoma", "lobular carcinoma"), ("what is a brca mutation", "BRCA"),
    ("what does hormone receptor positive mean", None)])
def test_a_term_the_page_uses_but_never_explains_is_not_covered(assistant, question: str,
                                                                used: str | None) -> None:
    """Three blind question writers expected these to be 'not covered': the page uses the
    words without saying what they mean. The passage using the term may be quoted."""
    answer = assistant.ask(question)
    assert answer.kind == "not_in_document"
    assert used is None or any(used in q.text for q in answer.quotes)


def test_cross_references_are_never_quoted(assistant) -> None:
    for question in ("see also perimenopause", "what other menopause words are there"):
        assert not any(q.text.startswith("See also") for q in assistant.ask(question).quotes)


@pytest.mark.parametrize("question, language", [
    ("my letrozole makes my joints ache so bad, can i just cut the pill in half", "en"),
    ("i want to double my tamoxifen so it works faster, is that ok", "en"),
    ("est-ce que je peux arrêter mon tamoxifène toute seule ?", "fr"),
    ("¿puedo partir mi pastilla de anastrozol a la mitad?", "es"),
])
def test_a_plan_to_change_ones_own_treatment_gets_the_advice_reply(
        assistant, question: str, language: str) -> None:  # noqa: ANN001
    """Halving, doubling or stopping one's own pill is a decision for the healthcare team:
    the advice reply, in the person's language, with what the page says about the drug."""
    answer = assistant.ask(question)
    assert answer.kind == "personal_advice"
    assert answer.language == language
    assert answer.quotes


def test_asking_how_a_drug_is_taken_is_not_a_plan_to_change_it(assistant) -> None:  # noqa: ANN001
    assert assistant.ask("how is capecitabine taken").kind == "not_in_document"


def test_a_short_subsection_for_the_stated_status_is_quoted_whole(assistant) -> None:  # noqa: ANN001
    # stating the status (still has periods: before menopause) brings all of "Hormonal therapy
    # for premenopausal women": what ovarian suppression is combined with, and tamoxifen alone
    answer = assistant.ask("my daughter is 38, still gets her periods, ER positive, spread to "
                           "her bones. what hormone treatments are there for someone her age")
    quoted = " ".join(q.text for q in answer.quotes)
    assert "combined with one of the aromatase inhibitors listed above" in quoted
    assert "may be offered tamoxifen alone" in quoted
    # ... and the aromatase inhibitors it refers to
    assert "letrozole (Femera)" in quoted


@pytest.mark.parametrize("question, goes_on", [
    ("what happens when the chemo isn't doing anything to the cancer anymore?",
     "a different drug may be offered"),
    ("how do the doctors tell if she is in menopause now?",
     "Low estrogen and high FSH levels in your blood mean you are in menopause."),
])
def test_the_sentences_that_go_on_with_a_quote_come_with_it(assistant, question: str,  # noqa: ANN001
                                                           goes_on: str) -> None:
    assert goes_on in " ".join(q.text for q in assistant.ask(question).quotes)


@pytest.mark.parametrize("question, expected", [
    ("how long can the treatment hold it back, years?", "control it very well"),
    ("can the drugs keep the cancer from spreading for long?", "control it very well"),
    ("why do they keep switching her pills?", "a different drug may be offered"),
    ("why did the oncologist change my treatment again", "a different drug may be offered"),
    ("is there a way to just keep him comfy instead of more chemo?",
     "feel better without treating the cancer itself"),
    ("the scan says it's in her liver too. is it hopeless now?", "control it very well"),
])
def test_lay_words_for_controlling_and_changing_treatment(assistant, question: str,  # noqa: ANN001
                                                          expected: str) -> None:
    """'hold it back' is the page's 'control it'; 'switching pills' its 'a different drug';
    'keep him comfy' its care to feel better; 'is it hopeless' asks whether it can be
    controlled."""
    answer = assistant.ask(question)
    assert answer.kind == "answer"
    assert any(expected in q.text for q in answer.quotes), answer.text


@pytest.mark.parametrize("question, nearest", [
    ("how long does she have, just give me a number", "Treatments cannot completely cure"),
    ("quelle est l'espérance de vie moyenne avec un cancer du sein métastatique?",
     "Treatments cannot completely cure"),
    ("can I still get pregnant after ovarian suppression is stopped?",
     "cause treatment-induced menopause"),
    ("how do i sign up for a trial at a hospital near me, who do i call?",
     "Many clinical trials in Canada"),
])
def test_what_the_page_does_not_carry_comes_with_its_own_nearest_passage(
        assistant, question: str, nearest: str) -> None:  # noqa: ANN001
    answer = assistant.ask(question)
    assert answer.kind == "not_in_document"
    assert any(nearest in q.text for q in answer.quotes)


@pytest.mark.parametrize("question, drugs", [
    ("Mom is 70, ER positive, HER2 negative. Which is better for her, Ibrance or Verzenio? "
     "Which one would you pick?", ("Palbociclib (Ibrance)", "Abemaciclib (Verzenio)")),
])
def test_advice_between_named_drugs_quotes_what_the_page_says_of_each(
        assistant, question: str, drugs: tuple[str, ...]) -> None:  # noqa: ANN001
    answer = assistant.ask(question)
    assert answer.kind == "personal_advice"
    quoted = " ".join(q.text for q in answer.quotes)
    assert all(drug in quoted for drug in drugs)


@pytest.mark.parametrize("question", [
    "does herceptin cure it?", "can stage 4 be cured?",
    "then whats the point of treatment at all? and how long can it work for"])
def test_asked_about_cure_the_page_says_it_controls_and_does_not_cure(
        assistant, question: str) -> None:  # noqa: ANN001
    answer = assistant.ask(question)
    assert answer.kind == "answer"
    assert any(q.text.startswith("Treatments cannot completely cure metastatic breast cancer")
               for q in answer.quotes)


def test_a_drug_asked_by_its_brands_gets_every_place_the_page_offers_it(
        assistant) -> None:  # noqa: ANN001
    answer = assistant.ask("Nolvadex / Tamofen — who is that offered to with stage 4?")
    quoted = " ".join(q.text for q in answer.quotes)
    assert "they may be offered tamoxifen (Nolvadex, Tamofen)" in quoted  # after menopause
    assert "may be offered tamoxifen alone" in quoted  # before menopause


@pytest.mark.parametrize("question, written", [
    ("what does ER+ stand for on my report", "estrogen receptor-positive (ER+)"),
    ("what is FSH short for?", "follicle-stimulating hormone (FSH)"),
])
def test_an_abbreviation_asked_what_it_stands_for_gets_where_the_page_writes_it_out(
        assistant, question: str, written: str) -> None:  # noqa: ANN001
    answer = assistant.ask(question)
    assert answer.kind == "answer"
    assert any(written in q.text for q in answer.quotes)
