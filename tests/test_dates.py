from __future__ import annotations

from agreement_llm.dates import apply_date_rules, infer_year
from agreement_llm.models import Agreement, ArticleRecord, PartialDate

ARTICLE_DATE = PartialDate(year=2022, month=7, day=21)


def test_month_day_before_the_article_date_takes_its_year() -> None:
    assert infer_year(PartialDate(month=3, day=31), ARTICLE_DATE).year == 2022


def test_month_day_after_the_article_date_takes_the_year_before() -> None:
    assert infer_year(PartialDate(month=12, day=12), ARTICLE_DATE).year == 2021


def test_same_day_keeps_the_year() -> None:
    assert infer_year(PartialDate(month=7, day=21), ARTICLE_DATE).year == 2022


def test_no_inference_without_a_complete_article_date() -> None:
    assert infer_year(PartialDate(month=3, day=31), None).year is None
    assert infer_year(PartialDate(month=3, day=31), PartialDate(year=2022)).year is None


def test_month_without_day_gets_no_year() -> None:
    assert infer_year(PartialDate(month=3), ARTICLE_DATE).year is None


def test_leap_day_goes_back_to_a_leap_year() -> None:
    assert (
        infer_year(PartialDate(month=2, day=29), PartialDate(year=2023, month=3, day=1)).year
        == 2020
    )


def _record(signed: PartialDate | None, published: PartialDate | None) -> ArticleRecord:
    return ArticleRecord(
        published_on=published, agreements=[Agreement(signed_on=signed, evidence="e")]
    )


def test_apply_infers_from_published_on_when_its_year_is_in_the_text() -> None:
    text = "2022-07-21 On the afternoon of March 31, they signed."
    record, changes = apply_date_rules(_record(PartialDate(month=3, day=31), ARTICLE_DATE), text)
    assert record.agreements[0].signed_on == PartialDate(year=2022, month=3, day=31)
    assert [c.reason for c in changes] == ["year inferred"]


def test_apply_drops_a_year_the_text_does_not_give() -> None:
    text = "On May 28, CASIC and CCCG signed a framework agreement."
    record, changes = apply_date_rules(_record(PartialDate(year=2020, month=5, day=28), None), text)
    assert record.agreements[0].signed_on == PartialDate(month=5, day=28)
    assert changes[0].reason == "year not in the text"


def test_apply_replaces_a_guessed_year_by_the_inferred_one() -> None:
    text = "Updated: 2008-12-15. On December 12 they signed."
    guessed = PartialDate(year=2019, month=12, day=12)
    record, changes = apply_date_rules(
        _record(guessed, PartialDate(year=2008, month=12, day=15)), text
    )
    assert record.agreements[0].signed_on == PartialDate(year=2008, month=12, day=12)
    assert changes[0].reason == "year not in the text; inferred from the article's date"


def test_explicit_article_date_wins() -> None:
    record, _ = apply_date_rules(
        _record(PartialDate(month=3, day=31), None), "March 31", article_date=ARTICLE_DATE
    )
    assert record.agreements[0].signed_on == PartialDate(year=2022, month=3, day=31)


def test_a_year_only_stated_year_is_kept() -> None:
    record, changes = apply_date_rules(_record(PartialDate(year=2019), None), "In 2019 they...")
    assert record.agreements[0].signed_on == PartialDate(year=2019)
    assert changes == []
