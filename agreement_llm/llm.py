"""One structured LLM call. Instructor's public `patch` drives it (the request for the output
style, parsing, validation, re-asks of invalid output); this module shapes the request for the
server, sends it with the openai client (retrying what `retry.classify` calls transient),
records every attempt, and turns a failure into one `ExtractionError` with no secret in it."""

from __future__ import annotations

import asyncio
import functools
import json
import re
import time
from collections.abc import Awaitable, Callable
from json import JSONDecodeError
from typing import Any, Literal, NoReturn, TypeVar, cast

import instructor
import openai
from instructor.core.exceptions import IncompleteOutputException, InstructorRetryException
from openai.types.chat import ChatCompletion
from pydantic import BaseModel, ConfigDict, ValidationError

from agreement_llm.config import NO_KEY, Endpoint
from agreement_llm.errors import AgreementLLMError
from agreement_llm.prompts import Prompt, estimate_tokens
from agreement_llm.request import instructor_mode, shape_request
from agreement_llm.response import (
    fatal_status,
    first_line,
    parse_completion,
    raw_text,
    read_async,
    read_sync,
    too_many,
)
from agreement_llm.retry import (
    BadResponseError,
    DeadlineError,
    EmptyResponseError,
    RetryPolicy,
    classify,
)

__all__ = ["Attempt", "ExtractionError", "Usage", "call_model", "redact"]

AttemptOutcome = Literal[
    "ok",
    "invalid_output",
    "truncated",
    "transient",
    "http_error",
    "empty_response",
    "bad_response",
]


class Usage(BaseModel):
    """Tokens a request (or a sum of requests) used."""

    model_config = ConfigDict(extra="forbid")

    prompt_tokens: int = 0
    completion_tokens: int = 0

    @property
    def total_tokens(self) -> int:
        """Prompt and completion tokens together."""
        return self.prompt_tokens + self.completion_tokens

    def __add__(self, other: Usage) -> Usage:
        return Usage(
            prompt_tokens=self.prompt_tokens + other.prompt_tokens,
            completion_tokens=self.completion_tokens + other.completion_tokens,
        )


class Attempt(BaseModel):
    """One HTTP request of an extraction: what came back, what it cost, how long it took."""

    model_config = ConfigDict(extra="forbid")

    number: int
    outcome: AttemptOutcome
    step: str | None = None
    latency_s: float
    usage: Usage = Usage()
    raw: str | None = None
    finish_reason: str | None = None
    error: str | None = None


def total_usage(attempts: list[Attempt]) -> Usage:
    """The sum of the attempts' usage."""
    return sum((a.usage for a in attempts), Usage())


class ExtractionError(AgreementLLMError):
    """An extraction gave up: retries ran out, or the server refused the request. It carries
    `kind`, the `attempts` made (each with its raw output, usage and latency), the last raw
    output and the total token usage."""

    def __init__(
        self, message: str, *, kind: str, attempts: list[Attempt], fatal: str | None = None
    ) -> None:
        super().__init__(message)
        self.kind = kind
        self.attempts = attempts
        self.fatal = fatal  # why every other request would fail too (a refused key, say)

    def __reduce__(self) -> tuple[Any, ...]:  # pickled with its attempts (eval's workers)
        made = functools.partial(type(self), kind=self.kind, attempts=self.attempts)
        return (functools.partial(made, fatal=self.fatal), (str(self),))

    @property
    def last_raw(self) -> str | None:
        """The last raw completion the server returned, if any."""
        return next((a.raw for a in reversed(self.attempts) if a.raw is not None), None)

    @property
    def usage(self) -> Usage:
        """The tokens all attempts used together."""
        return total_usage(self.attempts)


_SECRET_PATTERNS = (
    re.compile(r"sk-[A-Za-z0-9_\-*]{8,}"),
    re.compile(r"(?i)bearer\s+[A-Za-z0-9._\-]{8,}"),
)


def redact(text: str, *secrets: str | None) -> str:
    """`text` with each given secret and anything shaped like an API key replaced by `***`."""
    for secret in secrets:
        if secret and len(secret) >= 4 and secret != NO_KEY:
            text = text.replace(secret, "***")
    for pattern in _SECRET_PATTERNS:
        text = pattern.sub("***", text)
    return text


def _usage(completion: ChatCompletion) -> Usage:
    if completion.usage is None:
        return Usage()
    return Usage(
        prompt_tokens=completion.usage.prompt_tokens,
        completion_tokens=completion.usage.completion_tokens,
    )


BeforeRequest = Callable[[int], Awaitable[None]]
"""Awaited before every request with its estimated tokens (prompt, schema and answer budget):
a batch's rate limiter."""


