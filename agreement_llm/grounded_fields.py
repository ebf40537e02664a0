"""Which values of a record the spec says must come from the article text."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from agreement_llm.models import ArticleRecord


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
