"""The parts of a message (Answer.parts): each part answered by its own quotes or declared not
covered, one reply combining them, through Assistant.ask."""

from __future__ import annotations

import pytest

from assistant.models import Answer


def _doc_text(assistant, quote) -> str:  # noqa: ANN001
    return assistant.documents[quote.source].text[quote.start:quote.end]


def _check_contract(assistant, answer: Answer) -> None:  # noqa: ANN001
    """What every Answer's parts must hold, whatever the question."""
    assert answer.parts, "every answer has at least one part"
    for part in answer.parts:
        assert part.kind in ("answer", "not_in_document")
        assert all(0 <= i < len(answer.quotes) for i in part.quotes)
        if part.kind == "answer":
            assert part.quotes
    if any(p.kind == "answer" for p in answer.parts) and answer.kind != "emergency":
        assert answer.kind in ("answer", "personal_advice")
    for quote in answer.quotes:
        assert _doc_text(assistant, quote) == quote.text
    # the quotes appear in the text in the order of answer.quotes (the widget relies on it)
    positions = [answer.text.find(quote.text.split("\n")[0]) for quote in answer.quotes]
    assert all(p >= 0 for p in positions)
    assert positions == sorted(positions)


def _two_answered_parts(assistant, question: str) -> Answer:  # noqa: ANN001
    """The answer to a comparison: its contract holds and both sides are answered."""
    answer = assistant.ask(question)
    _check_contract(assistant, answer)
    assert [p.kind for p in answer.parts] == ["answer", "answer"], answer.parts
    return answer


@pytest.mark.parametrize("question, language", [
    ("What is Herceptin and when is it used?", "en"),
    ("What is the difference between hormonal therapy and chemotherapy?", "en"),
    ("Qu'est-ce que le létrozole et comment agit-il ?", "fr"),
    ("¿Qué es la quimioterapia y cuándo se da?", "es"),
])
def test_a_message_that_asks_two_things_gets_two_parts(assistant, question: str,
                                                        language: str) -> None:
    answer = assistant.ask(question)
    _check_contract(assistant, answer)
    assert answer.kind == "answer"
    assert answer.language == language
    assert len(answer.parts) == 2
    assert any(p.kind == "answer" for p in answer.parts)
    for part in answer.parts:  # each part is labelled in the reply, in the person's words
        assert f"**{part.question}**" in answer.text


def test_each_side_of_a_comparison_is_quoted(assistant) -> None:  # noqa: ANN001
    answer = assistant.ask("What is the difference between hormonal therapy and chemotherapy?")
    sides = [p for p in answer.parts if p.kind == "answer"]
    assert len(sides) == 2
    quoted = [" ".join(answer.quotes[i].text.lower() for i in p.quotes) for p in sides]
    assert "hormonal therapy" in quoted[0]
    assert "chemotherapy" in quoted[1]


def test_one_question_is_one_part(assistant) -> None:  # noqa: ANN001
    answer = assistant.ask("What is stage 4 breast cancer?")
    _check_contract(assistant, answer)
    assert len(answer.parts) == 1
    assert answer.parts[0].kind == "answer"
    assert answer.parts[0].quotes == list(range(len(answer.quotes)))
    assert "**" not in answer.text.split("\n\n")[1]  # no part labels for a single question


def test_a_part_the_page_does_not_cover_is_said_so_and_the_rest_is_answered(assistant) -> None:  # noqa: ANN001
    answer = assistant.ask("What dose of letrozole should I take, and what is an aromatase "
                           "inhibitor?")
    _check_contract(assistant, answer)
    assert answer.kind == "answer"
    kinds = [p.kind for p in answer.parts]
    assert kinds == ["not_in_document", "answer"]
    assert answer.parts[0].topic and "dose" in answer.parts[0].topic
    assert "does not cover" in answer.text
    assert any("aromatase inhibitor" in answer.quotes[i].text for i in answer.parts[1].quotes)


