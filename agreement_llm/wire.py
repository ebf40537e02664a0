"""A chat-completion request on the wire: its URL, its body's bytes, its answer parsed.

The openai client would encode each body and parse each answer itself; doing it here costs
far less CPU per request (benchmarks/throughput.py): the part of a body that every request
shares (the schema) is encoded once, and an answer is validated straight from its bytes. The
bytes are those the openai client sends; an answer that does not validate is built the
client's lenient way, as before.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

import httpx
import openai
from openai.types.chat import ChatCompletion
from pydantic import ValidationError

__all__ = [
    "Kept",
    "completions_url",
    "encode_body",
    "encode_json",
    "is_azure",
    "parse_completion",
]


# what httpx sends for `json=` (and so what the openai client sends); one encoder, as
# json.dumps with options builds a new one per call
_ENCODER = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"), allow_nan=False)

Kept = Mapping[str, tuple[object, bytes]]
"""Parts of a body encoded beforehand: for a key, the value they were encoded from and its JSON."""


def encode_json(value: Any) -> bytes:
    """`value` as the JSON bytes the openai client sends."""
    return _ENCODER.encode(value).encode()


def encode_body(body: Mapping[str, Any], kept: Kept | None = None) -> bytes:
    """`body` as JSON bytes; a value that is the very one `kept` holds for its key is not
    encoded again."""
    parts = []
    for key, value in body.items():
        known = kept.get(key) if kept else None
        encoded = known[1] if known is not None and known[0] is value else encode_json(value)
        parts.append(encode_json(key) + b":" + encoded)
    return b"{" + b",".join(parts) + b"}"


_SDK_PATH = "/chat/completions"


def completions_url(client: openai.OpenAI | openai.AsyncOpenAI) -> str:
    """Where `client` posts a chat completion. Usually the full URL, which the client parses
    once per request (a path relative to its base URL is parsed three times). The SDK's own
    path when the base URL has a query, and for Azure clients, which rewrite it to their
    deployment's."""
    base = client.base_url
    if is_azure(client) or base.query or base.fragment:
        return _SDK_PATH
    return f"{str(base).rstrip('/')}{_SDK_PATH}"


def is_azure(client: openai.OpenAI | openai.AsyncOpenAI) -> bool:
    """Whether `client` is an Azure OpenAI client (it sends a request to the deployment its
    model names, which it reads from the body as it was given: a mapping, not bytes)."""
    return isinstance(client, openai.AzureOpenAI | openai.AsyncAzureOpenAI)


def parse_completion(response: httpx.Response) -> ChatCompletion:
    """The chat completion in `response`; raises `ValueError` when its body is not one."""
    try:
        return ChatCompletion.model_validate_json(response.content)
    except ValidationError:
        data = response.json()  # not JSON at all: ValueError
        if not isinstance(data, dict) or not isinstance(data.get("choices"), list):
            raise ValueError("the body has no list of choices") from None
        return ChatCompletion.construct(**data)
