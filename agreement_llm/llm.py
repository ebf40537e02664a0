"""One structured LLM call: instructor drives the request, this module retries transient
failures, shapes the request for the server, and records every attempt."""

from __future__ import annotations

import json
import time
from json import JSONDecodeError
from typing import Any

import instructor
import openai
from instructor.core.exceptions import IncompleteOutputException, InstructorRetryException
from openai.types.chat import ChatCompletion
from pydantic import ValidationError

from agreement_llm.config import Endpoint
from agreement_llm.errors import ExtractionError
from agreement_llm.models import ArticleRecord
from agreement_llm.prompts import Prompt
from agreement_llm.redact import redact
from agreement_llm.request import instructor_mode, shape_request
from agreement_llm.retry import EmptyResponseError, RetryPolicy
from agreement_llm.usage import Attempt, Usage

__all__ = ["build_client", "call_model"]


def build_client(endpoint: Endpoint) -> openai.OpenAI:
    """An `openai.OpenAI` client for `endpoint`, with its own retries off (ours apply)."""
    return openai.OpenAI(
        api_key=endpoint.api_key or "unused",
        base_url=endpoint.base_url,
        timeout=endpoint.timeout,
        max_retries=0,
    )


def _raw_text(completion: ChatCompletion) -> str | None:
    if not completion.choices:
        return None
    message = completion.choices[0].message
    if message.tool_calls:
        return json.dumps([c.function.arguments for c in message.tool_calls if c.type == "function"])
    return message.content


def _usage(completion: ChatCompletion) -> Usage:
    if completion.usage is None:
        return Usage()
    return Usage(prompt_tokens=completion.usage.prompt_tokens,
                 completion_tokens=completion.usage.completion_tokens)


class _Recorder:
    """The `create` function instructor calls: retries transient failures, records attempts."""

    def __init__(self, client: openai.OpenAI, endpoint: Endpoint, prompt: Prompt,
                 policy: RetryPolicy) -> None:
        self.client = client
        self.endpoint = endpoint
        self.prompt = prompt
        self.policy = policy
        self.attempts: list[Attempt] = []

    def _one(self, kwargs: dict[str, Any]) -> ChatCompletion:
        start = time.perf_counter()
        number = len(self.attempts) + 1
        try:
            completion = self.client.chat.completions.create(**kwargs)
        except openai.APIStatusError as exc:
            self.attempts.append(Attempt(
                number=number, outcome="transient" if exc.status_code >= 429 else "http_error",
                latency_s=time.perf_counter() - start,
                error=redact(f"HTTP {exc.status_code}: {exc.message}", self.endpoint.api_key)))
            raise
        except (openai.APITimeoutError, openai.APIConnectionError) as exc:
            self.attempts.append(Attempt(number=number, outcome="transient",
                                         latency_s=time.perf_counter() - start,
                                         error=type(exc).__name__))
            raise
        latency = time.perf_counter() - start
        if not completion.choices:
            self.attempts.append(Attempt(number=number, outcome="empty_response",
                                         latency_s=latency, usage=_usage(completion),
                                         error="the response has no choices"))
            raise EmptyResponseError("the response has no choices")
        self.attempts.append(Attempt(
            number=number, outcome="ok", latency_s=latency, usage=_usage(completion),
            raw=_raw_text(completion), finish_reason=completion.choices[0].finish_reason))
        return completion

    def __call__(self, **kwargs: Any) -> ChatCompletion:
        settings = self.prompt.manifest.settings
        shaped = shape_request(kwargs, self.endpoint.style, max_items=settings.max_items,
                               max_string=settings.max_string)
        for attempt in self.policy.transient():
            with attempt:
                return self._one(shaped)
        raise AssertionError("unreachable: tenacity reraises")  # pragma: no cover

    def mark_last(self, outcome: str, error: str) -> None:
        if self.attempts and self.attempts[-1].outcome == "ok":
            last = self.attempts[-1]
            self.attempts[-1] = last.model_copy(update={"outcome": outcome, "error": error})


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()
    return text[0] if text else type(exc).__name__


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
    recorder = _Recorder(client, endpoint, prompt, policy)
    create = instructor.patch(create=recorder, mode=instructor_mode(endpoint.style))
    settings = prompt.manifest.settings

    def on_parse_error(error: Exception) -> None:
        recorder.mark_last("invalid_output", redact(_first_line(error), endpoint.api_key))

    hooks = instructor.hooks.Hooks()
    hooks.on("parse:error", on_parse_error)
    try:
        record = create(
            model=endpoint.model,
            messages=messages,
            response_model=ArticleRecord,
            max_retries=policy.reask(),
            max_tokens=settings.max_tokens,
            temperature=settings.temperature,
            hooks=hooks,
        )
    except IncompleteOutputException:
        recorder.mark_last("truncated", f"output cut off at max_tokens={settings.max_tokens}")
        raise _failure(recorder, "truncated",
                       f"the output was cut off at max_tokens={settings.max_tokens}") from None
    except InstructorRetryException as exc:
        cause = exc.__cause__.last_attempt.exception() if hasattr(exc.__cause__, "last_attempt") \
            else None  # type: ignore[union-attr]
        detail = _first_line(cause) if cause is not None else _first_line(exc)
        raise _failure(recorder, "invalid_output",
                       f"the output stayed invalid after {policy.reasks} re-asks: "
                       f"{redact(detail, endpoint.api_key)}") from None
    except (ValidationError, JSONDecodeError) as exc:
        raise _failure(recorder, "invalid_output", redact(_first_line(exc), endpoint.api_key)) \
            from None
    except EmptyResponseError:
        raise _failure(recorder, "empty_response", "the server kept answering with no choices") \
            from None
    except openai.APIStatusError as exc:
        kind = "transient" if exc.status_code >= 429 else "http_error"
        raise _failure(recorder, kind, redact(f"HTTP {exc.status_code} from {endpoint.label}: "
                                              f"{exc.message}", endpoint.api_key)) from None
    except (openai.APITimeoutError, openai.APIConnectionError) as exc:
        raise _failure(recorder, "transient", f"{type(exc).__name__} talking to "
                                              f"{endpoint.label}") from None
    return record, recorder.attempts


def _failure(recorder: _Recorder, kind: str, detail: str) -> ExtractionError:
    n = len(recorder.attempts)
    tokens = sum(a.usage.total_tokens for a in recorder.attempts)
    return ExtractionError(
        f"extraction failed ({kind}) after {n} request{'s' if n != 1 else ''}, "
        f"{tokens} tokens: {detail}",
        kind=kind,
        attempts=recorder.attempts,
    )
