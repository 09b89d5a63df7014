"""The page's facets (assistant/facets.py): each unit tagged from its own words and what it
belongs to, and questions over the whole page answered with every unit that has what they ask,
through the model and through Assistant.ask."""

from __future__ import annotations

import pytest

from assistant.facets import FacetModel, asked_for, asks_list, facets_of


@pytest.fixture(scope="module")
def model(assistant) -> FacetModel:  # noqa: ANN001
    doc = next(iter(assistant.documents.values()))
    return FacetModel.build(doc, assistant.lexicon.drug_names)


def _unit(model: FacetModel, starts: str):  # noqa: ANN202
    return next(u for u in model.doc.units if u.text.startswith(starts))


def test_a_sentence_inherits_the_status_of_its_paragraph_and_heading(model: FacetModel) -> None:
    # "It is usually added to chemotherapy." names no status: its paragraph is about
    # trastuzumab for HER2-positive cancer, under the heading "Targeted therapy"
    tags = model.tags[_unit(model, "It is usually added to chemotherapy").index]
    assert {"her2_positive", "targeted", "combined", "chemotherapy"} <= tags
    assert "her2_negative" not in tags
    # the tamoxifen sentence is under "Hormonal therapy for post-menopausal women"
    tamoxifen = model.tags[_unit(model, "If they do not want to or can").index]
    assert {"postmenopausal", "hormonal"} <= tamoxifen and "premenopausal" not in tamoxifen


def test_a_list_item_is_read_with_its_lead_in_not_with_the_item_before_it(
        model: FacetModel) -> None:
    fulvestrant = model.tags[_unit(model, "with fulvestrant").index]
    assert {"combined", "fulvestrant", "by_mouth", "her2_negative", "targeted"} <= fulvestrant
    # the item before it is for post-menopausal women; this one says nothing of menopause
    assert "postmenopausal" not in fulvestrant


@pytest.mark.parametrize("question, is_list", [
    ("which drugs are given for HER2-positive cancer", True),
    ("list every treatment for post-menopausal women", True),
    ("what targeted drugs are there", True),
    ("what is herceptin", False),
    ("how is olaparib taken", False),
])
def test_a_list_is_asked_by_enumeration_or_which_before_a_treatment_word(
        question: str, is_list: bool) -> None:
    assert asks_list(question) is is_list


def test_lay_words_name_the_same_facets_as_the_page() -> None:
    assert {"hr_positive", "postmenopausal"} <= facets_of(
        "her cancer feeds off hormones and she went through menopause")
    assert facets_of("her2+") == facets_of("HER2-positive") == {"her2_positive"}


def test_every_drug_for_a_status_and_none_for_the_opposite(assistant) -> None:  # noqa: ANN001
    answer = assistant.ask("For HER2 positive metastatic breast cancer, what targeted drugs are "
                           "on this page?")
    assert answer.kind == "answer"
    quoted = " ".join(q.text for q in answer.quotes)
    assert "Trastuzumab (Herceptin)" in quoted and "Pertuzumab (Perjeta)" in quoted
    for drug in ("Palbociclib", "Abemaciclib", "Olaparib"):  # HER2-negative only
        assert drug not in quoted


def test_every_treatment_for_post_menopausal_women(assistant) -> None:  # noqa: ANN001
    answer = assistant.ask("Go through the whole page and tell me every treatment it mentions "
                           "for post-menopausal women.")
    quoted = " ".join(q.text for q in answer.quotes)
    for name in ("aromatase inhibitor", "tamoxifen", "Palbociclib", "Abemaciclib"):
        assert name in quoted
    assert "premenopausal" not in quoted.lower()


def test_a_lead_in_chosen_for_a_list_comes_with_its_items(assistant) -> None:  # noqa: ANN001
    answer = assistant.ask("which of the targeted therapies are pills?")
    quoted = " ".join(q.text for q in answer.quotes)
    assert "taken as pill daily" in quoted and "Olaparib is usually taken by mouth" in quoted
    assert not any(q.text.rstrip().endswith(":") for q in answer.quotes)


