"""extract(): retries, re-asks, typed errors and input checks, over a scripted transport."""

from __future__ import annotations

import asyncio
from typing import Any

import httpx
import openai
import pytest

from agreement_llm import (
    Extraction,
    ExtractionError,
    InputError,
    RetryPolicy,
    aextract_with_details,
    extract,
    extract_with_details,
)
from agreement_llm.config import Endpoint, OutputStyle, ServerKind
from agreement_llm.errors import ConfigError
from agreement_llm.retry import retry_after_seconds
from tests.fakes import VALID, Script, completion

TEXT = "On May 28, A Corp and B City signed an MoU. A and B signed an MoU."
FAST = RetryPolicy(transient_attempts=3, reasks=1, initial_wait=0.0, jitter=0.0)


def _endpoint(
    style: OutputStyle = OutputStyle.json_object_schema, context: int | None = None
) -> Endpoint:
    return Endpoint(
        model="test-model",
        kind=ServerKind.llama_cpp,
        style=style,
        base_url="http://127.0.0.1:1/v1",
        api_key="sk-test-FAKEKEY0123456789",
        context_tokens=context,
    )


def _run(script: Script) -> Extraction:
    return extract_with_details(
        TEXT, prompt="v1", endpoint=_endpoint(), client=script.client(), retry=FAST
    )


def test_valid_output_is_a_record_with_its_trace() -> None:
    script = Script(completion(VALID))
    result = extract_with_details(
        TEXT, prompt="v1", endpoint=_endpoint(), client=script.client(), retry=FAST
    )
    assert [p.name for p in result.record.agreements[0].parties] == ["A Corp", "B City"]
    assert result.prompt_version == "v1"
    assert result.usage.total_tokens == 120
    assert [a.outcome for a in result.attempts] == ["ok"]
    assert result.raw_completions == [VALID]
    assert result.grounding.spans[0].path == "agreements[0].evidence"


def test_llama_cpp_request_is_json_object_with_a_bounded_schema() -> None:
    script = Script(completion(VALID))
    extract(TEXT, prompt="v1", endpoint=_endpoint(), client=script.client(), retry=FAST)
    fmt = script.requests[0]["response_format"]
    assert fmt["type"] == "json_object"
    assert fmt["schema"]["$defs"]["Agreement"]["properties"]["parties"]["maxItems"] == 8
    assert script.requests[0]["max_tokens"] == 768
    assert script.requests[0]["temperature"] == 0.0


@pytest.mark.parametrize(
    ("style", "check"),
    [
        (OutputStyle.json_schema, lambda r: r["response_format"]["type"] == "json_schema"),
        (OutputStyle.tools, lambda r: r["tools"][0]["function"]["name"] == "ArticleRecord"),
        (OutputStyle.json_object, lambda r: r["response_format"] == {"type": "json_object"}),
        (OutputStyle.prompt, lambda r: "response_format" not in r),
    ],
)
def test_each_style_shapes_its_request(style: OutputStyle, check: object) -> None:
    tool_reply = httpx.Response(
        200,
        json={
            "id": "c",
            "object": "chat.completion",
            "created": 0,
            "model": "m",
            "choices": [
                {
                    "index": 0,
                    "finish_reason": "stop",
                    "message": {
                        "role": "assistant",
                        "content": None,
                        "tool_calls": [
                            {
                                "id": "t",
                                "type": "function",
                                "function": {"name": "ArticleRecord", "arguments": VALID},
                            }
                        ],
                    },
                }
            ],
            "usage": {"prompt_tokens": 1, "completion_tokens": 1, "total_tokens": 2},
        },
    )
    reply = (
        tool_reply
        if style is OutputStyle.tools
        else completion(f"```json\n{VALID}\n```" if style is OutputStyle.prompt else VALID)
    )
    script = Script(reply)
    record = extract(
        TEXT, prompt="v1", endpoint=_endpoint(style), client=script.client(), retry=FAST
    )
    assert len(record.agreements) == 1
    assert callable(check)
    assert check(script.requests[0])


def test_429_is_retried_and_honours_retry_after() -> None:
    script = Script(
        httpx.Response(429, headers={"retry-after": "0"}, json={"error": "slow"}), completion(VALID)
    )
    result = _run(script)
    assert [a.outcome for a in result.attempts] == ["transient", "ok"]


def test_retry_after_header_forms() -> None:
    request = httpx.Request("POST", "http://127.0.0.1:1/v1/chat/completions")

    def err(value: str) -> openai.RateLimitError:
        response = httpx.Response(429, headers={"retry-after": value}, request=request)
        return openai.RateLimitError("slow", response=response, body=None)

    assert retry_after_seconds(err("7")) == 7.0
    assert retry_after_seconds(err("Wed, 21 Oct 2015 07:28:00 GMT")) == 0.0
    assert retry_after_seconds(err("soon")) is None


def test_5xx_until_retries_run_out_is_one_typed_error() -> None:
    script = Script(*(httpx.Response(503, json={"error": "busy"}) for _ in range(3)))
    with pytest.raises(ExtractionError) as info:
        _run(script)
    err = info.value
    assert err.kind == "transient"
    assert len(err.attempts) == 3
    assert "HTTP 503" in str(err)
    assert "\n" not in str(err)


