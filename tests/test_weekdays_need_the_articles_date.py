"""v19's rule `weekdays_need_the_articles_date`: the spec resolves "on Tuesday" against the
article's own date only when that date is in the text, so a signing dated by a weekday alone
has no date in an article whose own date is not in the text, whatever date the model gave.
The articles are made up for the rule, not taken from the gold set."""

from __future__ import annotations

import pytest

from agreement_llm.assembly import assemble
from agreement_llm.dates import reported_on, weekday_alone
from agreement_llm.models import PartialDate
from agreement_llm.rules import sentences
from tests.test_rules_of_people_and_dates import _agreements, _answer

LEAD = "Two memorandums of understanding were signed at the forum."
ON_TUESDAY = "The documents were signed on Tuesday in Seaport."
SIGNED = "A memorandum on solar power was signed by Harbour City and Alpha Oil."
WIDGET = "date 2031-05-06 + font size 16 px"  # a site's widget, not the article's dateline
TEXT = f"{WIDGET}\n{LEAD}\n{ON_TUESDAY}\n{SIGNED}\n"
OWN = PartialDate(year=2031, month=5, day=6)


@pytest.mark.parametrize(
    ("evidence", "text", "own", "alone"),
    [
        (SIGNED, TEXT, None, True),  # the nearest sentence that dates anything: a weekday
        (ON_TUESDAY, TEXT, None, True),
        (SIGNED, TEXT, OWN, False),  # the article's date is in the text: it resolves
        ("They signed it on Tuesday, May 6, in Seaport.", TEXT, None, False),  # a date beside
        (SIGNED, f"On May 2 the talks began.\n{SIGNED}\n", None, False),  # a date, no weekday
    ],
)
def test_a_weekday_alone(evidence: str, text: str, own: PartialDate | None, alone: bool) -> None:
    assert weekday_alone(evidence, sentences(text), own) == alone


def test_weekdays_need_the_articles_date() -> None:
    dated = {"year": 2031, "month": 5, "day": 6, "weekday": "Tuesday"}
    answers = _agreements(_answer(SIGNED, "Harbour City", "Alpha Oil", signed_on=dated))
    rules = ["dates_from_evidence", "dates_from_context"]
    record, notes = assemble(answers, None, TEXT, [*rules, "weekdays_need_the_articles_date"])
    assert record.published_on is None  # the widget's date is not the article's
    assert record.agreements[0].signed_on is None
    assert any("a weekday alone" in n for n in notes)
    # without the rule the widget's date, which the model copied, stays
    record, _ = assemble(answers, None, TEXT, rules)
    assert record.agreements[0].signed_on == PartialDate(year=2031, month=5, day=6)


MONDAY = PartialDate(year=2031, month=5, day=5)  # the article's own date, a Monday
TOLD = (
    "Updated: 2031-05-05 10:00\n"
    "Alpha Oil told reporters on Monday that it signed an MoU with Harbour City.\n"
)


@pytest.mark.parametrize(
    ("sentence", "reported"),
    [
        ("Alpha Oil told reporters on Monday that it signed an MoU with Harbour City.", True),
        ("Harbour City said on Friday it had signed the agreement.", True),
        ("Harbour City said on Friday it had signed the agreement on May 2.", False),  # a date
        ("Harbour City signed the agreement on Monday, officials said.", False),
        ("The agreement was signed on Monday.", False),
    ],
)
def test_the_day_of_a_report(sentence: str, reported: bool) -> None:
    assert reported_on(sentence, MONDAY) == reported


def test_dates_of_reports() -> None:
    """v23's rule `dates_of_reports`: the evidence's only date is the day the signing was told
    of, so the agreement has no signing date."""
    evidence = TOLD.splitlines()[1]
    dated = {"year": 2031, "month": 5, "day": 5, "weekday": "Monday"}
    answers = _agreements(_answer(evidence, "Alpha Oil", "Harbour City", signed_on=dated))
    rules = ["dates_from_evidence", "dates_from_context"]
    plain = assemble(answers, None, TOLD, rules)[0].agreements[0]
    assert plain.signed_on == MONDAY
    ruled, notes = assemble(answers, None, TOLD, [*rules, "dates_of_reports"])
    assert ruled.agreements[0].signed_on is None
    assert any("dates the report" in note for note in notes)