def test_a_part_about_the_list_before_it_is_answered_from_that_list(assistant) -> None:  # noqa: ANN001
    answer = assistant.ask("For HER2 positive cancer what targeted drugs are on this page, and "
                           "which one of them is combined with docetaxel?")
    assert [p.kind for p in answer.parts] == ["answer", "answer"]
    second = " ".join(answer.quotes[i].text for i in answer.parts[1].quotes)
    assert "combined with trastuzumab and docetaxel" in second
    # from the list it leans on, not the chemotherapy section's "docetaxel (Taxotere)"
    assert all(answer.quotes[i].section.endswith("Targeted therapy")
               for i in answer.parts[1].quotes)


@pytest.mark.parametrize("question, facet", [
    ("who gets chemotherapy?", "indication"),
    ("what kind of cancer is herceptin for?", "indication"),
    ("what if she doesn't want ovarian suppression?", "alternative"),
    ("is there another option if I can't take an aromatase inhibitor", "alternative"),
    ("should she quit the capecitabine?", "course"),
    ("her herceptin stopped working, what now?", "course"),
])
def test_a_question_asks_for_a_kind_of_statement(question: str, facet: str) -> None:
    assert facet in asked_for(question)
    assert not asked_for("how is olaparib taken")


@pytest.mark.parametrize("question, expected", [
    # the sentence that says whom chemotherapy is for, not the best match for its words
    ("Who gets chemotherapy for metastatic breast cancer?",
     "Chemotherapy is given for hormone receptor–negative stage 4 breast cancer."),
    ("hormone therapy vs chemo: when is each one used?",
     "Chemotherapy is given for hormone receptor–negative stage 4 breast cancer."),
    ("what's the alternative if I don't want ovarian suppression?",
     "may be offered tamoxifen alone"),
])
def test_what_a_treatment_is_for_and_its_alternative(assistant, question: str,  # noqa: ANN001
                                                     expected: str) -> None:
    answer = assistant.ask(question)
    assert answer.kind == "answer"
    assert expected in " ".join(q.text for q in answer.quotes)


def test_every_place_the_page_names_a_drug(assistant) -> None:  # noqa: ANN001
    answer = assistant.ask("where all does docetaxel show up on the page?")
    quoted = [q.text for q in answer.quotes]
    joined = " ".join(quoted)
    # the single-drug list, the combinations and pertuzumab's sentence: each place, with the
    # lead-in of its list and the sentence it leans on, not the whole lists
    assert "docetaxel (Taxotere)" in joined and "docetaxel and capecitabine" in joined
    assert "It is combined with trastuzumab and docetaxel" in joined
    assert "Pertuzumab (Perjeta) may be used" in joined
    assert "gemcitabine (Gemzar)" not in joined
    # a brand name is its drug
    herceptin = " ".join(q.text for q in assistant.ask("where is Herceptin on the page?").quotes)
    assert "who have not had trastuzumab or chemotherapy" in herceptin


def test_every_one_asked_for_lifts_the_cap_of_a_list(assistant) -> None:  # noqa: ANN001
    quoted = " ".join(q.text for q in assistant.ask(
        "Name every targeted therapy drug on the page.").quotes)
    for drug in ("Trastuzumab", "Pertuzumab", "Palbociclib", "Abemaciclib", "Olaparib"):
        assert drug in quoted


def test_where_it_has_spread_is_a_status_the_question_states(assistant) -> None:  # noqa: ANN001
    answer = assistant.ask("it's gone to her liver but isn't causing any problems. is that "
                           "hormone pills or chemo?")
    assert "internal organs" in " ".join(q.text for q in answer.quotes)


@pytest.mark.parametrize("question, expected", [
    # Quebec French read as standard French, and "I don't want" as the alternative it asks for
    ("chu pré-ménopausée pis je veux pas d'ablation des ovaires, y'a-tu une autre option "
     "d'hormonothérapie?", "may be offered tamoxifen alone"),
    ("soy premenopáusica y no quiero la supresión ovárica, ¿hay otra opción?",
     "may be offered tamoxifen alone"),
])
def test_the_alternative_asked_in_french_and_spanish(assistant, question: str,  # noqa: ANN001
                                                     expected: str) -> None:
    assert expected in " ".join(q.text for q in assistant.ask(question).quotes)



