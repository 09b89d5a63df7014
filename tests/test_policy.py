"""The policy as readable rules (assistant/data/policy.yaml): every rule's examples are decided
by that rule and its counterexamples by another, through Assistant.explain; the file is checked
when it loads; and the decided kind is the kind of the Answer."""

from __future__ import annotations

import pytest

from assistant.policy import Facts, rules

EXAMPLES = [(r.name, text) for r in rules() for text in r.examples]
COUNTEREXAMPLES = [(r.name, text) for r in rules() for text in r.counterexamples]
KINDS = {r.name: r.then for r in rules()}


def test_the_rules_read_only_known_facts_and_end_with_a_rule_that_always_holds() -> None:
    names = [r.name for r in rules()]
    assert len(names) == len(set(names))
    assert all(fact in Facts.NAMES for r in rules() for alt in r.when for fact, _ in alt)
    assert rules()[-1].when == ((),)  # nothing falls through unnamed
    # an answer needs evidence: the rule that answers asks for quotes
    answer = next(r for r in rules() if r.then == "answer")
    assert all(("quotes_found", True) in alt for alt in answer.when)


@pytest.mark.parametrize("rule, text", EXAMPLES)
def test_each_rule_decides_its_examples(assistant, rule: str, text: str) -> None:  # noqa: ANN001
    assert assistant.explain(text)["rule"] == rule


@pytest.mark.parametrize("rule, text", COUNTEREXAMPLES)
def test_no_rule_decides_its_counterexamples(assistant, rule: str,  # noqa: ANN001
                                             text: str) -> None:
    assert assistant.explain(text)["rule"] != rule


@pytest.mark.parametrize("rule, text", EXAMPLES[::3])
def test_the_answer_has_the_kind_its_rule_gives(assistant, rule: str,  # noqa: ANN001
                                                text: str) -> None:
    answer = assistant.ask(text)
    assert answer.kind == KINDS[rule] or answer.parts and any(
        p.kind == KINDS[rule] for p in answer.parts)


def test_explain_names_the_facts_it_read(assistant) -> None:  # noqa: ANN001
    found = assistant.explain("what are the side effects of capecitabine?")
    assert found["rule"] == "an_attribute_the_quotes_do_not_carry"
    assert found["facts"]["attribute_not_carried"] is True
    assert found["facts"]["names_a_page_drug"] is True
    assert assistant.explain("i can't breathe and my lips are blue")["rule"] == "emergency"
