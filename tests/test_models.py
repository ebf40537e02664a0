from __future__ import annotations

import json

import pytest
from pydantic import BaseModel, ValidationError

from agreement_llm.models import (
    Agreement,
    AgreementKind,
    ArticleRecord,
    Money,
    PartialDate,
    Party,
    Person,
    Role,
    Sector,
)


def _record() -> ArticleRecord:
    return ArticleRecord(
        published_on=PartialDate(year=2019, month=3, day=20),
        agreements=[
            Agreement(
                title="strategic cooperation agreement",
                kind=AgreementKind.strategic_cooperation_agreement,
                parties=[
                    Party(
                        name="State Information Center",
                        short_name="SIC",
                        sector=Sector.national_government,
                        country="CN",
                    )
                ],
                signed_on=PartialDate(month=3, day=20),
                people=[Person(name="Cheng Xiaobo", role=Role.signatory)],
                areas=["big data"],
                value=Money(amount=1e10, currency="CNY", text="10 billion RMB Yuan"),
                evidence="They signed.",
            )
        ],
    )


def test_json_round_trip_keeps_every_value() -> None:
    record = _record()
    again = ArticleRecord.model_validate_json(record.model_dump_json())
    assert again == record


def test_json_schema_names_every_spec_field() -> None:
    schema = ArticleRecord.model_json_schema()
    agreement = schema["$defs"]["Agreement"]["properties"]
    assert set(agreement) == {
        "title",
        "kind",
        "status",
        "count",
        "parties",
        "signed_on",
        "place",
        "people",
        "areas",
        "establishes",
        "value",
        "duration",
        "evidence",
    }
    assert schema["$defs"]["Agreement"]["additionalProperties"] is False
    assert set(schema["$defs"]["AgreementKind"]["enum"]) == {k.value for k in AgreementKind}
    assert schema["$defs"]["Role"]["enum"] == ["signatory", "witness", "presider", "attendee"]


def test_schema_validates_its_own_example() -> None:
    data = json.loads(_record().model_dump_json())
    assert ArticleRecord.model_validate(data).agreements[0].parties[0].short_name == "SIC"


@pytest.mark.parametrize(
    ("model", "data", "fragment"),
    [
        (Party, {"name": "X", "colour": "red"}, "Extra inputs are not permitted"),
        (ArticleRecord, {"agreements": [], "summary": "x"}, "Extra inputs are not permitted"),
        (PartialDate, {"month": 13}, "less than or equal to 12"),
        (PartialDate, {"year": 2021, "month": 2, "day": 29}, "does not exist"),
        (Party, {"name": "X", "country": "XX"}, "not an ISO 3166-1"),
        (Party, {"name": "X", "country": "cn"}, "pattern"),
        (Money, {"amount": 5, "currency": "RMB", "text": "5 RMB"}, "not an ISO 4217"),
        (Person, {"name": "A", "role": "host"}, "Input should be"),
        (Agreement, {"kind": "treaty", "evidence": "e"}, "Input should be"),
        (Agreement, {"title": "t"}, "evidence"),
        (Agreement, {"evidence": "e", "count": 0}, "greater than or equal to 1"),
        (Party, {"name": ""}, "at least 1 character"),
    ],
)
def test_invalid_values_are_refused(
    model: type[BaseModel], data: dict[str, object], fragment: str
) -> None:
    with pytest.raises(ValidationError, match=fragment):
        model.model_validate(data)


def test_leap_day_without_a_year_is_allowed() -> None:
    assert PartialDate(month=2, day=29).day == 29


def test_defaults_make_compact_output_valid() -> None:
    record = ArticleRecord.model_validate({"agreements": [{"evidence": "They signed."}]})
    agreement = record.agreements[0]
    assert agreement.kind is AgreementKind.other
    assert agreement.count == 1
    assert agreement.parties == []
