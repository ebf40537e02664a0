"""Stepwise recipes: the requests of each step for each server kind, the flow of steps, and the
spec's rules that assemble the record (these replies are scripted to drive the code; every
answer the eval scores comes from a recorded cassette)."""

from __future__ import annotations

import json
from typing import Any

import httpx
import pytest

from agreement_llm import ExtractionError, RetryPolicy, extract_with_details
from agreement_llm.assembly import assemble
from agreement_llm.config import Endpoint, OutputStyle, ServerKind
from agreement_llm.models import AgreementKind, Role, Status
from agreement_llm.prompts import load_prompt
from agreement_llm.steps import AgreementsAnswer, PeopleAnswer
from tests.fakes import Script, completion

FAST = RetryPolicy(transient_attempts=2, reasks=1, initial_wait=0.0, jitter=0.0)

ARTICLE = """TITLE: Harbour city signs deals

Updated: 2031-05-09 10:12 Harbour City signed separate strategic cooperation framework \
agreements with Alpha Shipping Group (ASG), Beta Port Company and Gamma Logistics on Thursday \
in Seaport.
Mayor Lin Tao and ASG chairman Wu Bo signed the agreements. Vice Mayor Zhou Qi attended.
The deals are worth 3.5 billion RMB yuan and cover green shipping and port logistics.
"""


def _party(name: str, short: str | None = None, country: str | None = "CN") -> dict[str, Any]:
    return {"name": name, "short_name": short, "sector": "company", "country": country}


AGREEMENTS: dict[str, Any] = {
    "agreements": [
        {
            "evidence": "Harbour City signed separate agreements.",
            "title": "strategic cooperation framework agreements",
            "kind": "contract",
            "status": "signed",
            "count": 1,
            "parties": [
                {**_party("Harbour City"), "sector": "local_government"},
                _party("Alpha Shipping Group", "ASG"),
                _party("Beta Port Company", country="UK"),
                _party("Gamma Logistics", country="YI"),
            ],
            "signed_on": {"year": None, "month": None, "day": None, "weekday": "Thursday"},
            "place": "Seaport",
            "areas": ["green shipping", "port logistics", "space tourism"],
            "establishes": [],
            "value": {"amount": 3.5, "currency": "RMB", "text": "3.5 billion RMB yuan"},
            "duration": "five years",
        }
    ]
}
PEOPLE: dict[str, Any] = {
    "people": [
        {"name": "Lin Tao", "title": "Mayor", "organization": "Harbour City", "role": "signatory"},
        {"name": "Wu Bo", "title": "ASG chairman", "organization": "ASG", "role": "signatory"},
        {"name": "Zhou Qi", "title": "Vice Mayor", "organization": None, "role": "attendee"},
        {"name": "Sun Zhe", "title": "Minister", "organization": None, "role": "witness"},
    ]
}


def test_assemble_applies_the_spec_rules() -> None:
    record, notes = assemble(
        AgreementsAnswer.model_validate(AGREEMENTS), PeopleAnswer.model_validate(PEOPLE), ARTICLE
    )
    assert record.published_on is not None
    assert (record.published_on.year, record.published_on.month) == (2031, 5)
    # "separate ... agreements with A, B and C": one record per partner of Harbour City
    assert [[p.name for p in a.parties] for a in record.agreements] == [
        ["Harbour City", "Alpha Shipping Group"],
        ["Harbour City", "Beta Port Company"],
        ["Harbour City", "Gamma Logistics"],
    ]
    first, second, third = record.agreements
    assert first.kind is AgreementKind.strategic_cooperation_framework_agreement  # the title's
    assert first.signed_on is not None
    assert (first.signed_on.month, first.signed_on.day) == (5, 8)  # Thursday before 2031-05-09
    assert first.value is not None
    assert (first.value.amount, first.value.currency) == (3.5e9, "CNY")  # read from the text
    assert first.areas == ["green shipping", "port logistics"]  # "space tourism" is not there
    assert first.duration is None  # "five years" is not in the article
    assert second.parties[1].country == "GB"  # UK maps to GB with certainty
    assert third.parties[1].country is None  # "YI" is no code: dropped, not the record
    assert first.evidence in ARTICLE  # the article's own sentence, verbatim
    assert "Alpha Shipping Group" in first.evidence
    # Wu Bo's organization (ASG) is a party of one agreement only; the others attend each
    assert [p.name for p in first.people] == ["Lin Tao", "Wu Bo", "Zhou Qi"]
    assert [p.name for p in second.people] == ["Lin Tao", "Zhou Qi"]
    assert first.people[0].role is Role.signatory
    assert any("'YI' is not a country code" in n for n in notes)
    assert any("'Sun Zhe' is not in the article" in n for n in notes)
    assert any("'space tourism' is not in the article" in n for n in notes)


