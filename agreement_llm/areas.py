"""The fields of cooperation an article lists (spec 2, `areas`: one short noun phrase each, as
written): "the two sides will cooperate in the areas of A, B and C" gives A, B and C; a phrase
the article uses only where it speaks of neither cooperation nor an agreement is none."""

from __future__ import annotations

import re
from collections.abc import Sequence

from agreement_llm.models import Agreement, Status
from agreement_llm.rules import fold

__all__ = ["areas_listed", "only_fields_of_cooperation", "with_listed_areas", "without_unnamed"]

# what opens a list of fields: "cooperate in (the areas of)", "cooperation on", "cooperate
# around", "cooperation in respect of", "cooperate in industries such as", "in the field of"
_OPENS = re.compile(
    r"\b(?:cooperat(?:e|ion)|collaborat(?:e|ion))\s+(?:in|on|around)\s+(?:the\s+)?"
    r"(?:(?:areas?|fields?|sectors?)\s+of\s+|respect\s+of\s+"
    r"|(?:[\w-]+\s+){0,2}?(?:such\s+as|including)\s+)?"
    r"|\bin\s+the\s+(?:areas?|fields?)\s+of\s+",
    re.IGNORECASE,
)
_COOPERATION = re.compile(r"\b(?:cooperat|collaborat)", re.IGNORECASE)
# a sentence about what an agreement covers, not a speech or a history
_OF_AN_AGREEMENT = re.compile(
    r"\b(?:will|agreements?|memorand\w*|mous?|according to|under which)\b", re.IGNORECASE
)
_ENDS = re.compile(r"\s+(?:to|so as|in order|with a view)\s+\w|,?\s+etc\b|[.;:!?](?:\s|$)|$")
_NOT_A_FIELD = re.compile(
    r"\b(?:its|their|his|her|our|we|will|is|are|was|were|has|have)\b", re.IGNORECASE
)
_GENERIC = frozenset(["future", "other fields", "other areas", "other aspects", "other sectors"])
_QUOTES = " \u201c\u201d\"'"


def areas_listed(sentence: str) -> list[str]:
    """The fields a sentence about an agreement lists after "cooperate in", "cooperation on",
    "in the areas of" and the like, each as written (the last two split at "and"); [] when it
    lists none. The list ends where a clause starts ("to promote ...") or an item is no
    noun phrase (a capitalised name, a verb, more than eight words)."""
    if not (_COOPERATION.search(sentence) and _OF_AN_AGREEMENT.search(sentence)):
        return []
    for match in _OPENS.finditer(sentence):
        rest = sentence[match.end() :]
        end = _ENDS.search(rest)
        rest = rest[: end.start()] if end else rest
        parts = [p.strip().removeprefix("and ").strip(_QUOTES) for p in re.split(r"[,;]", rest)]
        parts = [p for p in parts if p]
        if parts and " and " in parts[-1]:  # "A, B and C": the list's last "and"
            parts[-1:] = [p.strip(_QUOTES) for p in parts[-1].rsplit(" and ", 1)]
        items: list[str] = []
        for part in parts:
            part = part.removeprefix("the ").strip()
            first = part.split()[0] if part else ""
            if (
                not part
                or len(part.split()) > 8
                or _NOT_A_FIELD.search(part)
                or (first[:1].isupper() and not first.isupper())
            ):
                break
            if part.lower() not in _GENERIC:
                items.append(part)
        if items:
            return items
    return []


def with_listed_areas(
    records: list[Agreement], sentences: Sequence[str], notes: list[str], theirs: bool = False
) -> list[Agreement]:
    """Each record with the fields its evidence sentence lists, and, when the article reports
    one agreement signed (or to be), the fields any of its sentences lists, after the areas it
    has (a field that shares half its words with one already there is not added again). With
    `theirs`, a sentence that is another record's evidence lists that record's fields only."""
    lists = [(s, found) for s in sentences if (found := areas_listed(s))]
    live = [r for r in records if r.status is not Status.earlier]
    evidences = {r.evidence for r in records} if theirs else set()  # each record's own sentence
    out: list[Agreement] = []
    for i, record in enumerate(records):
        mine = [
            item
            for sentence, found in lists
            if sentence == record.evidence
            or (len(live) == 1 and record is live[0] and sentence not in evidences)
            for item in found
        ]
        areas = list(record.areas)
        for item in mine:
            if not any(_same_field(item, area) for area in areas):
                notes.append(f"agreements[{i}].areas: {item!r}, a field the article lists")
                areas.append(item)
        out.append(record.model_copy(update={"areas": areas}) if areas != record.areas else record)
    return out


def _same_field(a: str, b: str) -> bool:
    """True when two fields share half their words or more (Dice over their folded words:
    "smart city construction" and "smart city development")."""
    x, y = set(fold(a).split()), set(fold(b).split())
    return bool(x and y) and 4 * len(x & y) >= len(x) + len(y)


# a sentence about cooperation or an agreement (where a field of cooperation is written)
_ABOUT_COOPERATION = re.compile(
    r"\b(?:cooperat|collaborat|agreement|memorand|mous?\b|contract|partner|sign|will\b|joint"
    r"|two sides|both sides|both parties|focus|areas?\b|fields?\b|sectors?\b)",
    re.IGNORECASE,
)


def only_fields_of_cooperation(
    records: list[Agreement], sentences: Sequence[str], notes: list[str]
) -> list[Agreement]:
    """The records without the areas that the article writes only in sentences that speak of
    neither cooperation nor an agreement ("Inner Mongolia's construction on economics,
    politics, culture ... have all achieved great results": no field of cooperation)."""
    folded = [(f" {fold(s)} ", s) for s in sentences]  # once, not once per area
    out = []
    for i, record in enumerate(records):
        kept = []
        for area in record.areas:
            key = f" {fold(area)} "
            where = [s for f, s in folded if key in f]
            if where and not any(_ABOUT_COOPERATION.search(s) for s in where):
                notes.append(f"record {i}.areas: {area!r} is no field of cooperation; dropped")
                continue
            kept.append(area)
        out.append(record if kept == record.areas else record.model_copy(update={"areas": kept}))
    return out


_UNNAMED = re.compile(
    r"(?:other|related|relevant|various|all|many|more|different|multiple)\s+"
    r"(?:fields?|areas?|aspects?|sectors?|industries|domains?)",
    re.IGNORECASE,
)


def without_unnamed(records: list[Agreement], notes: list[str]) -> list[Agreement]:
    """The records without the areas that name no field ("other fields", "related areas")."""
    out = []
    for i, record in enumerate(records):
        kept = [a for a in record.areas if not _UNNAMED.fullmatch(a.strip())]
        if kept != record.areas:
            notes.append(
                f"record {i}.areas: {len(record.areas) - len(kept)} name no field; dropped"
            )
        out.append(record if kept == record.areas else record.model_copy(update={"areas": kept}))
    return out
