"""The spec's date rules, applied in code: years the text does not give are not kept, and a
month-day without a year gets the latest year that does not put it after the article's date;
the article's own date read from its dateline; a weekday resolved against that date; and
whether the text gives a month and day at all.
"""

from __future__ import annotations

import re
from collections.abc import Collection
from dataclasses import dataclass
from datetime import date, timedelta

from pydantic import BaseModel, ConfigDict

from agreement_llm.models import ArticleRecord, PartialDate
from agreement_llm.steps import StepDate

__all__ = [
    "Context",
    "DateChange",
    "answered_date",
    "apply_date_rules",
    "date_before",
    "infer_year",
    "published_on_from_text",
    "reported_on",
    "resolve_weekday",
    "signing_date",
    "stated_in_text",
    "weekday_alone",
]


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


_MONTHS = (
    "january", "february", "march", "april", "may", "june",
    "july", "august", "september", "october", "november", "december",
)  # fmt: skip
# a month's name or its abbreviation, as a whole word (not "mar" in "market")
_MONTH_WORD = (
    r"\b(?P<mon>jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?"
    r"|sep(?:t(?:ember)?)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)\.?"
)
_DATES = (
    re.compile(r"(?<!\d)(?P<y>\d{4})[-/.](?P<m>\d{1,2})[-/.](?P<d>\d{1,2})(?!\d)"),
    re.compile(_MONTH_WORD + r"\s+(?P<d>\d{1,2}),?\s+(?P<y>\d{4})(?!\d)"),
    re.compile(r"(?<!\d)(?P<d>\d{1,2})\s+" + _MONTH_WORD + r",?\s+(?P<y>\d{4})(?!\d)"),
)
_DATELINE_LABEL = re.compile(
    r"\b(?:updated|date|created on|published|posted|release time|time)\s*[:\uff1a]", re.I
)
_DATELINE_WORDS = re.compile(
    r"\b(?:Print|Download|Viewed|Views|Source|By|Comment|Editor)\b|\d{1,2}:\d{2}"
)
_STORED_COPY = re.compile(r"\s*date \d{4}-\d{2}-\d{2}\b")  # a stored copy's date, not the article's


def _as_date(match: re.Match[str]) -> PartialDate | None:
    """The date a match of `_DATES` or `_IN_SENTENCE` gives (its year may be missing), or None
    when it is no calendar date."""
    groups = match.groupdict()
    month = int(groups["m"]) if groups.get("m") else _MONTHS.index(_full_month(groups["mon"])) + 1
    year = int(groups["y"]) if groups.get("y") else None
    try:
        date(year or 2000, month, int(groups["d"]))  # 2000: a leap year, for Feb 29
    except ValueError:
        return None
    return PartialDate(year=year, month=month, day=int(groups["d"]))


def _full_month(prefix: str) -> str:
    return next(m for m in _MONTHS if m.startswith(prefix.lower()[:3]))


def published_on_from_text(text: str, *, window: int = 1200) -> PartialDate | None:
    """The article's own date: the first date near the top that stands on a dateline (after a
    label such as "Updated:" or "Date:", or on a short line with a time, source, author or
    print link). A date alone on its line (a site widget) or a stored copy's ` date ` marker
    is not one. None when there is none."""
    lines = [line for line in text.split("\n") if not line.startswith(("SOURCE:", "TITLE:"))]
    seen = 0
    for line in lines:
        seen += len(line) + 1
        if seen > window:
            break
        if _STORED_COPY.match(line):
            continue
        for rx in _DATES:
            match = rx.search(line.lower())
            if match is None:
                continue
            if _is_dateline(line, match) and (found := _as_date(match)) is not None:
                return found
    return None


def _is_dateline(line: str, match: re.Match[str]) -> bool:
    """True when the date `match` found stands on a dateline: after a label ("Updated:"), or
    on a short line with a time, source, author or print link."""
    rest = (line[: match.start()] + line[match.end() :]).strip()
    return bool(
        _DATELINE_LABEL.search(line) or (rest and len(line) <= 120 and _DATELINE_WORDS.search(rest))
    )