@pytest.mark.parametrize("question, first, second", [
    # a second side that is only the other word of time: the first side with it swapped
    ("How is hormone treatment different for women before menopause versus after?",
     "women before menopause", "women after menopause"),
    # a pronoun in the second side stands for what the first side was before or after
    ("How is hormonal therapy different for women after menopause versus women who haven't "
     "reached it yet?", "after menopause", "haven't reached menopause"),
    # a status and its opposite share what follows the second ("... vs positive stage 4")
    ("Hormone receptor negative vs positive stage 4: what treatment goes with each?",
     "Hormone receptor negative stage 4", "Hormone receptor positive stage 4"),
])
def test_the_second_side_of_a_comparison_is_written_out(  # noqa: ANN001
        assistant, question: str, first: str, second: str) -> None:
    answer = _two_answered_parts(assistant, question)
    assert first in answer.parts[0].question and second in answer.parts[1].question, \
        [p.question for p in answer.parts]
    assert "before after" not in answer.parts[1].question


@pytest.mark.parametrize("question, first, second", [
    ("Palbociclib vs abemaciclib — who is each one for?", "Palbociclib", "Abemaciclib"),
    ("How is hormonal therapy different before menopause versus after menopause?",
     "premenopausal", "post-menopausal"),
])
def test_each_side_of_a_comparison_is_asked_what_the_sentence_asks(  # noqa: ANN001
        assistant, question: str, first: str, second: str) -> None:
    answer = _two_answered_parts(assistant, question)
    for part, name in zip(answer.parts, (first, second), strict=True):
        assert any(name in answer.quotes[i].text for i in part.quotes), (part, name)


@pytest.mark.parametrize("question, covered, needle", [
    ("what is letrozole used for and what's the usual dose", 0, "letrozole"),
    ("is trastuzumab given with chemo, and does it damage the heart", 0, "added to chemotherapy"),
])
def test_the_same_subject_covered_in_one_part_and_not_in_the_other(  # noqa: ANN001
        assistant, question: str, covered: int, needle: str) -> None:
    """One uncovered part (a dose, a side effect) does not hide what the page says about the
    same drug in the other part."""
    answer = assistant.ask(question)
    _check_contract(assistant, answer)
    assert answer.kind == "answer"
    assert [p.kind for p in answer.parts][covered] == "answer"
    assert "not_in_document" in [p.kind for p in answer.parts]
    assert any(needle in answer.quotes[i].text for i in answer.parts[covered].quotes)
    assert "does not cover" in answer.text


def test_each_question_of_a_comparison_is_asked_of_each_side(assistant) -> None:  # noqa: ANN001
    answer = assistant.ask("palbociclib vs abemaciclib - who gets which, and how are they taken")
    _check_contract(assistant, answer)
    assert len(answer.parts) == 4
    assert answer.kind == "answer"
    who = answer.parts[:2]
    for part, name in zip(who, ("Palbociclib", "Abemaciclib"), strict=True):
        assert part.kind == "answer"
        assert any(name in answer.quotes[i].text for i in part.quotes)


@pytest.mark.parametrize("question, needles", [
    # the sentences leaning on the drug's own sentence come with it
    ("what is pertuzumab used for and what is it given together with",
     ["not had trastuzumab", "combined with trastuzumab and docetaxel"]),
    # every list that names it: alone and in a combination
    ("what is xeloda and is it given alone or in a combination",
     ["capecitabine (Xeloda)", "docetaxel and capecitabine"]),
])
def test_a_question_about_one_drug_quotes_where_the_page_makes_it_the_subject(  # noqa: ANN001
        assistant, question: str, needles: list[str]) -> None:
    answer = assistant.ask(question)
    _check_contract(assistant, answer)
    quoted = " ".join(q.text for q in answer.quotes)
    for needle in needles:
        assert needle in quoted


def test_a_part_that_leans_on_an_uncovered_part_is_not_covered_either(assistant) -> None:  # noqa: ANN001
    answer = assistant.ask("What is Trodelvy and is it given for triple negative stage 4?")
    _check_contract(assistant, answer)
    assert answer.kind == "not_in_document"
    assert [p.kind for p in answer.parts] == ["not_in_document", "not_in_document"]