def test_a_date_the_text_does_not_give_is_dropped() -> None:
    answer = json.loads(json.dumps(AGREEMENTS))
    answer["agreements"][0]["signed_on"] = {"year": 2031, "month": 5, "day": 3, "weekday": None}
    record, notes = assemble(AgreementsAnswer.model_validate(answer), None, ARTICLE)
    assert record.agreements[0].signed_on is None
    assert any("5-3 is not a date the text gives" in n for n in notes)


def test_no_party_in_the_text_no_agreement() -> None:
    answer = {"agreements": [{**AGREEMENTS["agreements"][0], "parties": [_party("Harbin")]}]}
    record, _ = assemble(AgreementsAnswer.model_validate(answer), None, ARTICLE)
    assert record.agreements == []


def _endpoint(style: OutputStyle) -> Endpoint:
    return Endpoint(
        model="test-model",
        kind=ServerKind.llama_cpp,
        style=style,
        base_url="http://127.0.0.1:1/v1",
        api_key="sk-test-FAKEKEY0123456789",
    )


def _reply(style: OutputStyle, name: str, answer: dict[str, Any]) -> httpx.Response:
    content = json.dumps(answer)
    if style is OutputStyle.prompt:
        return completion(f"```json\n{content}\n```")
    if style is not OutputStyle.tools:
        return completion(content)
    call = {"id": "t", "type": "function", "function": {"name": name, "arguments": content}}
    message = {"role": "assistant", "content": None, "tool_calls": [call]}
    choice = {"index": 0, "finish_reason": "stop", "message": message}
    usage = {"prompt_tokens": 1, "completion_tokens": 1, "total_tokens": 2}
    body = {"id": "c", "object": "chat.completion", "created": 0, "model": "m"}
    return httpx.Response(200, json={**body, "choices": [choice], "usage": usage})


@pytest.mark.parametrize("style", list(OutputStyle))
def test_each_server_kind_gets_each_steps_request(style: OutputStyle) -> None:
    script = Script(
        _reply(style, "AgreementsAnswer", AGREEMENTS), _reply(style, "PeopleAnswer", PEOPLE)
    )
    result = extract_with_details(
        ARTICLE, prompt="v3", endpoint=_endpoint(style), client=script.client(), retry=FAST
    )
    assert len(result.record.agreements) == 3
    assert [a.step for a in result.attempts] == ["agreements", "people"]
    first, second = script.requests
    # the same system prompt and article open both requests (a server reuses the prefix);
    # modes that write the schema into the system message differ there
    if style not in (OutputStyle.json_object, OutputStyle.prompt):
        assert first["messages"][0] == second["messages"][0]
    assert "Gamma Logistics on Thursday" in second["messages"][-1]["content"]
    prompt = load_prompt("v3")
    cues = [step.cue for step in prompt.manifest.steps]
    assert cues[0] in first["messages"][-1]["content"]
    assert cues[1] in second["messages"][-1]["content"]
    assert [r["max_tokens"] for r in script.requests] == [
        s.max_tokens for s in prompt.manifest.steps
    ]
    if style is OutputStyle.json_object_schema:  # llama.cpp: codes are enums of the grammar
        schema = first["response_format"]["schema"]
        assert first["response_format"]["type"] == "json_object"
        country = schema["$defs"]["StepParty"]["properties"]["country"]["anyOf"][0]
        assert "GB" in country["enum"]
        assert "UK" not in country["enum"]
    if style is OutputStyle.json_schema:  # OpenAI strict / vLLM guided decoding
        assert first["response_format"]["type"] == "json_schema"
    if style is OutputStyle.tools:
        assert first["tools"][0]["function"]["name"] == "AgreementsAnswer"


def test_the_people_step_is_skipped_when_nothing_was_signed() -> None:
    script = Script(completion(json.dumps({"agreements": []})))
    result = extract_with_details(
        ARTICLE,
        prompt="v3",
        endpoint=_endpoint(OutputStyle.json_object_schema),
        client=script.client(),
        retry=FAST,
    )
    assert result.record.agreements == []
    assert len(script.requests) == 1


