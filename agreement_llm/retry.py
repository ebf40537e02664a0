"""The retry policy: transient HTTP failures are retried with backoff; invalid output is
re-asked; the two are bounded separately."""

from __future__ import annotations

import email.utils
import time
from collections.abc import Iterator
from contextlib import contextmanager
from json import JSONDecodeError
from typing import Any, TypeVar

import openai
from instructor.core.exceptions import ValidationError as InstructorValidationError
from pydantic import BaseModel, ConfigDict, Field, ValidationError
from tenacity import (
    AsyncRetrying,
    BaseRetrying,
    RetryCallState,
    Retrying,
    retry_if_exception,
    retry_if_exception_type,
    stop_after_attempt,
    wait_exponential_jitter,
)

__all__ = ["EmptyResponseError", "RetryPolicy", "is_transient", "released"]


class EmptyResponseError(Exception):
    """The server answered 200 with no choices."""


class BadResponseError(Exception):
    """The server's answer was not a chat completion at all (not JSON, say)."""


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

    def transient(self) -> Retrying:
        """The tenacity policy for one request's transient failures."""
        backoff = wait_exponential_jitter(
            multiplier=self.initial_wait, max=self.max_wait, jitter=self.jitter
        )

        def wait(state: RetryCallState) -> float:
            exc = state.outcome.exception() if state.outcome else None
            after = retry_after_seconds(exc)
            if after is not None:
                return min(after, self.max_retry_after)
            return float(backoff(state))

        return Retrying(
            retry=_TRANSIENT,
            wait=wait,
            stop=stop_after_attempt(self.transient_attempts),
            reraise=True,
        )

    def transient_async(self) -> AsyncRetrying:
        """The async twin of `transient`."""
        sync = self.transient()
        return AsyncRetrying(retry=sync.retry, wait=sync.wait, stop=sync.stop, reraise=True)

    def reask(self) -> Retrying:
        """The tenacity policy instructor follows to re-ask invalid output."""
        return Retrying(
            retry=_INVALID_OUTPUT,
            stop=stop_after_attempt(self.reasks + 1),
            reraise=False,
        )

    def reask_async(self) -> AsyncRetrying:
        """The async twin of `reask`."""
        sync = self.reask()
        return AsyncRetrying(retry=sync.retry, stop=sync.stop, reraise=False)


def is_transient(exc: BaseException) -> bool:
    """True for failures worth retrying as they are: 429, 5xx, timeouts, lost connections."""
    if isinstance(exc, openai.RateLimitError | openai.APITimeoutError | openai.APIConnectionError):
        return True
    if isinstance(exc, openai.APIStatusError):
        return exc.status_code >= 500 or exc.status_code == 408
    return isinstance(exc, EmptyResponseError | BadResponseError)


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


# One of each, not one per call: tenacity's exception-type predicate refers to itself (a
# reference cycle for the garbage collector to find).
_TRANSIENT = retry_if_exception(is_transient)
_INVALID_OUTPUT = retry_if_exception_type(
    (ValidationError, JSONDecodeError, InstructorValidationError)
)

RetryingT = TypeVar("RetryingT", bound=BaseRetrying)


@contextmanager
def released(retrying: RetryingT) -> Iterator[RetryingT]:
    """`retrying` for one call; the state it kept of the call is dropped when the block ends.

    tenacity keeps a call's state on the retrying object, and that state refers back to it: a
    reference cycle per call that only Python's cyclic garbage collector frees. With many
    requests in flight those cycles were half of what set off collections, and a full
    collection stops every request (benchmarks/throughput.py).
    """
    try:
        yield retrying
    finally:
        retrying.iter_state.reset()
        vars(retrying).pop("_retry_state", None)  # set by iterating; absent after a call
