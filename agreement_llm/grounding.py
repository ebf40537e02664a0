"""Grounding: locate each value the spec says must come from the text in the article.

Every value gets a status: `exact` (found after folding case, quotes and white space; for
`evidence`, found character for character), `fuzzy` (a close match, with its score), or
`not_found`. Values not found are reported, never dropped.
"""

from __future__ import annotations

import bisect
import re
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass
from enum import StrEnum

from pydantic import BaseModel, ConfigDict
from rapidfuzz import fuzz

from agreement_llm.models import ArticleRecord
from agreement_llm.textnorm import fold, fold_char, fold_quotes

__all__ = ["GroundingReport", "Match", "Span", "ground", "locate"]

FUZZY_THRESHOLD = 85.0
_MIN_FUZZY_LEN = 4
# Every white space character but " " (str.isspace, which is what \s and str.split use)
_OTHER_SPACES = (
    "\t\n\x0b\x0c\r\x1c\x1d\x1e\x1f\x85\xa0\u1680\u2000\u2001\u2002\u2003\u2004\u2005"
    "\u2006\u2007\u2008\u2009\u200a\u2028\u2029\u202f\u205f\u3000"
)
_OTHER_ASCII_SPACES = "".join(c for c in _OTHER_SPACES if c.isascii())
_RUNS = re.compile("  +")  # its literal prefix lets the regex engine skip ahead like str.find


class Match(StrEnum):
    """How a value was found in the article."""

    exact = "exact"
    fuzzy = "fuzzy"
    not_found = "not_found"


