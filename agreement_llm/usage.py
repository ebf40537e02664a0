"""Token usage and the trace of each request an extraction made."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict

__all__ = ["Attempt", "Usage"]

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
    latency_s: float
    usage: Usage = Usage()
    raw: str | None = None
    finish_reason: str | None = None
    error: str | None = None


def total_usage(attempts: list[Attempt]) -> Usage:
    """The sum of the attempts' usage."""
    return sum((a.usage for a in attempts), Usage())
