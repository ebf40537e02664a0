"""One structured LLM call: instructor's retry loop drives it (parsing, validation, re-asks of
invalid output); this module retries transient failures, shapes the request for the server,
and records every attempt. The sync and async calls share all of it but the awaiting."""

from __future__ import annotations

import json
import time
from functools import cache
from json import JSONDecodeError
from typing import Any, Literal, NoReturn, cast

import httpx
import instructor
import openai
from instructor.core.exceptions import IncompleteOutputException, InstructorRetryException
from instructor.core.retry import retry_async, retry_sync
from instructor.processing.function_calls import openai_schema
from openai.types.chat import ChatCompletion
from pydantic import ValidationError

from agreement_llm.config import Endpoint
from agreement_llm.errors import ExtractionError
from agreement_llm.models import ArticleRecord
from agreement_llm.prompts import Prompt
from agreement_llm.redact import redact
from agreement_llm.request import instructor_mode, instructor_request, shared_parts
from agreement_llm.retry import BadResponseError, EmptyResponseError, RetryPolicy, released
from agreement_llm.usage import Attempt, AttemptOutcome, Usage
from agreement_llm.wire import completions_url, encode_body, is_azure, parse_completion

__all__ = ["acall_model", "call_model"]


def _raw_text(completion: ChatCompletion) -> str | None:
    message = completion.choices[0].message
    if message.tool_calls:
        calls = [c.function.arguments for c in message.tool_calls if c.type == "function"]
        return calls[0] if len(calls) == 1 else json.dumps(calls)
    return message.content


def _usage(completion: ChatCompletion) -> Usage:
    if completion.usage is None:
        return Usage()
    return Usage(
        prompt_tokens=completion.usage.prompt_tokens,
        completion_tokens=completion.usage.completion_tokens,
    )


_CLIENT_ERRORS = (
    openai.APIStatusError,
    openai.APITimeoutError,
    openai.APIConnectionError,
    ValueError,
)


@cache
def _response_model() -> type[ArticleRecord]:
    """ArticleRecord as instructor wants it, made once (instructor would derive a new class
    on every request, which cost more CPU than the rest of the request)."""
    return cast(type[ArticleRecord], openai_schema(ArticleRecord))


def _plain(record: ArticleRecord) -> ArticleRecord:
    """The record as a plain `ArticleRecord` (not instructor's subclass)."""
    if type(record) is ArticleRecord:
        return record
    return ArticleRecord.model_construct(_fields_set=record.model_fields_set, **dict(record))


# Requests go through the client's `post` rather than `chat.completions.create`: the body is
# already plain JSON, and `create` re-walks it against the SDK's typed parameters, which cost
# more CPU per request than the rest of the library's work (benchmarks/throughput.py). The
# body's bytes and the answer's parsing are `wire`'s.

# The options `post` leaves unset, given as unset: the client deep-copies the default of each
# option not given (~20 us apiece), and these defaults are this very value.
_UNSET_OPTIONS = cast(
    openai.RequestOptions,
    {"headers": openai.NOT_GIVEN, "max_retries": openai.NOT_GIVEN, "timeout": openai.NOT_GIVEN},
)