class Span(BaseModel):
    """Where one value of the record sits in the article (character offsets, end exclusive)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    path: str
    value: str
    status: Match
    start: int | None = None
    end: int | None = None
    score: float = 0.0


class GroundingReport(BaseModel):
    """The spans of every grounded value of a record."""

    model_config = ConfigDict(extra="forbid")

    spans: list[Span]

    @property
    def not_found(self) -> list[Span]:
        """The values the article does not contain."""
        return [s for s in self.spans if s.status is Match.not_found]

    @property
    def grounded_share(self) -> float:
        """The share of values found exactly or fuzzily (1.0 when there are none)."""
        if not self.spans:
            return 1.0
        return sum(s.status is not Match.not_found for s in self.spans) / len(self.spans)


_NON_ASCII = re.compile(r"[^\x00-\x7f]")


def _in_place(text: str, decomposed: str) -> bool:
    """Whether each character of `text` decomposed into the one at its own place (NFKD puts
    runs of combining marks in a canonical order, which can move them)."""
    return all(
        unicodedata.normalize("NFKD", text[m.start()]) == decomposed[m.start()]
        for m in _NON_ASCII.finditer(text)
    )


@dataclass(frozen=True)
class FoldedText:
    """An article folded for search, with a map from folded positions to original ones.

    The map is either an index per folded character (`index`), or, when folding keeps every
    character one character (most text), only the places where runs of white space were
    collapsed (`breaks`, each with the total `shifts` up to it): far less to build.
    """

    original: str
    folded: str
    index: tuple[int, ...] = ()
    breaks: tuple[int, ...] = ()
    shifts: tuple[int, ...] = ()

    @classmethod
    def of(cls, text: str) -> FoldedText:
        """Fold `text` the way `textnorm.fold` does, keeping where each character came from."""
        # No-break spaces are often the only characters of an article that NFKC changes, and
        # it makes them spaces: made spaces first, the rest is usually already normalized,
        # which is far cheaper to check than to normalize.
        nfkc = text.replace("\xa0", " ") if "\xa0" in text else text
        if not unicodedata.is_normalized("NFKC", nfkc):
            # each character's own NFKC, when every one is one character and none moved
            nfkc = unicodedata.normalize("NFKD", nfkc)
            if len(nfkc) != len(text) or not _in_place(text, nfkc):
                return cls.char_by_char(text)
        folded = nfkc.casefold()
        if len(folded) != len(text):  # casefold never shortens: equal means one for one
            return cls.char_by_char(text)
        return cls._fast(text, fold_quotes(folded))

    @classmethod
    def char_by_char(cls, text: str) -> FoldedText:
        """The fold computed one character at a time (any text; slower)."""
        chars: list[str] = []
        index: list[int] = []
        in_space = True  # drop leading white space, as fold() strips it
        for i, ch in enumerate(text):
            if ch.isspace():
                if not in_space:
                    chars.append(" ")
                    index.append(i)
                in_space = True
                continue
            in_space = False
            for out in fold_char(ch):
                chars.append(out)
                index.append(i)
        if in_space and chars:  # drop trailing white space too, as fold() strips it
            del chars[-1], index[-1]
        return cls(text, "".join(chars), tuple(index))

    @classmethod
    def _fast(cls, text: str, folded: str) -> FoldedText:
        # Every white space character made a space, one for one, then runs of spaces found
        # by their literal prefix: a third of the time of a \s scan plus str.split.
        for space in _OTHER_ASCII_SPACES if folded.isascii() else _OTHER_SPACES:
            if space in folded:
                folded = folded.replace(space, " ")
        body = folded.strip(" ")
        lead = len(folded) - len(folded.lstrip(" "))
        breaks, shifts = [0], [lead]
        pieces: list[str] = []
        done = removed = 0  # body[:done] is in pieces; characters dropped so far
        for run in _RUNS.finditer(body):
            pieces.append(body[done : run.start() + 1])
            # the run becomes one space at folded position start - removed; after it, the
            # folded text is behind the original by the run's extra characters too
            breaks.append(run.start() - removed + 1)
            removed += run.end() - run.start() - 1
            shifts.append(lead + removed)
            done = run.end()
        pieces.append(body[done:])
        return cls(text, "".join(pieces), breaks=tuple(breaks), shifts=tuple(shifts))

    def _original(self, pos: int) -> int:
        if self.index:
            return self.index[pos]
        return pos + self.shifts[bisect.bisect_right(self.breaks, pos) - 1]

    def span(self, start: int, end: int) -> tuple[int, int]:
        """Map a folded [start, end) back to the original text."""
        return self._original(start), self._original(end - 1) + 1


_DIGITS = re.compile(r"\d+")


def _same_numbers(a: str, b: str) -> bool:
    return _DIGITS.findall(a) == _DIGITS.findall(b)


def locate(
    value: str, text: FoldedText, *, verbatim: bool = False, path: str = "", numbers: bool = True
) -> Span:
    """Find one value in the article; `path` names the field it came from. With `numbers`, a
    near match must have the value's numbers: "1.2 billion yuan" is near "0.5 billion yuan"
    as a string, but it is not in the article."""
    if verbatim:
        pos = text.original.find(value)
        if pos >= 0 and value:
            return Span(
                path=path,
                value=value,
                status=Match.exact,
                start=pos,
                end=pos + len(value),
                score=100.0,
            )
    needle = fold(value)
    if needle:
        pos = text.folded.find(needle)
        if pos >= 0:
            start, end = text.span(pos, pos + len(needle))
            status = Match.fuzzy if verbatim else Match.exact
            return Span(path=path, value=value, status=status, start=start, end=end, score=100.0)
    if len(needle) >= _MIN_FUZZY_LEN and text.folded:
        # below the cutoff rapidfuzz stops early and returns None: a third faster
        found = fuzz.partial_ratio_alignment(needle, text.folded, score_cutoff=FUZZY_THRESHOLD)
        if (
            found is not None
            and found.dest_end > found.dest_start
            and (
                not numbers or _same_numbers(needle, text.folded[found.dest_start : found.dest_end])
            )
        ):
            start, end = text.span(found.dest_start, found.dest_end)
            return Span(
                path=path,
                value=value,
                status=Match.fuzzy,
                start=start,
                end=end,
                score=round(found.score, 1),
            )
    return Span(path=path, value=value, status=Match.not_found)


def ground(record: ArticleRecord, article: str) -> GroundingReport:
    """Locate every grounded value of `record` in `article`."""
    text = FoldedText.of(article)
    spans = [
        locate(gv.value, text, verbatim=gv.verbatim, path=gv.path) for gv in grounded_values(record)
    ]
    return GroundingReport(spans=spans)


@dataclass(frozen=True)
class GroundedValue:
    """One string of a record that must be found in the article, and where it sits."""

    path: str  # e.g. "agreements[0].parties[1].name"
    value: str
    verbatim: bool = False  # evidence must match without folding


def grounded_values(record: ArticleRecord) -> Iterator[GroundedValue]:
    """Yield every string value of `record` that must be grounded in the article text."""
    for i, ag in enumerate(record.agreements):
        base = f"agreements[{i}]"
        yield GroundedValue(f"{base}.evidence", ag.evidence, verbatim=True)
        for name in ("title", "place", "duration"):
            value = getattr(ag, name)
            if value:
                yield GroundedValue(f"{base}.{name}", value)
        if ag.value is not None:
            yield GroundedValue(f"{base}.value.text", ag.value.text)
        for j, area in enumerate(ag.areas):
            yield GroundedValue(f"{base}.areas[{j}]", area)
        for j, body in enumerate(ag.establishes):
            yield GroundedValue(f"{base}.establishes[{j}]", body)
        for j, party in enumerate(ag.parties):
            yield GroundedValue(f"{base}.parties[{j}].name", party.name)
            if party.short_name:
                yield GroundedValue(f"{base}.parties[{j}].short_name", party.short_name)
        for j, person in enumerate(ag.people):
            yield GroundedValue(f"{base}.people[{j}].name", person.name)
            for name in ("title", "organization"):
                value = getattr(person, name)
                if value:
                    yield GroundedValue(f"{base}.people[{j}].{name}", value)