def stated_in_text(month: int, day: int, text: str) -> bool:
    """True when `text` gives this month and day ("July 10", "10 July", "2019-07-10", "7月10日")."""
    name = _MONTHS[month - 1]
    sept = r"|sept\.?" if month == 9 else ""
    m = rf"(?:{name}|{name[:3]}\.?{sept})"
    d = rf"0?{day}(?:st|nd|rd|th)?"
    patterns = (
        rf"\b{m}\s+{d}\b",
        rf"\b{d}\s+(?:of\s+)?{m}\b",
        rf"(?<!\d)\d{{4}}[-/.]0?{month}[-/.]0?{day}(?!\d)",
        rf"(?<!\d)0?{month}月0?{day}日",
    )
    low = text.lower()
    return any(re.search(p, low) for p in patterns)


_WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")


def resolve_weekday(weekday: str, article_date: PartialDate | None) -> PartialDate | None:
    """The latest date on `weekday` not after the article's own (complete) date, else None."""
    if article_date is None or not article_date.is_complete or weekday not in _WEEKDAYS:
        return None
    year, month, day = article_date.year, article_date.month, article_date.day
    if year is None or month is None or day is None:  # pragma: no cover - is_complete
        return None
    own = date(year, month, day)
    back = (own.weekday() - _WEEKDAYS.index(weekday)) % 7
    found = own - timedelta(days=back)
    return PartialDate(year=found.year, month=found.month, day=found.day)


_DAY = r"(?P<d>\d{1,2})(?:st|nd|rd|th)?"
_YEAR = r"(?:,?\s+(?P<y>(?:19|20)\d{2})(?!\d))?"
_IN_SENTENCE = (
    re.compile(r"(?<!\d)(?P<y>\d{4})[-/.](?P<m>\d{1,2})[-/.](?P<d>\d{1,2})(?!\d)"),
    re.compile(_MONTH_WORD + r"\s+" + _DAY + r"\b" + _YEAR),
    re.compile(r"(?<!\d)" + _DAY + r"\s+(?:of\s+)?" + _MONTH_WORD + r"\b" + _YEAR),
)
_ON_WEEKDAY = re.compile(r"\bon\s+(" + "|".join(_WEEKDAYS) + r")\b", re.IGNORECASE)


def date_in_sentence(sentence: str, article_date: PartialDate | None) -> PartialDate | None:
    """The date a sentence gives ("On April 11th", "Dec 12, 2019", "2019-03-20"; "on Tuesday"
    resolved against the article's own date), or None when it gives none. A dateline run into
    the sentence is not its date."""
    low = sentence.lower()
    for rx in _IN_SENTENCE:
        for match in rx.finditer(low):
            if _DATELINE_LABEL.search(low[max(0, match.start() - 24) : match.start()]):
                continue  # "Updated: 2009-08-07 17:11 Yantai secured...": the article's date
            found = _as_date(match)
            if found is not None:
                return found
    weekday = _ON_WEEKDAY.search(sentence)
    return resolve_weekday(weekday.group(1).title(), article_date) if weekday else None


# "X told Xinhua on Monday that it signed": the day of the report, not of the signing
_REPORTED_ON = re.compile(
    r"\b(?:told|said|says|announced|reported|revealed|disclosed|stated|confirmed)\b"
    r"[^.;:]{0,40}?\bon\s+(?:" + "|".join(_WEEKDAYS) + r")\b",
    re.IGNORECASE,
)


def reported_on(sentence: str, article_date: PartialDate | None) -> bool:
    """True when the only date a sentence gives is the day something was said or told of it
    ("Sinohydro told Xinhua on Monday that it signed ..."): no signing date."""
    return bool(_REPORTED_ON.search(sentence)) and (
        date_in_sentence(_REPORTED_ON.sub(" ", sentence), article_date) is None
    )


def date_before(
    evidence: str, sentences: list[str], article_date: PartialDate | None
) -> PartialDate | None:
    """The date the nearest sentence before `evidence` gives (the date of the event the
    article tells; a dateline is not one), or None when none before it gives one."""
    if evidence not in sentences:
        return None
    for sentence in reversed(sentences[: sentences.index(evidence)]):
        found = date_in_sentence(sentence, article_date)
        if found is not None and found == article_date and _on_a_dateline(sentence):
            continue  # "By 吴婵Viewed 30 2019-07-12": the article's own date
        if found is not None:
            return found
    return None


