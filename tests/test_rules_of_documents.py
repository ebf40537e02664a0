"""v18's rule `documents_named_with_parties`: a sentence that signs a document it names with
parties no agreement of step 1 has ("the Cooperation Agreement among A, B and C") is asked
about in the `sentences` step. The articles are made up for the rule, not taken from the gold
set; the replies are scripted to drive the code."""

from __future__ import annotations

from typing import Any

import pytest

from agreement_llm import extract_with_details
from agreement_llm.config import OutputStyle
from agreement_llm.documents import document_parties, names_new_parties
from agreement_llm.recipes import unreported
from agreement_llm.rules import sentences
from agreement_llm.steps import AgreementsAnswer
from tests.fakes import Script
from tests.test_recipes import FAST, _endpoint, _reply
from tests.test_rules_of_people_and_dates import _agreements, _answer

ARTICLE = """Harbour Group signs with Alpha Oil

On May 3, Harbour Group and Alpha Oil entered into a strategic cooperation agreement in Seaport.
The chairmen of both groups attended the signing ceremony.
With the witness of leaders from both groups, Li Wei, Wu Bo and Sun Zhe signed the Cooperation \
Agreement among Alpha Gas Company, Beta Shipping Corporation and Gamma Energy Limited.
The three parties will cooperate on natural gas.
"""
FIRST = ARTICLE.splitlines()[2]
NAMED = ARTICLE.splitlines()[4]


@pytest.mark.parametrize(
    ("sentence", "parties"),
    [
        (NAMED, ["Alpha Gas Company", "Beta Shipping Corporation", "Gamma Energy Limited"]),
        (
            "They signed the Agreement among Alpha Gas Co., Ltd. and Gamma Energy Limited.",
            ["Alpha Gas Co.", "Gamma Energy Limited"],
        ),
        (
            "A and B signed an agreement between Alpha Port and Beta Port on Monday.",
            ["Alpha Port", "Beta Port"],
        ),
        (
            "They signed a memorandum between Alpha Port and the Beta City Government.",
            ["Alpha Port", "Beta City Government"],
        ),
        ("Harbour Group signed a cooperation agreement with Alpha Oil.", []),  # no among/between
        ("The agreement was signed by both sides.", []),
    ],
)
def test_the_parties_a_sentence_names_for_its_document(sentence: str, parties: list[str]) -> None:
    assert document_parties(sentence) == parties


def test_a_document_with_parties_none_of_the_agreements_has_is_another() -> None:
    assert names_new_parties(NAMED, ["Harbour Group", "Alpha Oil"])
    # parties already known (in any of their written forms): the same document
    known = ["Alpha Gas Company", "Beta Shipping Corporation", "Gamma Energy"]
    assert not names_new_parties(NAMED, known)
    # no signing: a document spoken of, not signed
    assert not names_new_parties(
        "They discussed the Agreement among Alpha Gas Company and Beta Shipping.", []
    )


def test_the_sentence_of_a_named_document_is_asked_only_with_the_rule() -> None:
    found = AgreementsAnswer.model_validate(
        {"agreements": [_answer(FIRST, "Harbour Group", "Alpha Oil")]}
    )
    assert unreported(ARTICLE, found) == []
    assert unreported(ARTICLE, found, named=True) == [NAMED]
    # once step 1 has that document, its sentence is not asked again
    both = _agreements(
        _answer(FIRST, "Harbour Group", "Alpha Oil"),
        _answer(NAMED, "Alpha Gas Company", "Beta Shipping", "Gamma Energy Limited"),
    )
    assert unreported(ARTICLE, both, named=True) == []


def _reply_for(evidence: str, *parties: str) -> dict[str, Any]:
    return {"agreements": [_answer(evidence, *parties)]}


def test_v18_asks_about_the_named_document_and_v17_does_not() -> None:
    style = OutputStyle.json_object_schema
    first = _reply(style, "AgreementsAnswer", _reply_for(FIRST, "Harbour Group", "Alpha Oil"))
    named = _reply_for(NAMED, "Alpha Gas Company", "Beta Shipping Corporation", "Gamma Energy")
    people = _reply(style, "PeopleAnswer", {"people": []})
    script = Script(first, _reply(style, "AgreementsAnswer", named), people)
    result = extract_with_details(
        ARTICLE, prompt="v18", endpoint=_endpoint(style), client=script.client(), retry=FAST
    )
    assert [a.step for a in result.attempts] == ["agreements", "sentences", "people"]
    assert NAMED in script.requests[1]["messages"][-1]["content"]
    assert [[p.name for p in a.parties] for a in result.record.agreements] == [
        ["Harbour Group", "Alpha Oil"],
        ["Alpha Gas Company", "Beta Shipping Corporation", "Gamma Energy"],
    ]
    assert result.record.agreements[1].evidence == NAMED
    script = Script(first, people)
    result = extract_with_details(
        ARTICLE, prompt="v17", endpoint=_endpoint(style), client=script.client(), retry=FAST
    )
    assert [a.step for a in result.attempts] == ["agreements", "people"]
    assert len(result.record.agreements) == 1


ABBREVIATED = (
    "Harbour Group and Beta Shipping Co., Ltd. signed a memorandum. Gao Yu of No. 4 Bureau, "
    "Li Wei and others attended, etc. since the talks began.\nThe Mr. Sun spoke."
)


def test_sentences_past_abbreviations() -> None:
    """v20's rule `sentences_past_abbreviations`: a full stop that ends an abbreviation or is
    followed by a lower-case word ends no sentence (a newline always does)."""
    assert sentences(ABBREVIATED, past_abbreviations=True) == [
        "Harbour Group and Beta Shipping Co., Ltd. signed a memorandum.",
        "Gao Yu of No. 4 Bureau, Li Wei and others attended, etc. since the talks began.",
    ]  # "The Mr. Sun spoke." is too short to be a sentence of the article
    cut = sentences(ABBREVIATED)  # without the rule: cut after "Ltd." and "etc."
    assert cut[0] == "Harbour Group and Beta Shipping Co., Ltd."


def test_the_sentence_asked_about_is_whole_with_v20() -> None:
    text = ARTICLE.replace("Beta Shipping Corporation", "Beta Shipping Co., Ltd.")
    found = AgreementsAnswer.model_validate(
        {"agreements": [_answer(FIRST, "Harbour Group", "Alpha Oil")]}
    )
    whole = NAMED.replace("Beta Shipping Corporation", "Beta Shipping Co., Ltd.")
    assert unreported(text, found, named=True, whole=True) == [whole]
    assert unreported(text, found, named=True) != [whole]  # cut after "Ltd."