def test_invalid_output_is_reasked_with_the_error() -> None:
    script = Script(completion('{"agreements": [{"kind": "treaty"}]}'), completion(VALID))
    result = _run(script)
    assert [a.outcome for a in result.attempts] == ["invalid_output", "ok"]
    second = script.requests[1]["messages"]
    assert any(
        "treaty" in str(m.get("content")) or "evidence" in str(m.get("content")) for m in second[2:]
    )
    assert result.usage.total_tokens == 240


def test_invalid_output_after_the_reasks_carries_attempts_raw_and_usage() -> None:
    script = Script(completion("not json at all"), completion('{"agreements": 3}'))
    with pytest.raises(ExtractionError) as info:
        _run(script)
    err = info.value
    assert err.kind == "invalid_output"
    assert len(err.attempts) == 2
    assert err.last_raw == '{"agreements": 3}'
    assert err.usage.total_tokens == 240
    assert "after 1 re-asks" in str(err)


def test_truncated_output_is_reported_as_such() -> None:
    script = Script(completion('{"agreements": [', finish_reason="length"))
    with pytest.raises(ExtractionError, match="cut off at max_tokens=768") as info:
        _run(script)
    assert info.value.kind == "truncated"
    assert info.value.last_raw == '{"agreements": ['


def test_refused_request_is_not_retried_and_hides_the_key() -> None:
    script = Script(
        httpx.Response(
            401,
            json={"error": {"message": "Incorrect API key provided: sk-test-FAKEKEY0123456789"}},
        )
    )
    with pytest.raises(ExtractionError) as info:
        _run(script)
    assert info.value.kind == "http_error"
    assert len(info.value.attempts) == 1
    assert "FAKEKEY" not in str(info.value)
    assert "FAKEKEY" not in repr(info.value.attempts)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "article text is empty"),
        ("  \n\t", "only white space"),
        ("a\x00b", "NUL bytes"),
        (b"bytes", "must be a str"),
    ],
)
def test_unusable_text_is_refused_before_any_request(text: object, message: str) -> None:
    script = Script()
    with pytest.raises(InputError, match=message):
        extract(text, prompt="v1", endpoint=_endpoint(), client=script.client())  # type: ignore[arg-type]
    assert script.requests == []


def test_text_longer_than_the_context_is_refused_with_the_count() -> None:
    script = Script()
    with pytest.raises(InputError, match=r"article too long: about \d+ prompt tokens"):
        extract_with_details(
            "word " * 5000, prompt="v1", endpoint=_endpoint(context=2048), client=script.client()
        )
    assert script.requests == []


def test_model_argument_overrides_the_endpoint() -> None:
    script = Script(completion(VALID))
    extract(
        TEXT,
        prompt="v1",
        model="other-model",
        endpoint=_endpoint(),
        client=script.client(),
        retry=FAST,
    )
    assert script.requests[0]["model"] == "other-model"


def test_a_year_the_model_invents_is_removed() -> None:
    invented = VALID.replace(
        '"published_on": null', '"published_on": {"year": 1999, "month": 5, "day": 28}'
    )
    result = _run(Script(completion(invented)))
    assert result.record.published_on is not None
    assert result.record.published_on.year is None
    assert result.date_changes[0].reason == "year not in the text"


AZURE: dict[str, Any] = {
    "azure_endpoint": "https://unit.openai.azure.com",
    "api_version": "2024-10-21",
    "api_key": "sk-test-FAKEKEY0123456789",
    "max_retries": 0,
}


def test_an_azure_client_posts_to_the_deployment_its_model_names() -> None:
    script = Script(completion(VALID))
    client = openai.AzureOpenAI(
        **AZURE,
        http_client=httpx.Client(transport=httpx.MockTransport(script)),
    )
    extract(TEXT, prompt="v1", model="my-deployment", client=client, retry=FAST)
    (url,) = script.urls
    assert url.path == "/openai/deployments/my-deployment/chat/completions"
    assert url.params["api-version"] == "2024-10-21"
    assert script.requests[0]["model"] == "my-deployment"


def test_an_async_azure_client_posts_to_the_deployment_its_model_names() -> None:
    script = Script(completion(VALID))
    client = openai.AsyncAzureOpenAI(
        **AZURE,
        http_client=httpx.AsyncClient(transport=httpx.MockTransport(script)),
    )
    asyncio.run(
        aextract_with_details(TEXT, prompt="v1", model="my-deployment", client=client, retry=FAST)
    )
    assert script.urls[0].path == "/openai/deployments/my-deployment/chat/completions"


def test_a_clients_default_query_goes_with_every_request() -> None:
    script = Script(completion(VALID))
    client = openai.OpenAI(
        api_key="k",
        base_url="http://127.0.0.1:1/v1",
        default_query={"api-version": "1"},
        max_retries=0,
        http_client=httpx.Client(transport=httpx.MockTransport(script)),
    )
    extract(TEXT, prompt="v1", model="m", client=client, retry=FAST)
    (url,) = script.urls
    assert url.path == "/v1/chat/completions"
    assert url.params["api-version"] == "1"


def test_a_client_whose_base_url_has_a_query_is_refused_before_any_request() -> None:
    script = Script()
    client = openai.OpenAI(
        api_key="k",
        base_url="http://127.0.0.1:1/v1?api-version=1",
        max_retries=0,
        http_client=httpx.Client(transport=httpx.MockTransport(script)),
    )
    with pytest.raises(ConfigError, match=r"has a query or fragment.*default_query"):
        extract(TEXT, prompt="v1", model="m", client=client, retry=FAST)
    assert script.requests == []
