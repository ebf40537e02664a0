"""v19's rule `weekdays_need_the_articles_date`: the spec resolves "on Tuesday" against the
article's own date only when that date is in the text, so a signing dated by a weekday alone
has no date in an article whose own date is not in the text, whatever date the model gave.
The articles are made up for the rule, not taken from the gold set."""

from __future__ import annotations

import pytest

from agreement_llm.assembly import assemble
from agreement_llm.dates import weekday_alone
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
