"""Results as tidy pandas DataFrames: agreements, parties, people, joined by ids (needs the
`frames` extra: pandas, pyarrow)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from agreement_llm.errors import InputError, require
from agreement_llm.grounding import Span
from agreement_llm.models import ArticleRecord
from agreement_llm.results import ResultRow

if TYPE_CHECKING:
    import pandas as pd

__all__ = ["Frames", "records_to_frames", "to_frames"]


@dataclass
class Frames:
    """Three tidy tables. `agreement_id` is `<article_id>#<n>`; `article_id` joins to inputs."""

    agreements: pd.DataFrame
    parties: pd.DataFrame
    people: pd.DataFrame

    def write(self, path: Path) -> list[Path]:
        """Write the three tables beside `path` (`.parquet` or `.csv`): `<stem>_<table><ext>`."""
        suffix = path.suffix.lower()
        if suffix not in (".parquet", ".csv"):
            raise InputError(f"{path}: frames are written as .parquet or .csv, not {suffix!r}")
        written = []
        for name in ("agreements", "parties", "people"):
            target = path.with_name(f"{path.stem}_{name}{suffix}")
            frame: pd.DataFrame = getattr(self, name)
            if suffix == ".csv":
                frame.to_csv(target, index=False)
            else:
                require("pyarrow", "frames")
                frame.to_parquet(target, index=False)
            written.append(target)
        return written


def _status(spans: dict[str, Span], path: str) -> str | None:
    span = spans.get(path)
    return span.status.value if span else None


@dataclass(frozen=True)
class _Source:
    article_id: str
    prompt_version: str
    model: str
    record: ArticleRecord
    spans: dict[str, Span]
    source: str | None = None
    article_title: str | None = None


def to_frames(rows: Iterable[ResultRow]) -> Frames:
    """Tidy tables of every record in `rows` (failed rows contribute nothing)."""
    return _frames(
        _Source(
            row.article_id,
            row.prompt_version,
            row.model,
            row.extraction.record,
            {s.path: s for s in row.extraction.grounding.spans},
            row.source,
            row.title,
        )
        for row in rows
        if row.extraction is not None
    )


def records_to_frames(records: Mapping[str, ArticleRecord], *, label: str = "gold") -> Frames:
    """Tidy tables of records by article id (gold records, say); `label` fills the
    prompt_version and model columns."""
    return _frames(_Source(aid, label, label, rec, {}) for aid, rec in records.items())


def _frames(sources: Iterable[_Source]) -> Frames:
    pd = require("pandas", "frames")
    agreements: list[dict[str, Any]] = []
    parties: list[dict[str, Any]] = []
    people: list[dict[str, Any]] = []
    for row in sources:
        record, spans = row.record, row.spans
        published = record.published_on
        for i, ag in enumerate(record.agreements):
            agreement_id = f"{row.article_id}#{i}"
            date = ag.signed_on
            agreements.append(
                {
                    "agreement_id": agreement_id,
                    "article_id": row.article_id,
                    "prompt_version": row.prompt_version,
                    "model": row.model,
                    "source": row.source,
                    "article_title": row.article_title,
                    "title": ag.title,
                    "kind": ag.kind.value,
                    "status": ag.status.value,
                    "count": ag.count,
                    "signed_year": date.year if date else None,
                    "signed_month": date.month if date else None,
                    "signed_day": date.day if date else None,
                    "published_year": published.year if published else None,
                    "place": ag.place,
                    "areas": "; ".join(ag.areas),
                    "establishes": "; ".join(ag.establishes),
                    "value_amount": ag.value.amount if ag.value else None,
                    "value_currency": ag.value.currency if ag.value else None,
                    "value_text": ag.value.text if ag.value else None,
                    "duration": ag.duration,
                    "evidence": ag.evidence,
                    "evidence_grounding": _status(spans, f"agreements[{i}].evidence"),
                    "parties": len(ag.parties),
                    "people": len(ag.people),
                }
            )
            for j, party in enumerate(ag.parties):
                parties.append(
                    {
                        "agreement_id": agreement_id,
                        "article_id": row.article_id,
                        "party_index": j,
                        "name": party.name,
                        "short_name": party.short_name,
                        "sector": party.sector.value,
                        "country": party.country,
                        "grounding": _status(spans, f"agreements[{i}].parties[{j}].name"),
                    }
                )
            for j, person in enumerate(ag.people):
                people.append(
                    {
                        "agreement_id": agreement_id,
                        "article_id": row.article_id,
                        "person_index": j,
                        "name": person.name,
                        "title": person.title,
                        "organization": person.organization,
                        "role": person.role.value,
                        "grounding": _status(spans, f"agreements[{i}].people[{j}].name"),
                    }
                )
    return Frames(
        pd.DataFrame(agreements, columns=_AGREEMENT_COLUMNS),
        pd.DataFrame(parties, columns=_PARTY_COLUMNS),
        pd.DataFrame(people, columns=_PEOPLE_COLUMNS),
    )


_AGREEMENT_COLUMNS = [
    "agreement_id",
    "article_id",
    "prompt_version",
    "model",
    "source",
    "article_title",
    "title",
    "kind",
    "status",
    "count",
    "signed_year",
    "signed_month",
    "signed_day",
    "published_year",
    "place",
    "areas",
    "establishes",
    "value_amount",
    "value_currency",
    "value_text",
    "duration",
    "evidence",
    "evidence_grounding",
    "parties",
    "people",
]
_PARTY_COLUMNS = [
    "agreement_id",
    "article_id",
    "party_index",
    "name",
    "short_name",
    "sector",
    "country",
    "grounding",
]
_PEOPLE_COLUMNS = [
    "agreement_id",
    "article_id",
    "person_index",
    "name",
    "title",
    "organization",
    "role",
    "grounding",
]