def test_a_failed_step_keeps_every_attempt() -> None:
    script = Script(
        completion(json.dumps(AGREEMENTS)), completion("not json"), completion("still not")
    )
    with pytest.raises(ExtractionError) as err:
        extract_with_details(
            ARTICLE,
            prompt="v3",
            endpoint=_endpoint(OutputStyle.json_object_schema),
            client=script.client(),
            retry=FAST,
        )
    assert [a.step for a in err.value.attempts] == ["agreements", "people", "people"]
    assert [a.number for a in err.value.attempts] == [1, 2, 3]
    assert err.value.kind == "invalid_output"


def test_no_document_named_no_agreement() -> None:
    talks = "TITLE: Visit\n\nHarbour City and Alpha Shipping Group held talks on cooperation.\n"
    answer = {"agreements": [{**AGREEMENTS["agreements"][0], "title": None}]}
    record, notes = assemble(AgreementsAnswer.model_validate(answer), None, talks)
    assert record.agreements == []
    assert any("names no signed document" in n for n in notes)


def test_statuses_are_kept() -> None:
    answer = json.loads(json.dumps(AGREEMENTS))
    answer["agreements"][0]["status"] = "planned"
    answer["agreements"][0]["parties"] = answer["agreements"][0]["parties"][:2]
    record, _ = assemble(AgreementsAnswer.model_validate(answer), None, ARTICLE)
    assert [a.status for a in record.agreements] == [Status.planned]


def test_optional_rules_people_are_persons_and_roles_from_the_text() -> None:
    people = json.loads(json.dumps(PEOPLE))
    people["people"].append(
        {"name": "Beta Port Company", "title": None, "organization": None, "role": "signatory"}
    )
    people["people"][2]["role"] = "signatory"  # Zhou Qi only "attended"
    answer = AgreementsAnswer.model_validate(AGREEMENTS)
    plain, _ = assemble(answer, PeopleAnswer.model_validate(people), ARTICLE)
    assert "Beta Port Company" in [p.name for p in plain.agreements[0].people]
    strict, notes = assemble(
        answer,
        PeopleAnswer.model_validate(people),
        ARTICLE,
        {"people_are_persons", "roles_from_the_text"},
    )
    first = strict.agreements[0]
    assert [p.name for p in first.people] == ["Lin Tao", "Wu Bo", "Zhou Qi"]
    assert [p.role for p in first.people] == [Role.signatory, Role.signatory, Role.attendee]
    assert any("'Beta Port Company' is an organization" in n for n in notes)
    assert any("does not say Zhou Qi signed" in n for n in notes)


def test_optional_rule_phrases_not_identifiers() -> None:
    answer = json.loads(json.dumps(AGREEMENTS))
    answer["agreements"][0]["areas"] = ["green_shipping"]
    model = AgreementsAnswer.model_validate(answer)
    assert assemble(model, None, ARTICLE)[0].agreements[0].areas == ["green_shipping"]
    record, _ = assemble(model, None, ARTICLE, {"phrases_not_identifiers"})
    assert record.agreements[0].areas == ["green shipping"]


def test_rules_belong_to_stepwise_versions() -> None:
    from agreement_llm.prompts import PromptManifest

    base = {"id": "v9", "date": "2026-12-07", "description": "x"}
    with pytest.raises(ValueError, match="rules apply to a stepwise recipe"):
        PromptManifest.model_validate({**base, "rules": ["people_are_persons"]})
    with pytest.raises(ValueError, match="starts with the step 'agreements'"):
        PromptManifest.model_validate(
            {
                **base,
                "recipe": "stepwise",
                "steps": [{"name": "people", "cue": "c", "max_tokens": 99}],
            }
        )


def test_optional_rule_short_values_are_words() -> None:
    answer = json.loads(json.dumps(AGREEMENTS))
    answer["agreements"][0]["parties"][1]["short_name"] = "Alp"  # inside "Alpha", not a word
    model = AgreementsAnswer.model_validate(answer)
    assert assemble(model, None, ARTICLE)[0].agreements[0].parties[1].short_name == "Alp"
    record, notes = assemble(model, None, ARTICLE, {"short_values_are_words"})
    assert record.agreements[0].parties[1].short_name is None
    assert any("'Alp' is not in the article" in n for n in notes)
