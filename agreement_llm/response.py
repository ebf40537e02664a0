"""The server's answer: read whole within the request's deadline and a size cap, parsed as a
chat completion (leniently, as the openai client does, but never into an untyped error), and
checked (a refusal every request would get; a list longer than the prompt allows)."""

from __future__ import annotations

import json
import time
from typing import Any

import httpx
import openai
from openai.types.chat import ChatCompletion
from pydantic import BaseModel, ValidationError

from agreement_llm.retry import BadResponseError, DeadlineError

__all__ = [
    "MAX_RESPONSE_BYTES",
    "fatal_status",
    "first_line",
    "parse_completion",
    "raw_text",
    "read_async",
    "read_sync",
    "too_many",
]

MAX_RESPONSE_BYTES = 2_000_000
"""The largest answer read from a server; a larger one is refused as `bad_response` (a
record's answer is a few kilobytes: its tokens are bounded by `max_tokens`)."""


def raw_text(completion: ChatCompletion) -> str | None:
    message = completion.choices[0].message
    if message is None:
        return None
    if message.tool_calls:
        calls = [c.function.arguments for c in message.tool_calls if c.type == "function"]
        return calls[0] if len(calls) == 1 else json.dumps(calls)
    return message.content


def parse_completion(content: bytes) -> ChatCompletion:
    """The chat completion in a response body; `BadResponseError` when it is not one. A body
    that does not validate is built leniently, as the openai client itself does."""
    try:
        return ChatCompletion.model_validate_json(content)
    except ValidationError:
        try:
            data = json.loads(content)
        except ValueError as exc:
            raise BadResponseError(f"the answer was not a chat completion ({exc})") from None
    if not isinstance(data, dict) or not isinstance(data.get("choices"), list):
        raise BadResponseError("the answer was not a chat completion (no list of choices)")
    for i, choice in enumerate(data["choices"]):
        if not isinstance(choice, dict) or not isinstance(choice.get("message"), dict):
            raise BadResponseError(f"the answer's choice {i} has no message")
        choice.setdefault("index", i)
        choice["finish_reason"] = choice.get("finish_reason") or "stop"
        choice["message"].setdefault("role", "assistant")
    for name, default in (("id", ""), ("created", 0), ("model", ""), ("object", "")):
        data.setdefault(name, default)
    data["object"] = "chat.completion"
    try:
        return ChatCompletion.model_validate(data)
    except ValidationError as exc:
        raise BadResponseError(
            f"the answer was not a chat completion ({first_line(exc)})"
        ) from None


def first_line(exc: BaseException) -> str:
    """One line that says what was wrong (for a validation error: its first problem)."""
    if isinstance(exc, ValidationError) and exc.errors():
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first["loc"]) or "(top level)"
        more = f" (and {exc.error_count() - 1} more)" if exc.error_count() > 1 else ""
        return f"{where}: {first['msg']}{more}"
    text = str(exc).strip().splitlines()
    return text[0] if text else type(exc).__name__


def _take(chunks: list[bytes], chunk: bytes, deadline: float, seconds: float) -> None:
    chunks.append(chunk)
    if sum(map(len, chunks)) > MAX_RESPONSE_BYTES:
        raise BadResponseError(f"the answer is larger than {MAX_RESPONSE_BYTES:,} bytes: refused")
    if time.monotonic() > deadline:
        raise DeadlineError(f"no whole answer within the {seconds:g} s timeout")


def _lost(exc: httpx.TransportError) -> openai.APIConnectionError:
    """A connection lost while the body was read: as the openai client says it for headers."""
    try:
        request = exc.request
    except RuntimeError:  # httpx raises it when the error carries no request
        request = httpx.Request("POST", "http://unknown/")
    return openai.APIConnectionError(message=f"connection lost ({exc})", request=request)


async def read_async(
    client: openai.AsyncOpenAI, body: dict[str, Any], deadline: float, seconds: float
) -> bytes:
    """The body of the answer to `body`, read within the deadline and the size cap."""
    chunks: list[bytes] = []
    create = client.chat.completions.with_streaming_response.create
    try:
        async with create(**body) as response:
            async for chunk in response.iter_bytes():
                _take(chunks, chunk, deadline, seconds)
    except httpx.TransportError as exc:
        raise _lost(exc) from None
    return b"".join(chunks)


def read_sync(
    client: openai.OpenAI, body: dict[str, Any], deadline: float, seconds: float
) -> bytes:
    """`read_async` with a sync client (in a worker thread)."""
    chunks: list[bytes] = []
    create = client.chat.completions.with_streaming_response.create
    try:
        with create(**body) as response:
            for chunk in response.iter_bytes():
                _take(chunks, chunk, deadline, seconds)
    except httpx.TransportError as exc:
        raise _lost(exc) from None
    return b"".join(chunks)


def fatal_status(exc: openai.APIStatusError) -> str | None:
    """Why a refusal would be every request's (a refused key, a model not found), or None."""
    code = exc.status_code
    text = exc.message.lower()
    if code == 401:
        return "HTTP 401: the API key was refused"
    if code == 403:
        return "HTTP 403: access denied"
    if code == 404 or (
        code == 400 and "model" in text and ("not found" in text or "does not exist" in text)
    ):
        return f"HTTP {code}: model or URL not found"
    return None


def too_many(value: Any, limit: int) -> int | None:
    """The length of the first list in an answer longer than `limit`, or None."""
    if isinstance(value, list):
        if len(value) > limit:
            return len(value)
        items: list[Any] = value
    elif isinstance(value, BaseModel):
        items = [getattr(value, name) for name in type(value).model_fields]
    else:
        return None
    for item in items:
        found = too_many(item, limit)
        if found is not None:
            return found
    return None