def test_the_line_of_treatment_asked_for_narrows_the_list(assistant) -> None:  # noqa: ANN001
    # asked for: only the drugs the page gives to women who have not had chemotherapy
    answer = assistant.ask("which drugs does the page say are for women who have NOT already "
                           "had trastuzumab or chemo?")
    quoted = " ".join(q.text for q in answer.quotes)
    assert "Pertuzumab (Perjeta)" in quoted and "Palbociclib (Ibrance)" in quoted
    assert "Olaparib" not in quoted  # for those who have already had chemotherapy
    # the other way: after chemotherapy
    answer = assistant.ask("which drugs on the page can only be used after chemo has already "
                           "been tried?")
    quoted = " ".join(q.text for q in answer.quotes)
    assert "Olaparib" in quoted and "at least 2 chemotherapy regimens" in quoted
    assert "Pertuzumab" not in quoted


def test_a_stated_line_of_treatment_drops_only_the_opposite(model: FacetModel) -> None:
    # stated outside the words that ask, "never had chemo" keeps a drug the page gives with no
    # word of chemotherapy (abemaciclib with an aromatase inhibitor) and drops olaparib
    units = model.select("post-menopausal, ER+ HER2-negative, never had chemo. which targeted "
                         "drugs could go along with her hormone pill")
    texts = " ".join(u.text for u in units)
    assert "with an aromatase inhibitor for post-menopausal women" in texts
    assert "Olaparib" not in texts


def test_a_drug_alone_and_both_sides_of_a_pair(model: FacetModel, assistant) -> None:  # noqa: ANN001
    assert "alone" in facets_of("which targeted pill could be used on its own")
    assert "alone" not in facets_of("give me every single drug this page lists")
    answer = assistant.ask("HR+ HER2 neg, it progressed on hormone therapy and i've had 2 chemo "
                           "regimens so far. which targeted pill could be used on its own")
    assert "alone if the disease progresses" in " ".join(q.text for q in answer.quotes)
    # naming both the single drugs and the combinations narrows the list by neither
    both = "list every targeted drug given alone or in combination"
    assert {"alone", "combined"} <= facets_of(both)
    every = model.select(both)
    assert every == model.select("list every targeted drug")
    assert "Olaparib (Lynparza)" in " ".join(u.text for u in every)  # given neither way


@pytest.mark.parametrize("question", [
    "What single chemotherapy drugs can be used for stage 4 breast cancer?",
    "¿Qué quimioterapias se usan solas para el cáncer de mama metastásico?",
])
def test_a_list_asked_by_its_facets_is_quoted_whole(assistant, question: str) -> None:  # noqa: ANN001
    # most of what has the facets asked (alone, chemotherapy) is one list of the page: all of
    # its twelve items, not the six-treatment cap, and not a targeted drug given by itself
    quoted = " ".join(q.text for q in assistant.ask(question).quotes)
    for drug in ("pegylated liposomal doxorubicin", "nab-paclitaxel", "vinorelbine", "cisplatin",
                 "epirubicin (Pharmorubicin)"):
        assert drug in quoted
    assert "Trastuzumab" not in quoted and "Abemaciclib" not in quoted


@pytest.mark.parametrize("question, members, others", [
    ("which combos include cyclophosphamide?",
     ["CAF (or FAC)", "CEF (or FEC)", "AC – doxorubicin", "EC – epirubicin"],
     ["docetaxel and capecitabine", "gemcitabine and carboplatin"]),
    ("what chemotherapy combinations use paclitaxel",
     ["gemcitabine and paclitaxel"], ["AC – doxorubicin", "gemcitabine and carboplatin"]),
])
def test_the_items_of_a_named_list_that_hold_a_drug(assistant, question: str,  # noqa: ANN001
                                                    members: list[str],
                                                    others: list[str]) -> None:
    """A list whose lead-in names what its items are ("The following combinations of
    chemotherapy drugs ..."), asked which of them hold a drug: those items, with the lead-in,
    and not the others."""
    answer = assistant.ask(question)
    quoted = "\n".join(q.text for q in answer.quotes)
    assert "The following combinations of chemotherapy drugs" in quoted
    assert all(m in quoted for m in members), quoted
    assert not any(o in quoted for o in others), quoted