@pytest.mark.parametrize("question, answered, expected", [
    # what is not covered is an attribute of a drug the page has: what the next part asks of
    # that drug is still answered
    ("how often do you get Herceptin? and who is it for?", 1,
     "Trastuzumab (Herceptin) is given for stage 4 HER2-positive breast cancer."),
    # a part that names its own subject stands on its own
    ("what is perimenopause, and what is premenopause?", 1, "Glossary > premenopause"),
])
def test_a_part_after_an_uncovered_one_is_answered_when_it_can_be(  # noqa: ANN001
        assistant, question: str, answered: int, expected: str) -> None:
    answer = assistant.ask(question)
    assert answer.kind == "answer"
    assert answer.parts[0].kind == "not_in_document"
    part = answer.parts[answered]
    assert part.kind == "answer"
    assert any(expected in f"{answer.quotes[i].text} {answer.quotes[i].section}"
               for i in part.quotes)


def test_a_part_about_a_drug_the_page_lacks_stays_uncovered_whatever_else_it_names(  # noqa: ANN001
        assistant) -> None:
    answer = assistant.ask("What is everolimus, and when is it given with exemestane?")
    assert answer.kind == "not_in_document"
    assert all(p.kind == "not_in_document" for p in answer.parts)


def test_a_follow_up_part_is_read_with_the_part_before_it(assistant) -> None:  # noqa: ANN001
    answer = assistant.ask("What is Herceptin? And when is it used?")
    _check_contract(assistant, answer)
    assert len(answer.parts) == 2
    assert all(p.kind == "answer" for p in answer.parts)
    for part in answer.parts:
        assert any("Herceptin" in answer.quotes[i].text for i in part.quotes)


def test_an_emergency_still_comes_first_and_has_parts(assistant) -> None:  # noqa: ANN001
    answer = assistant.ask("I have a fever of 39 on chemo. What is Herceptin and how is it "
                           "given?")
    assert answer.kind == "emergency"
    assert answer.text.startswith("**")
    assert answer.parts
    assert all(0 <= i < len(answer.quotes) for p in answer.parts for i in p.quotes)


# -- overviews, from the page's structure ------------------------------------------------
def test_treatment_options_give_every_kind_of_treatment(assistant) -> None:  # noqa: ANN001
    from assistant.overview import treatment_sections

    doc = next(iter(assistant.documents.values()))
    answer = assistant.ask("What are the treatment options for stage 4 breast cancer?")
    assert answer.kind == "answer"
    quoted = {q.section.split(" > ")[0] for q in answer.quotes}
    assert {s.path for s in treatment_sections(doc)} <= quoted
    assert not any(q.text.rstrip().endswith(":") for q in answer.quotes)  # no bare lead-in


@pytest.mark.parametrize("question, section", [
    ("can you give me a summary of what the page says about targeted therapy",
     "Targeted therapy"),
    ("what does the page say about chemotherapy", "Chemotherapy"),
    ("Pouvez-vous résumer la partie sur la chimiothérapie ?", "Chemotherapy"),
])
def test_a_summary_quotes_the_sections_key_sentences(assistant, question: str,  # noqa: ANN001
                                                     section: str) -> None:
    answer = assistant.ask(question)
    _check_contract(assistant, answer)
    assert answer.kind == "answer"
    assert len(answer.quotes) >= 2
    assert all(q.section.startswith(section) for q in answer.quotes)
    for quote in answer.quotes:  # a list's lead-in comes with its items
        if quote.text.rstrip().endswith(":"):
            raise AssertionError(f"a lead-in without its list: {quote.text}")


