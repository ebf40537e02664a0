"""The spec's date rules, applied in code: years the text does not give are not kept, and a
month-day without a year gets the latest year that does not put it after the article's date.
"""

from __future__ import annotations

import re

from pydantic import BaseModel, ConfigDict

from agreement_llm.models import ArticleRecord, PartialDate

__all__ = ["DateChange", "apply_date_rules", "infer_year"]


class DateChange(BaseModel):
    """One change the date rules made to a record, for the extraction's trace."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    path: str
    before: PartialDate | None
    after: PartialDate | None
    reason: str


def infer_year(when: PartialDate, article_date: PartialDate | None) -> PartialDate:
    """Give a month-day without a year the latest year not after the article's own date.

    Returns `when` unchanged unless it has month and day but no year and `article_date` is
    complete.
    """
    if when.year is not None or when.month is None or when.day is None:
        return when
    if article_date is None or not article_date.is_complete:
        return when
    assert article_date.year is not None
    assert article_date.month is not None
    assert article_date.day is not None
    year = article_date.year
    if (when.month, when.day) > (article_date.month, article_date.day):
        year -= 1
    if when.month == 2 and when.day == 29:
        while not (year % 4 == 0 and (year % 100 != 0 or year % 400 == 0)):
            year -= 1
    return when.model_copy(update={"year": year})


def _year_in_text(year: int, text: str) -> bool:
    return re.search(rf"(?<!\d){year}(?!\d)", text) is not None


def _drop_unstated_year(when: PartialDate | None, text: str) -> PartialDate | None:
    if when is None or when.year is None or _year_in_text(when.year, text):
        return when
    return when.model_copy(update={"year": None})


def apply_date_rules(
    record: ArticleRecord, text: str, article_date: PartialDate | None = None
) -> tuple[ArticleRecord, list[DateChange]]:
    """Apply the spec's year rules to every date of `record`.

    A year that does not occur in `text` is removed (a model must not guess it); then a
    month-day without a year is given one from the article's own date: `article_date` when
    given, else the record's `published_on` when it is complete and its year is in the text.
    """
    changes: list[DateChange] = []

    def fix(path: str, when: PartialDate | None, own: PartialDate | None) -> PartialDate | None:
        kept = _drop_unstated_year(when, text)
        out = infer_year(kept, own) if kept is not None else None
        if out is not None and out.is_empty:
            out = None
        if out != when:
            reason = "year not in the text" if kept != when else "year inferred"
            if kept != when and out != kept:
                reason = "year not in the text; inferred from the article's date"
            changes.append(DateChange(path=path, before=when, after=out, reason=reason))
        return out

    published = fix("published_on", record.published_on, None)
    own = article_date or (published if published is not None and published.is_complete else None)
    agreements = [
        ag.model_copy(update={"signed_on": fix(f"agreements[{i}].signed_on", ag.signed_on, own)})
        for i, ag in enumerate(record.agreements)
    ]
    return record.model_copy(update={"published_on": published, "agreements": agreements}), changes