class _Recorder:
    """What both `create` functions share: the request and the record of attempts."""

    def __init__(
        self,
        client: openai.OpenAI | openai.AsyncOpenAI,
        endpoint: Endpoint,
        prompt: Prompt,
        policy: RetryPolicy,
    ) -> None:
        self.endpoint = endpoint
        self.prompt = prompt
        self.policy = policy
        self.attempts: list[Attempt] = []
        settings = prompt.manifest.settings
        self.limits = {"max_items": settings.max_items, "max_string": settings.max_string}
        self.url = completions_url(client)
        self.azure = is_azure(client)
        self.shared = shared_parts(_response_model(), endpoint.style, **self.limits)

    def post_args(self, body: dict[str, Any]) -> dict[str, Any]:
        """The arguments of the client's `post` for a request with `body` (its bytes, but for
        an Azure client, which reads the model from the body to pick the deployment)."""
        return {
            "path": self.url,
            "body": body if self.azure else encode_body(body, self.shared),
            "cast_to": httpx.Response,
            "options": _UNSET_OPTIONS,
        }

    def failed(self, exc: Exception, start: float) -> Exception:
        """Record a request that raised; return the exception to raise for it."""
        outcome: AttemptOutcome = "transient"
        if isinstance(exc, openai.APIStatusError):
            outcome = (
                "transient" if exc.status_code >= 429 or exc.status_code == 408 else "http_error"
            )
            error = redact(f"HTTP {exc.status_code}: {exc.message}", self.endpoint.api_key)
            # servers echo keys in error bodies; what we raise (and others log) carries none
            exc = type(exc)(
                redact(exc.message, self.endpoint.api_key), response=exc.response, body=None
            )
        elif isinstance(exc, openai.APIError):
            error = type(exc).__name__
        else:  # the body was not JSON
            exc = BadResponseError(f"the answer was not a chat completion ({exc})")
            outcome, error = "bad_response", str(exc)
        self.attempts.append(
            Attempt(
                number=len(self.attempts) + 1,
                outcome=outcome,
                latency_s=time.perf_counter() - start,
                error=error,
            )
        )
        return exc

    def answered(self, completion: ChatCompletion, start: float) -> ChatCompletion:
        """Record a response; raise `EmptyResponseError` when it has no choices."""
        latency, number = time.perf_counter() - start, len(self.attempts) + 1
        if not completion.choices:
            self.attempts.append(
                Attempt(
                    number=number,
                    outcome="empty_response",
                    latency_s=latency,
                    usage=_usage(completion),
                    error="the response has no choices",
                )
            )
            raise EmptyResponseError("the response has no choices")
        self.attempts.append(
            Attempt(
                number=number,
                outcome="ok",
                latency_s=latency,
                usage=_usage(completion),
                raw=_raw_text(completion),
                finish_reason=completion.choices[0].finish_reason,
            )
        )
        return completion

    def mark_last(self, outcome: AttemptOutcome, error: str) -> None:
        if self.attempts and self.attempts[-1].outcome == "ok":
            last = self.attempts[-1]
            self.attempts[-1] = last.model_copy(update={"outcome": outcome, "error": error})

    def hooks(self) -> instructor.hooks.Hooks:
        hooks = instructor.hooks.Hooks()
        hooks.on(
            "parse:error",
            lambda e: self.mark_last(
                "invalid_output", redact(_first_line(e), self.endpoint.api_key)
            ),
        )
        return hooks

    def instructor_args(self, messages: list[dict[str, str]]) -> dict[str, Any]:
        """The arguments of instructor's retry loop (the re-asks) but `func` and `max_retries`."""
        settings = self.prompt.manifest.settings
        request = {
            "model": self.endpoint.model,
            "messages": messages,
            "max_tokens": settings.max_tokens,
            "temperature": settings.temperature,
        }
        body = instructor_request(_response_model(), request, self.endpoint.style, **self.limits)
        return {
            "response_model": _response_model(),
            "args": (),
            "kwargs": body,
            "context": None,
            "strict": True,
            "mode": instructor_mode(self.endpoint.style),
            "hooks": self.hooks(),
        }


# A request is tried once outside tenacity: nearly every request succeeds at once, and that
# skips ~40 us of tenacity's bookkeeping. A first try that failed is tenacity's first attempt
# (raised again inside it), so retries, waits and the bound run exactly as if it had run there.


class _SyncCreate(_Recorder):
    def __init__(self, client: openai.OpenAI, *args: Any) -> None:
        super().__init__(client, *args)
        self.client = client

    def __call__(self, **body: Any) -> ChatCompletion:
        try:
            return self.attempt(body)
        except Exception as exc:
            first: Exception | None = exc
        with released(self.policy.transient()) as retrying:
            for attempt in retrying:
                with attempt:
                    if first is not None:  # tenacity's first attempt is the first try
                        failure, first = first, None
                        raise failure
                    return self.attempt(body)
        raise AssertionError("unreachable: tenacity reraises")  # pragma: no cover

    def attempt(self, body: dict[str, Any]) -> ChatCompletion:
        start = time.perf_counter()
        try:
            completion = parse_completion(self.client.post(**self.post_args(body)))
        except _CLIENT_ERRORS as exc:
            raise self.failed(exc, start) from None
        return self.answered(completion, start)


class _AsyncCreate(_Recorder):
    def __init__(self, client: openai.AsyncOpenAI, *args: Any) -> None:
        super().__init__(client, *args)
        self.client = client

    async def __call__(self, **body: Any) -> ChatCompletion:
        try:
            return await self.attempt(body)
        except Exception as exc:
            first: Exception | None = exc
        with released(self.policy.transient_async()) as retrying:
            async for attempt in retrying:
                with attempt:
                    if first is not None:  # tenacity's first attempt is the first try
                        failure, first = first, None
                        raise failure
                    return await self.attempt(body)
        raise AssertionError("unreachable: tenacity reraises")  # pragma: no cover

    async def attempt(self, body: dict[str, Any]) -> ChatCompletion:
        start = time.perf_counter()
        try:
            completion = parse_completion(await self.client.post(**self.post_args(body)))
        except _CLIENT_ERRORS as exc:
            raise self.failed(exc, start) from None
        return self.answered(completion, start)


