"""The request body's bytes are those the openai client would send; answers parse strictly when
they can and leniently (as the openai client does) when a server leaves fields out."""

from __future__ import annotations

import json

import httpx
import openai
import pytest
from openai.types.chat import ChatCompletion

from agreement_llm.config import OutputStyle
from agreement_llm.fakeserver import VALID_RECORD, chat_completion
from agreement_llm.models import ArticleRecord
from agreement_llm.request import instructor_request, shared_parts
from agreement_llm.wire import completions_url, encode_body, encode_json, parse_completion

BODY = {
    "model": "m",
    "messages": [{"role": "user", "content": "签署战略合作协议 — “quoted” \u00a0 text"}],
    "temperature": 0.0,
    "max_tokens": 800,
    "response_format": {"type": "json_object", "schema": {"type": "object", "maxItems": 3}},
}


def _httpx_bytes(body: object) -> bytes:
    return httpx.Request("POST", "http://h/v1/chat/completions", json=body).content


def test_a_body_is_encoded_as_httpx_encodes_json() -> None:
    assert encode_body(BODY) == _httpx_bytes(BODY)


def test_a_kept_part_is_reused_and_another_value_under_its_key_encoded_afresh() -> None:
    fmt = {"type": "json_object", "schema": {"type": "object", "properties": {"a": {}}}}
    kept = {"response_format": (fmt, encode_json(fmt))}
    body = {**BODY, "response_format": fmt}
    assert encode_body(body, kept) == _httpx_bytes(body)
    marked = {"response_format": (fmt, b'"KEPT"')}  # shows which bytes were used
    assert b'"response_format":"KEPT"' in encode_body(body, marked)
    other = {**BODY, "response_format": json.loads(json.dumps(fmt))}
    assert encode_body(other, marked) == _httpx_bytes(other)


@pytest.mark.parametrize("style", list(OutputStyle))
def test_the_shared_parts_are_the_very_values_each_request_carries(style: OutputStyle) -> None:
    kwargs = {"model": "m", "messages": [{"role": "user", "content": "A and B signed."}]}
    body = instructor_request(ArticleRecord, kwargs, style, max_items=3)
    shared = shared_parts(ArticleRecord, style, max_items=3)
    assert all(body[key] is value for key, (value, _) in shared.items())
    assert encode_body(body, shared) == _httpx_bytes(body)
    if style in (OutputStyle.tools, OutputStyle.json_schema, OutputStyle.json_object_schema):
        assert shared  # the schema is encoded once, not per request


def test_a_conformant_answer_parses_to_a_chat_completion() -> None:
    answer = httpx.Response(200, json=chat_completion(VALID_RECORD, prompt_tokens=7))
    completion = parse_completion(answer)
    assert isinstance(completion, ChatCompletion)
    assert completion.choices[0].message.content == VALID_RECORD
    assert completion.usage is not None
    assert completion.usage.prompt_tokens == 7


def test_an_answer_missing_fields_parses_leniently_as_the_openai_client_does() -> None:
    data = chat_completion(VALID_RECORD)
    del data["created"], data["object"], data["id"]
    completion = parse_completion(httpx.Response(200, json=data))
    assert completion.choices[0].message.content == VALID_RECORD
    assert completion.choices[0].finish_reason == "stop"


@pytest.mark.parametrize(
    ("content", "why"),
    [(b"<html>bad gateway</html>", "Expecting value"), (b'{"error": "x"}', "no list of choices")],
)
def test_an_answer_that_is_no_chat_completion_is_a_value_error(content: bytes, why: str) -> None:
    with pytest.raises(ValueError, match=why):
        parse_completion(httpx.Response(200, content=content))


@pytest.mark.parametrize(
    ("base_url", "url"),
    [
        ("http://127.0.0.1:8765/v1", "http://127.0.0.1:8765/v1/chat/completions"),
        ("https://api.example.com/v1/", "https://api.example.com/v1/chat/completions"),
        ("https://api.example.com/openai/v1?api-version=1", "/chat/completions"),
    ],
)
def test_the_completions_url_is_absolute_unless_the_base_has_a_query(
    base_url: str, url: str
) -> None:
    client = openai.OpenAI(api_key="k", base_url=base_url)
    assert completions_url(client) == url