class _Call:
    """One extraction's requests: each is sent, retried when transient, and recorded."""

    def __init__(
        self,
        client: openai.OpenAI | openai.AsyncOpenAI,
        endpoint: Endpoint,
        prompt: Prompt,
        policy: RetryPolicy,
        before_request: BeforeRequest | None,
        *,
        max_tokens: int,
        step: str | None,
        attempts: list[Attempt],
    ) -> None:
        self.client = client
        self.endpoint = endpoint
        self.prompt = prompt
        self.policy = policy
        self.before_request = before_request
        self.max_tokens = max_tokens
        self.step = step
        self.attempts = attempts
        self.secrets = (endpoint.api_key, getattr(client, "api_key", None))

    async def create(self, **kwargs: Any) -> ChatCompletion:
        """What instructor calls with the request it built: shaped, sent, retried."""
        settings = self.prompt.manifest.settings
        body = shape_request(
            kwargs,
            self.endpoint.style,
            max_items=settings.max_items,
            max_string=settings.max_string,
        )
        sent = {k: v for k, v in body.items() if k != "max_tokens"}
        tokens = estimate_tokens(json.dumps(sent, ensure_ascii=False)) + self.max_tokens
        async for attempt in self.policy.transient():
            with attempt:
                return await self.attempt(body, tokens)
        raise AssertionError("unreachable: tenacity reraises")  # pragma: no cover

    async def attempt(self, body: dict[str, Any], tokens: int) -> ChatCompletion:
        if self.before_request is not None:
            await self.before_request(tokens)
        start = time.perf_counter()
        seconds = self.endpoint.timeout
        deadline = time.monotonic() + seconds
        try:
            try:  # the timeout is a deadline for the whole request, not per chunk
                async with asyncio.timeout(seconds):
                    if isinstance(self.client, openai.AsyncOpenAI):
                        content = await read_async(self.client, body, deadline, seconds)
                    else:
                        read = functools.partial(read_sync, self.client, body, deadline, seconds)
                        content = await asyncio.to_thread(read)
            except TimeoutError:
                raise DeadlineError(f"no whole answer within the {seconds:g} s timeout") from None
            completion = parse_completion(content)
        except (openai.APIError, BadResponseError, DeadlineError) as exc:
            raise self.failed(exc, start) from None
        return self.answered(completion, start)

    def record(self, outcome: AttemptOutcome, start: float, **fields: Any) -> None:
        for name in ("error", "raw"):  # a key echoed by the server is not kept
            if isinstance(fields.get(name), str):
                fields[name] = redact(fields[name], *self.secrets)
        latency = time.perf_counter() - start
        number = len(self.attempts) + 1
        self.attempts.append(
            Attempt(number=number, outcome=outcome, step=self.step, latency_s=latency, **fields)
        )

    def failed(self, exc: Exception, start: float) -> Exception:
        """Record a request that raised; return the exception to raise for it."""
        outcome: AttemptOutcome = classify(exc) or "bad_response"
        if isinstance(exc, openai.APIStatusError):
            error = redact(f"HTTP {exc.status_code}: {exc.message}", *self.secrets)
            # servers echo keys in error bodies; what we raise (and others log) carries none
            exc = type(exc)(redact(exc.message, *self.secrets), response=exc.response, body=None)
        elif isinstance(exc, openai.APIError) and outcome == "transient":
            error = type(exc).__name__
        elif isinstance(exc, DeadlineError):
            error = str(exc)
        else:
            error = str(exc)
            exc = exc if isinstance(exc, BadResponseError) else BadResponseError(error)
        self.record(outcome, start, error=error)
        return exc

    def answered(self, completion: ChatCompletion, start: float) -> ChatCompletion:
        """Record a response; raise `EmptyResponseError` when it has no choices."""
        if not completion.choices:
            message = "the response has no choices"
            self.record("empty_response", start, usage=_usage(completion), error=message)
            raise EmptyResponseError(message)
        finish = completion.choices[0].finish_reason
        raw = raw_text(completion)
        if raw is None or not raw.strip():
            message = "the model returned no content"
            self.record("empty_response", start, usage=_usage(completion), error=message)
            raise EmptyResponseError(message)
        self.record("ok", start, usage=_usage(completion), raw=raw, finish_reason=finish)
        return completion

    def mark_last(self, outcome: AttemptOutcome, error: str) -> None:
        """The last answer turned out unusable: say so in its attempt."""
        if self.attempts and self.attempts[-1].outcome == "ok":
            last = self.attempts[-1]
            self.attempts[-1] = last.model_copy(update={"outcome": outcome, "error": error})

    def hooks(self) -> instructor.hooks.Hooks:
        hooks = instructor.hooks.Hooks()
        hooks.on(
            "parse:error",
            lambda e: self.mark_last("invalid_output", redact(first_line(e), *self.secrets)),
        )
        return hooks

    def error(self, exc: Exception) -> ExtractionError | None:
        """The `ExtractionError` an exception of the call means, or None if it is not ours."""
        max_tokens = self.max_tokens
        kind: str
        fatal: str | None = None
        if isinstance(exc, IncompleteOutputException):
            self.mark_last("truncated", f"output cut off at max_tokens={max_tokens}")
            kind, detail = "truncated", f"the output was cut off at max_tokens={max_tokens}"
        elif isinstance(exc, InstructorRetryException):
            failed = getattr(exc, "failed_attempts", None) or []
            cause = getattr(failed[-1], "exception", None) if failed else None
            why = first_line(cause) if isinstance(cause, BaseException) else first_line(exc)
            kind = "invalid_output"
            detail = f"the output stayed invalid after {self.policy.reasks} re-asks: {why}"
        elif isinstance(exc, ValidationError | JSONDecodeError):
            kind, detail = "invalid_output", first_line(exc)
        elif (failure := classify(exc)) is None:
            return None
        else:
            kind = failure
            if isinstance(exc, openai.APIStatusError):
                detail = f"HTTP {exc.status_code} from {self.endpoint.label}: {exc.message}"
                fatal = fatal_status(exc)
            elif isinstance(exc, openai.APIError):
                detail = f"{type(exc).__name__} talking to {self.endpoint.label}"
                if isinstance(exc, openai.APIConnectionError) and not isinstance(
                    exc, openai.APITimeoutError
                ):
                    fatal = f"cannot connect to {self.endpoint.label}"
            elif failure == "empty_response":
                detail = f"the server kept answering: {exc}"
            else:
                detail = str(exc)
        n = len(self.attempts)
        tokens = total_usage(self.attempts).total_tokens
        message = (
            f"extraction failed ({kind}) after {n} request{'s' if n != 1 else ''}, "
            f"{tokens} tokens: {detail}"
        )
        return ExtractionError(
            redact(message, *self.secrets),
            kind=kind,
            attempts=self.attempts,
            fatal=fatal and redact(fatal, *self.secrets),
        )