def test_a_lead_in_about_its_own_subject_names_no_list(model: FacetModel) -> None:
    """'It is taken as pill daily and may be given:' is about abemaciclib, not a list of
    pills: 'which treatments are pills' is answered by every unit that says so."""
    chosen = model.select("which of the treatments on the page are pills?")
    texts = " ".join(u.text for u in chosen)
    assert "Olaparib is usually taken by mouth." in texts


@pytest.mark.parametrize("question", [
    "how can the doctors tell if my mum is past the change now?",
    "my periods stopped during chemo - how would they check whether i'm post-menopausal?",
])
def test_how_a_status_is_found_out_is_the_pages_blood_tests(assistant,  # noqa: ANN001
                                                             question: str) -> None:
    answer = assistant.ask(question)
    assert answer.kind == "answer"
    quoted = " ".join(q.text for q in answer.quotes)
    assert "may do blood tests to see if you are now in menopause" in quoted
    # the passage is read to its end before any other
    assert "Low estrogen and high FSH levels in your blood mean you are in menopause." in quoted


def test_how_a_treatment_is_checked_is_still_not_covered(assistant) -> None:  # noqa: ANN001
    """The page's blood tests tell whether someone has reached menopause, nothing else."""
    answer = assistant.ask("how do the doctors tell if the letrozole is working? blood tests?")
    assert answer.kind == "not_in_document"


def test_every_reason_the_page_gives_quotes_each_reason(assistant) -> None:  # noqa: ANN001
    """A kind of statement asked every one of ("every reason ... for stopping treatment"): the
    passage that gives the reason is quoted even when it shares no other word to cover."""
    answer = assistant.ask("list all the reasons the page gives for moving to another treatment "
                           "or for stopping treatment altogether")
    quoted = " ".join(q.text for q in answer.quotes)
    assert "side effects that are hard to cope with" in quoted, quoted


@pytest.mark.parametrize("question, covered", [
    ("which medicines on the page are taken by mouth, and who are they for?", True),
    ("which drugs are given as an injection?", False),
])
def test_how_drugs_are_given_asked_as_a_list(assistant, question: str,  # noqa: ANN001
                                             covered: bool) -> None:
    """A list asked by how drugs are given is carried by the list's passages ("Olaparib is
    usually taken by mouth."); how the page gives no drug (injections) stays not covered."""
    answer = assistant.ask(question)
    quoted = " ".join(q.text for q in answer.quotes)
    if covered:
        assert answer.kind == "answer"
        assert "Olaparib is usually taken by mouth." in quoted, quoted
    else:
        assert answer.kind == "not_in_document"


@pytest.mark.parametrize("question, expected", [
    ("her cancer isn't the kind that feeds on hormones", {"hr_negative"}),
    ("it is not HER2-positive", {"her2_negative"}),
    ("she feels totally fine, no headaches", {"asymptomatic"}),
    ("what if she gets symptoms?", {"symptomatic"}),
    ("is it used if she hasn't reached menopause?", {"premenopausal"}),
    ("how do they test if she has become post-menopausal?", set()),
])
def test_the_statuses_a_question_states(question: str, expected: set[str]) -> None:
    """A status said not to hold is its opposite; "what if" and a condition suppose what they
    name; "test if" asks whether, and states nothing."""
    from assistant.facets import statuses

    assert statuses(question) == expected


def test_a_definition_asked_mid_sentence_quotes_the_headwords_own_definition(assistant) -> None:  # noqa: ANN001
    answer = assistant.ask("How does the page define menopause?")
    assert answer.kind == "answer"
    first = answer.quotes[0].text
    assert "has not had a menstrual period for 12 months" in first, first


def test_statuses_the_page_never_tells_together_each_get_their_treatments(assistant) -> None:  # noqa: ANN001
    """Hormone receptor-positive and HER2-positive, in the liver and causing symptoms: the
    page tells the first with where it has spread and the symptoms, the second alone."""
    answer = assistant.ask("She is ER positive and HER2 positive, it is in her liver and causing "
                           "symptoms. Which treatments on the page apply?")
    quoted = " ".join(q.text for q in answer.quotes)
    assert "Trastuzumab (Herceptin) is given for stage 4 HER2-positive" in quoted, quoted
    assert "internal organs and is causing symptoms" in quoted, quoted


