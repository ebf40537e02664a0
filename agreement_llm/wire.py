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

__all__ = ["completions_url", "encode_body", "encode_once", "parse_completion"]


# what httpx sends for `json=` (and so what the openai client sends); one encoder, as
# json.dumps with options builds a new one per call
_ENCODER = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"), allow_nan=False)


def _dumps(value: Any) -> bytes:
    return _ENCODER.encode(value).encode()


_ENCODED: dict[int, tuple[object, bytes]] = {}


def encode_once(value: object) -> None:
    """Keep the JSON of `value`, a part that many request bodies share and none changes."""
    _ENCODED[id(value)] = (value, _dumps(value))


def encode_body(body: Mapping[str, Any]) -> bytes:
    """`body` as JSON bytes (the parts kept by `encode_once` are not encoded again)."""
    parts = []
    for key, value in body.items():
        kept = _ENCODED.get(id(value))
        encoded = kept[1] if kept is not None and kept[0] is value else _dumps(value)
        parts.append(_dumps(key) + b":" + encoded)
    return b"{" + b",".join(parts) + b"}"


def completions_url(client: openai.OpenAI | openai.AsyncOpenAI) -> str:
    """The full URL of the chat-completions endpoint of `client` (parsed once per request,
    where a path relative to the client's base URL is parsed three times)."""
    base = client.base_url
    if base.query or base.fragment:
        return "chat/completions"
    return f"{str(base).rstrip('/')}/chat/completions"


def parse_completion(response: httpx.Response) -> ChatCompletion:
    """The chat completion in `response`; raises `ValueError` when its body is not one."""
    try:
        return ChatCompletion.model_validate_json(response.content)
    except ValidationError:
        data = response.json()  # not JSON at all: ValueError
        if not isinstance(data, dict) or not isinstance(data.get("choices"), list):
            raise ValueError("the body has no list of choices") from None
        return ChatCompletion.construct(**data)