Answer = TypeVar("Answer", bound=BaseModel)


@functools.lru_cache(maxsize=16)
def _schema_model(model: type[Answer]) -> type[Answer]:
    """`model` as instructor's `OpenAISchema`: made once per model, not once per request."""
    return cast("type[Answer]", instructor.openai_schema(model))


def _plain(answer: Answer, model: type[Answer]) -> Answer:
    """The answer as a plain `model` (not the subclass instructor validates with)."""
    if type(answer) is model:
        return answer
    return model.model_construct(_fields_set=answer.model_fields_set, **dict(answer))


async def call_model(
    messages: list[dict[str, str]],
    response_model: type[Answer],
    *,
    client: openai.OpenAI | openai.AsyncOpenAI,
    endpoint: Endpoint,
    prompt: Prompt,
    policy: RetryPolicy,
    max_tokens: int | None = None,
    step: str | None = None,
    attempts: list[Attempt] | None = None,
    before_request: BeforeRequest | None = None,
) -> tuple[Answer, list[Attempt]]:
    """Ask the model for a `response_model` (an `ArticleRecord`, or one step's answer); return
    it with every attempt made (appended to `attempts` when given, for a multi-step recipe).

    `max_tokens` defaults to the prompt version's. A sync client's requests run in a worker
    thread. Raises `ExtractionError` when retries run out or the server refuses the request.
    """
    settings = prompt.manifest.settings
    budget = max_tokens or settings.max_tokens
    log = [] if attempts is None else attempts
    call = _Call(
        client,
        endpoint,
        prompt,
        policy,
        before_request,
        max_tokens=budget,
        step=step,
        attempts=log,
    )
    create = instructor.patch(create=call.create, mode=instructor_mode(endpoint.style))
    try:
        answer: Answer = await create(
            response_model=_schema_model(response_model),
            max_retries=policy.reask(),
            hooks=call.hooks(),
            model=endpoint.model,
            messages=messages,
            max_tokens=budget,
            temperature=settings.temperature,
        )
    except Exception as exc:
        _raise(exc, call)
    if settings.max_items is not None:
        found = too_many(answer, settings.max_items)
        if found is not None:  # a runaway list is refused, not trusted
            detail = f"a list of {found} items, above the prompt's max_items={settings.max_items}"
            call.mark_last("bad_response", detail)
            n = len(log)
            raise ExtractionError(
                f"extraction failed (bad_response) after {n} request{'s' if n != 1 else ''}: "
                f"the answer has {detail}",
                kind="bad_response",
                attempts=log,
            )
    return _plain(answer, response_model), log


def _raise(exc: Exception, call: _Call) -> NoReturn:
    error = call.error(exc)
    if error is None:
        raise exc
    raise error from None