@pytest.mark.parametrize("question, drug", [
    ("Is Kisqali on this list of treatments?", "Kisqali"),
    ("what does the page say about enhertu for her2 low", "enhertu"),
])
def test_an_overview_never_stands_in_for_a_drug_the_page_does_not_list(  # noqa: ANN001
        assistant, question: str, drug: str) -> None:
    answer = assistant.ask(question)
    _check_contract(assistant, answer)
    assert answer.kind == "not_in_document"
    assert drug.lower() in answer.text.lower() and "does not cover" in answer.text
    assert not any(drug.lower() in q.text.lower() for q in answer.quotes)


def test_options_narrowed_to_a_kind_of_cancer_are_searched_not_listed(assistant) -> None:  # noqa: ANN001
    answer = assistant.ask("what are the treatment options for HER2-positive stage 4?")
    assert answer.kind == "answer"
    assert any("HER2-positive" in q.text for q in answer.quotes)
    assert not any(q.section == "Clinical trials" for q in answer.quotes)


def test_a_lead_in_is_quoted_with_its_items(assistant) -> None:  # noqa: ANN001
    answer = assistant.ask("palbociclib vs abemaciclib, whats the difference in who gets them "
                           "and how?")
    quoted = " ".join(q.text for q in answer.quotes)
    assert "may be given:" in quoted
    assert "with fulvestrant (Faslodex) if the disease progresses" in quoted


def test_a_part_whose_passage_goes_beyond_an_earlier_quote_extends_it(assistant) -> None:  # noqa: ANN001
    history = [{"role": "user", "content": "what is herceptin for"},
               {"role": "assistant", "content": "Trastuzumab (Herceptin) is given for stage 4 "
                "HER2-positive breast cancer. It is usually added to chemotherapy."}]
    answer = assistant.ask("what if shes too weak for chemo? and then how long does she stay "
                           "on it", history)
    quoted = " ".join(q.text for q in answer.quotes)
    assert "not well enough to have chemotherapy" in quoted
    assert "usually continued until the breast cancer starts to grow again" in quoted


@pytest.mark.parametrize("question", [
    "difference between premenopause and post-menopause, and which one is ovarian "
    "suppression for?",
])
def test_a_question_after_the_sides_of_a_difference_is_a_part_of_its_own(question: str) -> None:
    from assistant.parts import split_parts

    labels = [p.label for p in split_parts(question)]
    assert labels[:2] == ["premenopause", "post-menopause"]
    assert labels[2].startswith("which one is ovarian suppression for")


@pytest.mark.parametrize("part, leans", [
    ("which HER2 drugs does it name?", False),  # "it" is the page
    ("what does it say about olaparib?", False),
    ("and is it given by mouth?", True),  # "it" is what the part before asked about
    ("are they taken daily?", True),
])
def test_it_doing_what_a_page_does_is_the_page(assistant, part: str, leans: bool) -> None:  # noqa: ANN001
    assistant.warm_up()
    assert assistant.condenser.leans(part) is leans


def test_a_part_asking_for_a_glossary_entrys_other_words_reads_the_entry_before_it(  # noqa: ANN001
        assistant) -> None:
    """'... and which related terms does it send you to?' names no subject: it asks about the
    entry the part before defined, and gets the entry's "See also" line (never quoted for a
    question that does not ask for it)."""
    answer = assistant.ask("What's the meaning of menopausal? And which related terms does the "
                           "glossary send you to?")
    _check_contract(assistant, answer)
    assert len(answer.parts) == 2
    second = [answer.quotes[i].text for i in answer.parts[1].quotes]
    assert any(q.startswith("See also premenopause") for q in second), second
    plain = assistant.ask("What does menopausal mean?")
    assert not any(q.text.startswith("See also") for q in plain.quotes)


@pytest.mark.parametrize("question", ["is there another name for menopause?",
                                      "what is menopause also called, in everyday words?"])
def test_another_name_for_a_headword_is_the_entrys_referred_to_line(assistant,  # noqa: ANN001
                                                                    question: str) -> None:
    answer = assistant.ask(question)
    assert answer.kind == "answer"
    assert "change of life" in answer.quotes[0].text