def _on_a_dateline(line: str) -> bool:
    return any(_is_dateline(line, m) for rx in _DATES if (m := rx.search(line.lower())))


_DATE_AFTER = re.compile(  # "on Tuesday, March 3" / "on Tuesday (the 3rd)": a date beside it
    r"^[\s,(]*(?:the\s+)?(?:\d{1,2}(?:st|nd|rd|th)?\b|" + _MONTH_WORD + ")", re.IGNORECASE
)


def weekday_alone(evidence: str, sentences: list[str], article_date: PartialDate | None) -> bool:
    """True when the article's own date is not in the text and the signing is dated by a
    weekday alone ("signed on Tuesday", no date beside it), in the evidence or in the nearest
    sentence before it that dates anything: the spec leaves that date null."""
    if article_date is not None:
        return False
    before = sentences[: sentences.index(evidence)] if evidence in sentences else []
    for sentence in [evidence, *reversed(before)]:
        weekday = _ON_WEEKDAY.search(sentence)
        if weekday is not None:
            return not _DATE_AFTER.match(sentence[weekday.end() :])
        if date_in_sentence(sentence, None) is not None and not _on_a_dateline(sentence):
            return False
    return False


@dataclass(frozen=True)
class Context:
    """What dates one agreement: its evidence sentence among the article's sentences, the
    article's own date, the rules a version names, and where to note each change."""

    evidence: str
    sentences: list[str]
    own: PartialDate | None
    rules: Collection[str]
    where: str
    notes: list[str]


def signing_date(
    given: PartialDate | None, at: Context, *, background: bool = False
) -> PartialDate | None:
    """The signing date of an agreement the model dated `given`, under the rules a version
    names: the date its evidence gives (`dates_from_evidence`); else, for one not mentioned
    as `background`, the date of the nearest sentence before it, and not the article's own date
    alone (`dates_from_context`); none where a weekday alone dates it and the article's own
    date is not in the text (`weekdays_need_the_articles_date`), or where the evidence's only
    date is the day something was said of it (`dates_of_reports`)."""
    signed_on = given
    stated = date_in_sentence(at.evidence, at.own) if "dates_from_evidence" in at.rules else None
    if stated is not None and stated != signed_on:
        at.notes.append(f"{at.where}: the date the evidence sentence gives")
        signed_on = stated
    if "dates_of_reports" in at.rules and reported_on(at.evidence, at.own):
        if signed_on is not None:
            at.notes.append(f"{at.where}: the evidence dates the report, not the signing")
        return None
    if stated is None and "dates_from_context" in at.rules and not background:
        before = date_before(at.evidence, at.sentences, at.own)
        if before is not None and before != signed_on:
            at.notes.append(f"{at.where}: the date the sentences before it give")
            signed_on = before
        elif before is None and signed_on is not None and signed_on == at.own:
            at.notes.append(f"{at.where}: the article's own date, not the signing's")
            signed_on = None
    if (
        signed_on is not None
        and "weekdays_need_the_articles_date" in at.rules
        and weekday_alone(at.evidence, at.sentences, at.own)
    ):
        at.notes.append(f"{at.where}: a weekday alone, and the article's date is not in the text")
        signed_on = None
    return signed_on


def answered_date(
    when: StepDate, text: str, own: PartialDate | None, where: str, notes: list[str]
) -> PartialDate | None:
    """The date an answer gives, less a month and day the text does not give (then the year
    too); a weekday alone resolves against the article's own date `own`."""
    year, month, day = when.year, when.month, when.day
    if month is not None and day is not None and not stated_in_text(month, day, text):
        notes.append(f"{where}: {month}-{day} is not a date the text gives; dropped")
        year = month = day = None
    try:
        date = PartialDate(year=year, month=month, day=day)
    except ValueError:
        notes.append(f"{where}: {year}-{month}-{day} is not a date; dropped")
        date = PartialDate()
    if date.is_empty and when.weekday is not None:
        resolved = resolve_weekday(when.weekday.value, own)
        if resolved is not None:
            notes.append(f"{where}: {when.weekday.value} resolved against the article's date")
            date = resolved
    return None if date.is_empty else date
