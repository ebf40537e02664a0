"""The stepwise recipes' answers: one small schema per step, and a labelled record in the
form of the `agreements` step's answer (a worked example)."""

from __future__ import annotations

import json
from enum import StrEnum
from typing import Annotated, Any

from pydantic import ConfigDict, WithJsonSchema

from agreement_llm.models import (
    AgreementKind,
    ArticleRecord,
    CachedSchema,
    PartialDate,
    Role,
    Sector,
    Status,
    country_codes,
    currency_codes,
)

__all__ = [
    "STEP_MODELS",
    "AgreementsAnswer",
    "PeopleAnswer",
    "SignsFor",
    "SignsForAnswer",
    "StepAgreement",
    "StepDate",
    "StepMoney",
    "StepParty",
    "example_answer",
]


class Weekday(StrEnum):
    """A day of the week, as an article may give a signing date."""

    Monday = "Monday"
    Tuesday = "Tuesday"
    Wednesday = "Wednesday"
    Thursday = "Thursday"
    Friday = "Friday"
    Saturday = "Saturday"
    Sunday = "Sunday"


# Code fields are plain strings to validation (a wrong code is dropped and flagged, never the
# record) but enums in the schema, so a server that enforces the schema cannot write another.
CountryCode = Annotated[str, WithJsonSchema({"type": "string", "enum": country_codes()})]
CurrencyCode = Annotated[str, WithJsonSchema({"type": "string", "enum": currency_codes()})]


class _Answer(CachedSchema):
    model_config = ConfigDict(extra="ignore")


class StepParty(_Answer):
    name: str
    short_name: str | None
    sector: Sector
    country: CountryCode | None


class StepDate(_Answer):
    year: int | None
    month: int | None
    day: int | None
    weekday: Weekday | None


class StepMoney(_Answer):
    amount: float
    currency: CurrencyCode
    text: str


class StepAgreement(_Answer):
    evidence: str
    title: str | None
    kind: AgreementKind
    status: Status
    count: int | None
    parties: list[StepParty]
    signed_on: StepDate
    place: str | None
    areas: list[str]
    establishes: list[str]
    value: StepMoney | None
    duration: str | None


class AgreementsAnswer(_Answer):
    """Step `agreements`: the agreements an article reports, without their people."""

    agreements: list[StepAgreement]


class StepPerson(_Answer):
    name: str
    title: str | None
    organization: str | None
    role: Role


class PeopleAnswer(_Answer):
    """Step `people`: the people the article places at the signing."""

    people: list[StepPerson]


class SignsFor(_Answer):
    person: str
    organization: str


class SignsForAnswer(_Answer):
    """Step `signs_for`: the organization or country each named person signs for."""

    signs_for: list[SignsFor]


STEP_MODELS: dict[str, type[_Answer]] = {
    "agreements": AgreementsAnswer,
    "sentences": AgreementsAnswer,
    "people": PeopleAnswer,
    "signs_for": SignsForAnswer,
}


def example_answer(record: ArticleRecord, most: int = 4) -> str:
    """The `agreements` step's answer a labelled record makes (its first `most` agreements),
    as a worked example: compact, with empty values left out."""

    def shown(value: Any) -> bool:
        return value not in (None, [], {}) and not (
            isinstance(value, dict) and not any(shown(v) for v in value.values())
        )

    def compact(value: Any) -> Any:
        if isinstance(value, dict):
            return {k: compact(v) for k, v in value.items() if shown(v)}
        if isinstance(value, list):
            return [compact(v) for v in value]
        return value

    items = [
        StepAgreement.model_validate(
            {
                **a.model_dump(),
                "signed_on": {**(a.signed_on or PartialDate()).model_dump(), "weekday": None},
            }
        ).model_dump(mode="json")
        for a in record.agreements[:most]
    ]
    for item in items:
        if item["count"] == 1:
            del item["count"]
    return json.dumps({"agreements": compact(items)}, ensure_ascii=False)