def test_a_longer_term_of_the_page_is_not_its_headword(assistant) -> None:  # noqa: ANN001
    """The page uses "treatment-induced menopause" in a sentence: asked what it means, that
    sentence answers, not the glossary's definition of menopause."""
    answer = assistant.ask("explain what treatment-induced menopause means")
    assert "cause treatment-induced menopause" in answer.quotes[0].text


@pytest.mark.parametrize("message, language", [
    ("Define post-menopausal, then list the hormonal therapy for post-menopausal women.", "en"),
    ("Définis post-ménopausée, puis dis-moi quelle hormonothérapie est prévue après la "
     "ménopause.", "fr"),
    ("Define postmenopáusica y luego dime qué terapia hormonal da después de la menopausia.",
     "es"),
])
def test_then_opens_a_part_of_its_own(message: str, language: str) -> None:
    from assistant.parts import split_parts

    assert len(split_parts(message, language)) == 2


def test_what_the_page_says_of_a_listed_drug_beside_an_unlisted_one(assistant) -> None:  # noqa: ANN001
    """'X and Y, are they covered, and what does it say?': the unlisted drug is declared not
    covered and what the page says of the listed one is still quoted."""
    answer = assistant.ask("a nurse mentioned Verzenio and Kisqali - does the page cover them, "
                           "and what does it say?")
    _check_contract(assistant, answer)
    assert answer.kind == "answer"
    assert any(p.kind == "not_in_document" for p in answer.parts)
    assert any("Abemaciclib (Verzenio)" in q.text for q in answer.quotes)


def test_which_her2_drugs_lists_the_her2_positive_treatments(assistant) -> None:  # noqa: ANN001
    """'HER2 drugs' in lay words are the page's drugs for HER2-positive cancer, a list asked
    however many words its status takes ('which her2 positive drugs')."""
    for question in ("which HER2 drugs are on this page?",
                     "which her2 positive medicines does it name?"):
        quoted = " ".join(q.text for q in assistant.ask(question).quotes)
        assert "Trastuzumab (Herceptin)" in quoted and "Pertuzumab (Perjeta)" in quoted, question


def test_a_difference_typed_fast_with_a_situation_after_it(assistant) -> None:  # noqa: ANN001
    """'diffrence between X and Y, my mom is 52': a side ends at the comma, and what follows it
    tells the situation, not a third thing to define."""
    answer = assistant.ask("whats the diffrence between premenopausal and postmenopausal, "
                           "my mom is 52")
    _check_contract(assistant, answer)
    quoted = [answer.quotes[i].text for p in answer.parts for i in p.quotes]
    assert "The time before menopause." in quoted and "The time after menopause." in quoted


def test_a_later_part_points_at_what_the_part_before_answered(assistant) -> None:  # noqa: ANN001
    """'is there something they can give her, and how long would she be on it?': "it" is the
    one treatment the first part's quotes name, not a word of its question."""
    answer = assistant.ask("she's her2 positive and far too frail for chemo. is there anything "
                           "they could give her, and how long does she stay on it?")
    _check_contract(assistant, answer)
    second = " ".join(answer.quotes[i].text for i in answer.parts[-1].quotes)
    assert "usually continued until the breast cancer starts to grow again" in second, second


@pytest.mark.parametrize("message", [
    "my sister says anastrozole is easier than letrozole. can i swap over on my own?",
    "could I just swap my Femara for Aromasin myself?",
])
def test_swapping_ones_own_drug_is_a_decision_for_the_team(assistant,  # noqa: ANN001
                                                            message: str) -> None:
    answer = assistant.ask(message)
    assert answer.kind == "personal_advice"
    assert any("aromatase inhibitor" in q.text for q in answer.quotes)


@pytest.mark.parametrize("message, language, written", [
    ("how do they find out whether she has gone through menopause, and if she has, what "
     "hormone treatment is used?", "en", "whether she has gone through menopause"),
    ("¿Cómo saben si ya estoy en la menopausia? Y si es así, ¿qué tratamiento me darían?", "es",
     "si ya estoy en la menopausia"),
])
def test_a_condition_that_points_back_is_written_out(message: str, language: str,
                                                     written: str) -> None:
    from assistant.parts import split_parts

    parts = split_parts(message, language)
    assert len(parts) == 2, parts
    assert written.split(" ", 1)[1] in parts[1].text, parts[1]


