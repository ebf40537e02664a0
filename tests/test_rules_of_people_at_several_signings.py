"""v21's rules on people: `people_of_the_next_sentence` ("The document was signed by A and B"
right after an agreement's sentence names that agreement's people), `people_once` (a person
the people step gives twice sits once in each agreement) and `names_after_titles` (a title the
model gave as a person's name is the title of the name written after it). Each is compared
with and without its rule. The articles are made up for the rules, not taken from the gold
set."""

from __future__ import annotations

from typing import Any

import pytest

from agreement_llm.assembly import assemble
from agreement_llm.models import Role
from agreement_llm.persons import name_after, sentences_of
from agreement_llm.rules import sentences
from tests.test_rules_of_people_and_dates import _agreements, _answer, _people

ARTICLE = """Alpha Energy signs three memorandums in Harbour City

Alpha Energy signed three memorandums of understanding with partners in Harbour City on Monday.
A memorandum on offshore wind was signed by Li Wei, Director of Harbour Ports, and Maria Lopez.
A memorandum on solar power was signed by Wu Bo of Coastal Investment Company and Maria Lopez.
A memorandum on clean heating was also signed.
The document was signed by Chen Hao of the Harbour Heating Agency and Maria Lopez.
The ceremony was attended by Minister of Industry, Mines and Energy, Zhou Qi Ming and guests.
"""
LINES = ARTICLE.splitlines()
WIND, SOLAR, HEATING, AFTER = LINES[3], LINES[4], LINES[5], LINES[6]


def _three() -> list[dict[str, Any]]:
    return [
        _answer(WIND, "Harbour Ports", "Alpha Energy"),
        _answer(SOLAR, "Coastal Investment Company", "Alpha Energy"),
        _answer(HEATING, "Harbour Heating Agency", "Alpha Energy"),
    ]


def test_the_sentence_after_an_agreements_sentence_that_speaks_of_its_document() -> None:
    body = sentences(ARTICLE)
    assert sentences_of(HEATING, body) == [HEATING, AFTER]
    assert sentences_of(WIND, body) == [WIND]  # the next one is another document's
    assert sentences_of(HEATING, []) == [HEATING]
    # plural documents, or a sentence that does not open on the document, are not its
    told = ["A memorandum on heating was signed.", "The documents were signed by A and B."]
    assert sentences_of(told[0], told) == [told[0]]
    told = ["A memorandum on heating was signed.", "Later, the document was signed by A."]
    assert sentences_of(told[0], told) == [told[0]]
    told = ["A memorandum on heating was signed.", "It was signed by Chen Hao and Li Wei."]
    assert sentences_of(told[0], told) == told


def _names(rules: list[str]) -> list[list[str]]:
    people = _people(
        ("Li Wei", "Director of Harbour Ports", "signatory"),
        ("Maria Lopez", None, "signatory"),
        ("Wu Bo", None, "signatory"),
        ("Maria Lopez", None, "signatory"),
        ("Chen Hao", None, "signatory"),
    )
    record, _ = assemble(_agreements(*_three()), people, ARTICLE, rules, [WIND, SOLAR, HEATING])
    return [[p.name for p in a.people] for a in record.agreements]


def test_the_people_of_the_sentence_after_the_agreements_own() -> None:
    """Chen Hao is named only in the sentence after the heating memorandum's: without the
    rule he sits at every signing, with it at that one only."""
    seated = _names(["people_in_their_sentence"])
    assert all("Chen Hao" in names for names in seated)
    seated = _names(["people_in_their_sentence", "people_of_the_next_sentence"])
    assert ["Chen Hao" in names for names in seated] == [False, False, True]
    # Maria Lopez, named in all three, sits at all three
    assert all("Maria Lopez" in names for names in seated)


def test_a_person_given_twice_sits_once_in_each_agreement() -> None:
    rules = ["people_in_their_sentence", "people_of_the_next_sentence"]
    assert _names(rules)[0].count("Maria Lopez") == 2
    seated = _names([*rules, "people_once"])
    assert [names.count("Maria Lopez") for names in seated] == [1, 1, 1]
    assert seated[0] == ["Li Wei", "Maria Lopez"]


@pytest.mark.parametrize(
    ("given", "name"),
    [
        ("Minister of Industry, Mines and Energy", "Zhou Qi Ming"),
        ("Director of Harbour Ports", None),  # a person's name comes before it, not after
        ("Maria Lopez", None),  # a name, not a title
        ("Minister of Culture", None),  # not in the article
    ],
)
def test_the_name_written_after_a_title(given: str, name: str | None) -> None:
    assert name_after(given, ARTICLE) == name


def test_a_title_given_as_a_name_is_the_title_of_the_name_after_it() -> None:
    answer = _agreements(_answer(WIND, "Harbour Ports", "Alpha Energy"))
    people = _people(("Minister of Industry, Mines and Energy", None, "attendee"))
    plain = assemble(answer, people, ARTICLE, ["persons_have_names"])[0]
    assert [p.name for p in plain.agreements[0].people] == [
        "Minister of Industry, Mines and Energy"
    ]
    ruled, notes = assemble(answer, people, ARTICLE, ["persons_have_names", "names_after_titles"])
    person = ruled.agreements[0].people[0]
    assert (person.name, person.title, person.role) == (
        "Zhou Qi Ming",
        "Minister of Industry, Mines and Energy",
        Role.attendee,
    )
    assert any("written after the title" in note for note in notes)
