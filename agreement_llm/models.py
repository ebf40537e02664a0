"""The agreement record: the Pydantic models of the spec, field for field.

These models are the contract between the extractor, the gold files and the scorer
(`docs/spec.md`, copied from the project's record spec). They import no LLM client.
"""

from __future__ import annotations

import calendar
import json
from enum import StrEnum
from functools import cache
from typing import Annotated, Any

import pycountry
from pydantic import BaseModel, ConfigDict, Field, model_validator

__all__ = [
    "Agreement",
    "AgreementKind",
    "ArticleRecord",
    "Money",
    "PartialDate",
    "Party",
    "Person",
    "Role",
    "Sector",
    "Status",
]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


class AgreementKind(StrEnum):
    """The kind of document, from the words the article uses for it."""

    strategic_cooperation_agreement = "strategic_cooperation_agreement"
    strategic_cooperation_framework_agreement = "strategic_cooperation_framework_agreement"
    framework_agreement = "framework_agreement"
    cooperation_agreement = "cooperation_agreement"
    memorandum_of_understanding = "memorandum_of_understanding"
    letter_of_intent = "letter_of_intent"
    investment_agreement = "investment_agreement"
    contract = "contract"
    sister_city_agreement = "sister_city_agreement"
    other = "other"


class Status(StrEnum):
    """Whether the agreement was signed in the reported event, is planned, or is background."""

    signed = "signed"
    planned = "planned"
    earlier = "earlier"


class Sector(StrEnum):
    """What kind of organization a party is."""

    national_government = "national_government"
    local_government = "local_government"
    state_owned_enterprise = "state_owned_enterprise"
    company = "company"
    university = "university"
    research_institute = "research_institute"
    international_organization = "international_organization"
    other = "other"


class Role(StrEnum):
    """A person's part in a signing, strongest first: signatory > witness > presider > attendee."""

    signatory = "signatory"
    witness = "witness"
    presider = "presider"
    attendee = "attendee"


NonEmpty = Annotated[str, Field(min_length=1)]


class PartialDate(_Strict):
    """A date whose parts the text may give only in part; a part not given is null."""

    year: Annotated[int, Field(ge=1000, le=2999)] | None = None
    month: Annotated[int, Field(ge=1, le=12)] | None = None
    day: Annotated[int, Field(ge=1, le=31)] | None = None

    @model_validator(mode="after")
    def _day_fits_month(self) -> PartialDate:
        if self.day is not None and self.month is not None:
            year = self.year if self.year is not None else 2000  # a leap year admits 29 Feb
            last = calendar.monthrange(year, self.month)[1]
            if self.day > last:
                raise ValueError(f"day {self.day} does not exist in month {self.month}")
        return self

    @property
    def is_complete(self) -> bool:
        """True when year, month and day are all given."""
        return self.year is not None and self.month is not None and self.day is not None

    @property
    def is_empty(self) -> bool:
        """True when no part is given."""
        return self.year is None and self.month is None and self.day is None


class Money(_Strict):
    """A monetary value: amount, ISO 4217 currency, and the text as written."""

    amount: Annotated[float, Field(ge=0)]
    currency: Annotated[str, Field(pattern=r"^[A-Z]{3}$")]
    text: NonEmpty

    @model_validator(mode="after")
    def _known_currency(self) -> Money:
        if not is_currency_code(self.currency):
            raise ValueError(f"currency {self.currency!r} is not an ISO 4217 code")
        return self


class Party(_Strict):
    """An organization that is a party to an agreement."""

    name: NonEmpty
    short_name: str | None = None
    sector: Sector = Sector.other
    country: Annotated[str, Field(pattern=r"^[A-Z]{2}$")] | None = None

    @model_validator(mode="after")
    def _known_country(self) -> Party:
        if self.country is not None and not is_country_code(self.country):
            raise ValueError(f"country {self.country!r} is not an ISO 3166-1 alpha-2 code")
        return self


class Person(_Strict):
    """A person the article places at an agreement's signing."""

    name: NonEmpty
    title: str | None = None
    organization: str | None = None
    role: Role = Role.attendee


class Agreement(_Strict):
    """One agreement document (or one batch of unnamed documents, with `count`)."""

    title: str | None = None
    kind: AgreementKind = AgreementKind.other
    status: Status = Status.signed
    count: Annotated[int, Field(ge=1)] | None = 1
    parties: list[Party] = Field(default_factory=list)
    signed_on: PartialDate | None = None
    place: str | None = None
    people: list[Person] = Field(default_factory=list)
    areas: list[NonEmpty] = Field(default_factory=list)
    establishes: list[NonEmpty] = Field(default_factory=list)
    value: Money | None = None
    duration: str | None = None
    evidence: NonEmpty


class CachedSchema(BaseModel):
    """A model whose JSON schema is computed once per set of arguments (each call gets its own
    copy): structured-output clients ask for it on every request, and generating it cost more
    CPU than the rest of an extraction."""

    @classmethod
    def model_json_schema(cls, *args: Any, **kwargs: Any) -> dict[str, Any]:
        """The JSON schema, from the cache when this definition's was computed before."""
        # structured-output clients derive a fresh subclass per call: key on the definition
        fields = [(n, repr(f.annotation), repr(f.default)) for n, f in cls.model_fields.items()]
        key = repr((cls.__name__, cls.__doc__, fields, args, sorted(kwargs.items())))
        text = _SCHEMAS.get(key)
        if text is None:
            text = json.dumps(super().model_json_schema(*args, **kwargs))
            _SCHEMAS[key] = text
        result: dict[str, Any] = json.loads(text)
        return result


class ArticleRecord(_Strict, CachedSchema):
    """Everything extracted from one article: its own date and the agreements it reports."""

    published_on: PartialDate | None = None
    agreements: list[Agreement] = Field(default_factory=list)

    def _repr_html_(self) -> str:
        from agreement_llm.display import record_html

        return record_html(self)


_SCHEMAS: dict[str, str] = {}


@cache
def _countries() -> frozenset[str]:
    return frozenset(c.alpha_2 for c in pycountry.countries)


@cache
def _currencies() -> frozenset[str]:
    return frozenset(c.alpha_3 for c in pycountry.currencies)


def country_codes() -> list[str]:
    """Every ISO 3166-1 alpha-2 code, sorted."""
    return sorted(_countries())


def currency_codes() -> list[str]:
    """Every ISO 4217 code, sorted."""
    return sorted(_currencies())


def is_country_code(code: str) -> bool:
    """True when `code` is an ISO 3166-1 alpha-2 country code."""
    return code in _countries()


def is_currency_code(code: str) -> bool:
    """True when `code` is an ISO 4217 currency code."""
    return code in _currencies()