def test_a_part_that_supposes_what_the_part_before_asked_is_answered_for_it(assistant) -> None:  # noqa: ANN001
    """'... whether she has gone through menopause, and if she has, what hormone treatment is
    used?': the second part is about post-menopausal women."""
    answer = assistant.ask("how do they find out whether she has gone through menopause, and "
                           "if she has, what hormone treatment is used?")
    _check_contract(assistant, answer)
    second = " ".join(answer.quotes[i].text for i in answer.parts[-1].quotes)
    assert "post-menopausal women is an aromatase inhibitor" in second, second
    assert "ovarian ablation" not in second, second


def test_whether_it_is_causing_symptoms_decides_each_parts_passage(assistant) -> None:  # noqa: ANN001
    """How someone is doing lands on the right side of the page's 'is causing symptoms' /
    'isn't causing any symptoms', part by part."""
    answer = assistant.ask("Her cancer is hormone receptor positive and it's in her liver, but "
                           "she feels fine. What would be offered? And what if she starts "
                           "getting symptoms from it?")
    _check_contract(assistant, answer)
    first, second = (" ".join(answer.quotes[i].text for i in p.quotes) for p in answer.parts)
    assert "isn’t causing any symptoms" in first, first
    assert "internal organs and is causing symptoms" in second, second


def test_a_status_stated_in_one_part_holds_for_the_next(assistant) -> None:  # noqa: ANN001
    answer = assistant.ask("My mum's cancer is hormone receptor positive. When is hormone "
                           "therapy offered, and when is chemo offered instead?")
    _check_contract(assistant, answer)
    second = " ".join(answer.quotes[i].text for i in answer.parts[-1].quotes)
    assert "also offered for hormone receptor–positive breast cancer" in second, second


def test_each_side_of_a_difference_gets_the_passage_that_leads_with_it(assistant) -> None:  # noqa: ANN001
    answer = assistant.ask("How does treatment of hormone receptor-positive cancer differ from "
                           "hormone receptor-negative cancer?")
    _check_contract(assistant, answer)
    assert len(answer.parts) == 2
    first, second = (" ".join(answer.quotes[i].text for i in p.quotes) for p in answer.parts)
    assert "Hormonal therapy is offered for hormone receptor–positive" in first, first
    assert "Chemotherapy is given for hormone receptor–negative" in second, second


@pytest.mark.parametrize("message, language, labels", [
    ("What targeted options exist for HER2-positive versus HER2-negative stage 4 breast cancer?",
     "en", ["What targeted options exist for HER2-positive",
            "What targeted options exist for HER2-negative stage 4 breast cancer?"]),
    ("Pertuzumab can be given with trastuzumab - what else is it combined with, and for which "
     "women?", "en", None),
    ("¿Qué es el olaparib y para quién es?", "es", ["¿Qué es el olaparib", "para quién es?"]),
    ("Which treatment is used, and for a woman past menopause which drugs?", "en",
     ["Which treatment is used", "for a woman past menopause which drugs?"]),
    ("chemo before vs after surgery - what is the aim?", "en",
     ["chemo before surgery - what is the aim?", "chemo after surgery - what is the aim?"]),
    ("how do they test for menopause and if she is what pills would she get?", "en",
     ["how do they test for menopause", "if she is what pills would she get?"]),
    ("What's the difference between menopause, post-menopause and premenopause?", "en",
     ["menopause", "post-menopause", "premenopause"]),
])
def test_the_parts_a_sentence_asks(message: str, language: str, labels: list[str] | None) -> None:
    """A second side asked from the word it stands for; a question opened by a preposition;
    every term listed in "the difference between ..."."""
    from assistant.parts import split_parts

    parts = split_parts(message, language)
    if labels is None:
        assert len(parts) == 2 and parts[1].label == "for which women?", parts
    else:
        assert [p.label for p in parts] == labels


