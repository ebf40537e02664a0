"""v22's rules: `witnesses_as_written` (a witness the text says only attended is an
attendee), `areas_named` ("other fields" names no field) and `numbers_as_written` (a value
whose number the article does not write is dropped, however near the string is). Each is
compared with and without its rule. The articles are made up for the rules, not taken from
the gold set."""

from __future__ import annotations

from typing import Any

import pytest

from agreement_llm.assembly import assemble
from agreement_llm.grounding import FoldedText, Match, locate
from agreement_llm.models import Agreement, Role
from tests.test_rules_of_people_and_dates import _agreements, _answer, _people

ARTICLE = """Harbour City signs with Alpha Energy

On May 3, Harbour City signed a framework agreement with Alpha Energy worth 0.5 billion yuan.
The two sides will cooperate in wind power, solar power and other fields.
Li Wei witnessed the signing. Zhou Qi and Chen Hao attended the signing ceremony.
"""
SIGNED = ARTICLE.splitlines()[2]


def _record(rules: list[str], **changes: Any) -> tuple[Agreement, list[str]]:
    answer = _agreements(_answer(SIGNED, "Harbour City", "Alpha Energy", **changes))
    people = _people(
        ("Li Wei", None, "witness"), ("Zhou Qi", None, "witness"), ("Chen Hao", None, "attendee")
    )
    record, notes = assemble(answer, people, ARTICLE, ["roles_from_the_text", *rules])
    return record.agreements[0], notes


def test_a_witness_the_text_says_only_attended_is_an_attendee() -> None:
    plain, _ = _record([])
    ruled, notes = _record(["witnesses_as_written"])
    roles = {p.name: p.role for p in plain.people}
    assert roles == {"Li Wei": Role.witness, "Zhou Qi": Role.witness, "Chen Hao": Role.attendee}
    roles = {p.name: p.role for p in ruled.people}
    assert roles == {"Li Wei": Role.witness, "Zhou Qi": Role.attendee, "Chen Hao": Role.attendee}
    assert any("does not say Zhou Qi witnessed it" in note for note in notes)


def test_other_fields_names_no_field() -> None:
    fields = ["wind power", "solar power", "other fields"]
    plain, _ = _record([], areas=fields)
    ruled, notes = _record(["areas_named"], areas=fields)
    assert plain.areas == fields
    assert ruled.areas == ["wind power", "solar power"]
    assert any("name no field" in note for note in notes)


@pytest.mark.parametrize(
    ("value", "found"),
    [
        ("0.5 billion yuan", Match.exact),
        ("0.5 billion yuans", Match.fuzzy),  # near, with the article's number
        ("1.2 billion yuan", Match.not_found),  # near as a string, not the article's number
        ("1.5 billion yuan", Match.not_found),
    ],
)
def test_a_near_match_has_the_values_numbers(value: str, found: Match) -> None:
    assert locate(value, FoldedText.of(ARTICLE)).status is found
    # without `numbers`, a near string is a near match whatever its numbers
    assert locate("1.2 billion yuan", FoldedText.of(ARTICLE), numbers=False).status is Match.fuzzy


def test_a_value_whose_number_the_article_does_not_write_is_dropped() -> None:
    near = {"amount": 1.2, "currency": "CNY", "text": "1.2 billion yuan"}
    plain, _ = _record([], value=near)
    ruled, notes = _record(["numbers_as_written"], value=near)
    assert plain.value is not None
    assert plain.value.amount == 1.2e9
    assert ruled.value is None
    assert any("not in the article" in note for note in notes)
    exact = {"amount": 0.5, "currency": "CNY", "text": "0.5 billion yuan"}
    kept, _ = _record(["numbers_as_written"], value=exact)
    assert kept.value is not None
    assert kept.value.amount == 5e8