def _first_line(exc: BaseException) -> str:
    """One line that says what was wrong (for a validation error: its first problem)."""
    if isinstance(exc, ValidationError) and exc.errors():
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first["loc"]) or "(top level)"
        more = f" (and {exc.error_count() - 1} more)" if exc.error_count() > 1 else ""
        return f"{where}: {first['msg']}{more}"
    text = str(exc).strip().splitlines()
    return text[0] if text else type(exc).__name__


def _translate(exc: Exception, recorder: _Recorder) -> ExtractionError | None:
    """The `ExtractionError` an exception of a call means, or None if it is not ours."""
    endpoint, key = recorder.endpoint, recorder.endpoint.api_key
    max_tokens = recorder.prompt.manifest.settings.max_tokens
    kind: Literal[
        "truncated", "invalid_output", "empty_response", "bad_response", "transient", "http_error"
    ]
    if isinstance(exc, IncompleteOutputException):
        recorder.mark_last("truncated", f"output cut off at max_tokens={max_tokens}")
        kind, detail = "truncated", f"the output was cut off at max_tokens={max_tokens}"
    elif isinstance(exc, InstructorRetryException):
        failed = getattr(exc, "failed_attempts", None) or []
        cause = getattr(failed[-1], "exception", None) if failed else None
        why = _first_line(cause) if isinstance(cause, BaseException) else _first_line(exc)
        kind = "invalid_output"
        detail = f"the output stayed invalid after {recorder.policy.reasks} re-asks: {why}"
    elif isinstance(exc, ValidationError | JSONDecodeError):
        kind, detail = "invalid_output", _first_line(exc)
    elif isinstance(exc, EmptyResponseError):
        kind, detail = "empty_response", "the server kept answering with no choices"
    elif isinstance(exc, BadResponseError):
        kind, detail = "bad_response", str(exc)
    elif isinstance(exc, openai.APIStatusError):
        kind = "transient" if exc.status_code >= 429 or exc.status_code == 408 else "http_error"
        detail = f"HTTP {exc.status_code} from {endpoint.label}: {exc.message}"
    elif isinstance(exc, openai.APITimeoutError | openai.APIConnectionError):
        kind, detail = "transient", f"{type(exc).__name__} talking to {endpoint.label}"
    else:
        return None
    n = len(recorder.attempts)
    tokens = sum(a.usage.total_tokens for a in recorder.attempts)
    message = (
        f"extraction failed ({kind}) after {n} request{'s' if n != 1 else ''}, "
        f"{tokens} tokens: {detail}"
    )
    return ExtractionError(redact(message, key), kind=kind, attempts=recorder.attempts)


def _reraise(exc: Exception, recorder: _Recorder) -> NoReturn:
    """Raise the `ExtractionError` that `exc` means, or `exc` itself when it is not ours."""
    error = _translate(exc, recorder)
    if error is None:
        raise exc
    raise error from None


def call_model(
    messages: list[dict[str, str]],
    *,
    client: openai.OpenAI,
    endpoint: Endpoint,
    prompt: Prompt,
    policy: RetryPolicy,
) -> tuple[ArticleRecord, list[Attempt]]:
    """Ask the model for an `ArticleRecord`; return it with every attempt made.

    Raises `ExtractionError` when retries run out or the server refuses the request.
    """
    create = _SyncCreate(client, endpoint, prompt, policy)
    try:
        with released(policy.reask()) as reasks:
            record: ArticleRecord = retry_sync(
                func=create, max_retries=reasks, **create.instructor_args(messages)
            )
    except Exception as exc:
        _reraise(exc, create)
    return _plain(record), create.attempts


async def acall_model(
    messages: list[dict[str, str]],
    *,
    client: openai.AsyncOpenAI,
    endpoint: Endpoint,
    prompt: Prompt,
    policy: RetryPolicy,
) -> tuple[ArticleRecord, list[Attempt]]:
    """The async twin of `call_model`."""
    create = _AsyncCreate(client, endpoint, prompt, policy)
    try:
        with released(policy.reask_async()) as reasks:
            record: ArticleRecord = await retry_async(
                func=create, max_retries=reasks, **create.instructor_args(messages)
            )
    except Exception as exc:
        _reraise(exc, create)
    return _plain(record), create.attempts