@pytest.mark.parametrize("question", [
    "Palbociclib goes with an aromatase inhibitor. Which aromatase inhibitors does the page name?",
    # the names of a class's members asked for ("the brand names of those ...")
    "Abemaciclib can be paired with an aromatase inhibitor for post-menopausal women - what are "
    "the brand names of those aromatase inhibitors?",
])
def test_a_class_of_drugs_asked_for_is_answered_by_the_passage_naming_its_members(  # noqa: ANN001
        assistant, question: str) -> None:
    answer = assistant.ask(question)
    quoted = " ".join(q.text for q in answer.quotes)
    assert all(d in quoted for d in ("letrozole", "anastrozole", "exemestane")), quoted


def test_not_being_able_to_handle_a_drug_asks_for_the_alternative() -> None:
    from assistant.facets import asked_for

    assert "alternative" in asked_for("what if she can't handle aromatase inhibitors?")


def test_a_womans_age_outside_the_pages_span_of_menopause_ages_is_her_status(
        assistant) -> None:  # noqa: ANN001
    # the span is the page's own: "Most women start menopause between 45 and 55 years of age."
    doc = next(iter(assistant.documents.values()))
    assert "Most women start menopause between 45 and 55 years of age." in doc.text
    assert "postmenopausal" in facets_of("my mum is 74 and it's the hormone kind")
    assert "premenopausal" in facets_of("my wife is 39, her cancer feeds off estrogen")
    assert not facets_of("i'm 50 and not sure") & {"premenopausal", "postmenopausal"}
    assert not facets_of("she takes 60 mg") & {"premenopausal", "postmenopausal"}
    # words that name a status outweigh the age ("38 and already through menopause")
    assert facets_of("she's 38 and went through menopause") & {
        "premenopausal", "postmenopausal"} == {"postmenopausal"}
    answer = assistant.ask("mom is 70, her breast cancer went into her bones and the doctor says "
                           "it's the hormone kind. what pills would they give her?")
    quoted = " ".join(q.text for q in answer.quotes)
    assert "aromatase inhibitor" in quoted
    assert "Premenopausal women" not in quoted


def test_a_blood_level_the_page_says_means_menopause_is_her_status(assistant) -> None:  # noqa: ANN001
    # the page's own sentence: "Low estrogen and high FSH levels in your blood mean you are in
    # menopause."
    doc = next(iter(assistant.documents.values()))
    assert "Low estrogen and high FSH levels in your blood mean you are in menopause." in doc.text
    assert "postmenopausal" in facets_of("her bloodwork came back with high fsh")
    assert "postmenopausal" in facets_of("the estrogen was very low on the test")
    assert not facets_of("what does FSH stand for?") & {"premenopausal", "postmenopausal"}
    assert not facets_of("is estrogen high in young women?") & {"premenopausal",
                                                                "postmenopausal"}
    answer = assistant.ask("blood test showed low estrogen and high fsh, so which hormone "
                           "therapy would she get?")
    assert "aromatase inhibitor" in answer.quotes[0].text


def test_a_supposition_that_opens_the_message_holds_for_each_part(assistant) -> None:  # noqa: ANN001
    answer = assistant.ask("If HR-positive cancer has spread to the liver but isn't causing any "
                           "symptoms in a post-menopausal woman, which kind of treatment is "
                           "used and which drug class would it be?")
    assert len(answer.parts) == 2
    second = " ".join(answer.quotes[i].text for i in answer.parts[1].quotes)
    assert "aromatase inhibitor" in second
    # one that ends its own question holds for that question only
    answer = assistant.ask("On the menopause blood test, which hormone is high if you're in "
                           "menopause, and what gland makes it?")
    second = " ".join(answer.quotes[i].text for i in answer.parts[1].quotes)
    assert "pituitary gland" in second


@pytest.mark.parametrize("question", ["when is chemo used?", "what is letrozole for?",
                                      "what are the hormone pills for?"])
def test_a_question_naming_a_treatment_asks_what_it_asks_of_it(question: str) -> None:
    """"when is chemo used?" asks what "when is it used?" asks: what it is given for."""
    assert "indication" in asked_for(question, frozenset({"letrozole"}))