def test_each_term_of_a_difference_gets_its_own_definition(assistant) -> None:  # noqa: ANN001
    answer = assistant.ask("What's the difference between menopause, post-menopause and "
                           "premenopause?")
    _check_contract(assistant, answer)
    first = " ".join(answer.quotes[i].text for i in answer.parts[0].quotes)
    assert "has not had a menstrual period for 12 months" in first, first


@pytest.mark.parametrize("message, language, written", [
    ("Which targeted drugs are for HER2-positive cancer and which are for HER2-negative?", "en",
     "which targeted drugs are for HER2-negative?"),
    ("¿Qué fármacos dirigidos son para HER2 positivo y cuáles son para HER2 negativo?", "es",
     "cuáles fármacos dirigidos son para HER2 negativo?"),
])
def test_a_part_that_leaves_out_what_it_asks_about_takes_it_from_the_part_before(
        message: str, language: str, written: str) -> None:
    from assistant.parts import split_parts

    parts = split_parts(message, language)
    assert parts[-1].text == written, parts


def test_the_second_list_of_a_pair_of_lists_is_the_whole_list(assistant) -> None:  # noqa: ANN001
    answer = assistant.ask("Which targeted drugs are for HER2-positive cancer and which are for "
                           "HER2-negative?")
    _check_contract(assistant, answer)
    second = " ".join(answer.quotes[i].text for i in answer.parts[-1].quotes)
    assert "Palbociclib" in second and "Olaparib" in second, second


@pytest.mark.parametrize("message, second_has", [
    ("She is post-menopausal and hormone receptor positive, and it is only in her bones. What "
     "kind of treatment is offered, and which drugs?", "aromatase inhibitor"),
    ("Elle est HER2 positive. Quel traitement ciblé lui donne-t-on, et est-ce qu'il est ajouté à "
     "la chimio ?", "usually added to chemotherapy"),
])
def test_a_part_that_names_nothing_asks_about_what_the_part_before_answered(
        assistant, message: str, second_has: str) -> None:  # noqa: ANN001
    """"which drugs?" after a part answered by hormonal therapy asks for its drugs; "is it added
    to chemo?" after trastuzumab's passage asks about trastuzumab."""
    answer = assistant.ask(message)
    _check_contract(assistant, answer)
    assert len(answer.parts) == 2, answer.parts
    second = " ".join(answer.quotes[i].text for i in answer.parts[1].quotes)
    assert second_has in second, second


def test_list_items_named_by_their_label_are_quoted_alone_with_their_lead_in(assistant) -> None:  # noqa: ANN001
    """"FAC or EC": the page's labels for two combinations; each side gets its own item, and
    the other combinations are not quoted."""
    answer = assistant.ask("FAC or EC, which drugs does each one have?")
    _check_contract(assistant, answer)
    quoted = " ".join(q.text for q in answer.quotes)
    assert "cyclophosphamide, doxorubicin and 5-fluorouracil" in quoted, quoted
    assert "epirubicin and cyclophosphamide" in quoted, quoted
    assert "gemcitabine and carboplatin" not in quoted, quoted


@pytest.mark.parametrize("message, language", [
    ("what actually is FSH, and where is it made?", "en"),
    ("¿Qué es la FSH y de dónde viene?", "es"),
])
def test_a_glossary_headword_is_the_subject_of_the_part_after_it(assistant, message: str,  # noqa: ANN001
                                                                  language: str) -> None:
    """The glossary's headwords ("follicle-stimulating hormone (FSH)", by either name) are
    subjects a later part points back to: the definition first, then where it is made."""
    answer = assistant.ask(message)
    _check_contract(assistant, answer)
    assert answer.language == language
    first, second = (" ".join(answer.quotes[i].text for i in p.quotes) for p in answer.parts)
    assert "stimulates the ovaries to make eggs" in first, first
    assert "made by the pituitary gland" in second, second


