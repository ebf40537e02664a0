"""The retry policy and the one place that says what a failed request was: transient failures
(retried with backoff), final ones, and invalid output (re-asked); the two are bounded apart."""

from __future__ import annotations

import email.utils
import logging
import time
from json import JSONDecodeError
from typing import Any, Literal

import openai
from instructor.core.exceptions import ValidationError as InstructorValidationError
from pydantic import BaseModel, ConfigDict, Field, ValidationError
from tenacity import (
    AsyncRetrying,
    RetryCallState,
    retry_if_exception,
    retry_if_exception_type,
    stop_after_attempt,
    wait_exponential_jitter,
)

__all__ = [
    "BadResponseError",
    "DeadlineError",
    "EmptyResponseError",
    "RetryPolicy",
    "classify",
    "is_transient",
    "retry_after_seconds",
]


class EmptyResponseError(Exception):
    """The server answered 200 with no choices."""


class BadResponseError(Exception):
    """The server's answer was not a chat completion at all (not JSON, say)."""


class DeadlineError(Exception):
    """A request had no whole answer by its deadline (a server trickling bytes, say)."""


log = logging.getLogger("agreement_llm")

NOTICE_AFTER = 5.0
"""A `Retry-After` wait longer than this many seconds is told to the user (a log warning)."""

Failure = Literal["transient", "http_error", "empty_response", "bad_response"]
RETRIED: frozenset[Failure] = frozenset({"transient", "empty_response", "bad_response"})


def classify(exc: BaseException) -> Failure | None:
    """What a failed request was (None: not a failed request).

    `transient` (408, 429, 5xx, timeouts, lost connections), `empty_response` (no choices) and
    `bad_response` (not a chat completion) are retried; `http_error` (any other status) is
    final. This is the only place that decides it: the retries, the attempt log and the error
    raised all ask here.
    """
    if isinstance(exc, openai.APIStatusError):
        code = exc.status_code
        return "transient" if code in (408, 429) or code >= 500 else "http_error"
    if isinstance(exc, openai.APITimeoutError | openai.APIConnectionError | DeadlineError):
        return "transient"
    if isinstance(exc, EmptyResponseError):
        return "empty_response"
    if isinstance(exc, BadResponseError):
        return "bad_response"
    return None


def is_transient(exc: BaseException) -> bool:
    """True for failures worth sending again as they are."""
    return classify(exc) in RETRIED


class RetryPolicy(BaseModel):
    """How hard an extraction tries.

    `transient_attempts` bounds the tries of one request on 429, 5xx, timeouts and connection
    errors (waiting `Retry-After` when the server sends it, capped at `max_retry_after`, else
    exponential backoff with jitter from `initial_wait` to `max_wait` seconds). `reasks` bounds
    how many times invalid output is sent back to the model with the validation error.
    """

    model_config = ConfigDict(extra="forbid", frozen=True)

    transient_attempts: int = Field(default=5, ge=1)
    reasks: int = Field(default=2, ge=0)
    initial_wait: float = Field(default=1.0, ge=0)
    max_wait: float = Field(default=30.0, ge=0)
    jitter: float = Field(default=1.0, ge=0)
    max_retry_after: float = Field(default=120.0, ge=0)

    def transient(self) -> AsyncRetrying:
        """The tenacity policy for one request's transient failures."""
        backoff = wait_exponential_jitter(
            multiplier=self.initial_wait, max=self.max_wait, jitter=self.jitter
        )

        def wait(state: RetryCallState) -> float:
            exc = state.outcome.exception() if state.outcome else None
            after = retry_after_seconds(exc)
            if after is not None:
                wait = min(after, self.max_retry_after)
                if wait > NOTICE_AFTER:
                    capped = f" (capped from {after:.0f} s)" if after > wait else ""
                    log.warning(
                        "the server asked to wait: waiting %.0f s%s before retrying", wait, capped
                    )
                return wait
            return float(backoff(state))

        return AsyncRetrying(
            retry=retry_if_exception(is_transient),
            wait=wait,
            stop=stop_after_attempt(self.transient_attempts),
            reraise=True,
        )

    def reask(self) -> AsyncRetrying:
        """The tenacity policy instructor follows to re-ask invalid output."""
        return AsyncRetrying(
            retry=retry_if_exception_type(
                (ValidationError, JSONDecodeError, InstructorValidationError)
            ),
            stop=stop_after_attempt(self.reasks + 1),
            reraise=False,
        )


def retry_after_seconds(exc: BaseException | None) -> float | None:
    """The wait a 429/503 response asks for in its `Retry-After` header, in seconds."""
    if not isinstance(exc, openai.APIStatusError):
        return None
    value: Any = exc.response.headers.get("retry-after")
    if not value:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        parsed = email.utils.parsedate_to_datetime(str(value))
    except (TypeError, ValueError):
        return None
    return max(0.0, parsed.timestamp() - time.time())