def test_a_follow_up_points_back_at_a_glossary_headword(assistant) -> None:  # noqa: ANN001
    from assistant.models import ChatTurn

    answer = assistant.ask("and where does it come from?", history=[
        ChatTurn(role="user", content="what does FSH do?"),
        ChatTurn(role="assistant", content="A hormone that stimulates the ovaries to make eggs "
                                           "and the testicles to make sperm.")])
    assert answer.kind == "answer"
    assert any("pituitary gland" in q.text for q in answer.quotes), answer.text


def test_a_part_is_grounded_by_a_subject_of_the_page_it_names_in_lay_words(
        assistant) -> None:  # noqa: ANN001
    # "the breast cancer gene thing (BRCA)" is the page's BRCA gene mutation (olaparib's
    # passage), so that part stays answered beside a part the page does not cover
    answer = assistant.ask("is there a pill for the breast cancer gene thing (BRCA)? and does "
                           "it make your hair fall out")
    assert answer.kind == "answer"
    assert any(q.text.startswith("Olaparib (Lynparza)") for q in answer.quotes)
    assert "does not cover side effects" in answer.text


def test_a_part_is_answered_by_the_kind_of_statement_it_asks_for(assistant) -> None:  # noqa: ANN001
    """A part that names no subject but asks what the page states ("can it be cured?") is
    answered by the sentence that states it, even when the whole message reads as asking
    something the page does not cover."""
    answer = assistant.ask("can it be cured, and how long can it be kept under control?")
    _check_contract(assistant, answer)
    assert answer.kind == "answer"
    assert [p.kind for p in answer.parts] == ["answer", "answer"]
    assert "cannot completely cure" in answer.quotes[answer.parts[0].quotes[0]].text


def test_a_part_that_points_back_takes_the_subject_of_the_quote_nearest_the_part_before(  # noqa: ANN001
        assistant) -> None:
    """When the part before is answered by several passages, "it" is the subject of the one
    that says what that part asked (pertuzumab's coverage), not of the first quoted."""
    answer = assistant.ask("Which targeted drug on the page may not be covered by provincial "
                           "plans, and which two drugs is it combined with?")
    _check_contract(assistant, answer)
    second = " ".join(answer.quotes[i].text for i in answer.parts[1].quotes)
    assert "combined with trastuzumab and docetaxel" in second


@pytest.mark.parametrize("question, expected", [
    # the part before quotes several passages naming several treatments; "that drug" is the one
    # new thing named by the sentence that makes the kind of statement it asked for (who does
    # not want ovarian suppression is offered tamoxifen), not ovarian suppression, which the
    # question named itself
    ("A premenopausal woman won't have ovarian suppression: what hormone drug is offered, and "
     "what are that drug's brand names?", "tamoxifen (Nolvadex, Tamofen)"),
    # "it" is not what the part before ruled out ("instead of the hormone pills")
    ("what do they give instead of the hormone pills when the cancer is hormone receptor "
     "negative, and how long do they keep giving it?",
     "Chemotherapy is given as long as the cancer responds"),
    # a status told in another tense is the same status: "if symptoms started" names the page's
    # "is causing symptoms" (over the "no symptoms" the part before stated)
    ("HR+ cancer in the liver with no symptoms: what is offered, and would that change if "
     "symptoms started?", "is causing symptoms"),
    # a sentence that says "also" of the subject before it goes on with the quote: the second
    # side of "hormone therapy versus chemo" gets "It is also offered for ... internal organs
    # and is causing symptoms"
    ("When is hormone therapy used versus chemo for stage 4?", "is causing symptoms"),
], ids=["that-drug", "not-what-was-ruled-out", "status-in-another-tense", "also-goes-on"])
def test_the_second_part_is_answered_from_what_the_first_part_leads_to(  # noqa: ANN001
        assistant, question: str, expected: str) -> None:
    answer = _two_answered_parts(assistant, question)
    second = " ".join(answer.quotes[i].text for i in answer.parts[1].quotes)
    assert expected in second
