"""The library's exceptions: one base class, each kind named for what went wrong."""

from __future__ import annotations

from agreement_llm.usage import Attempt, Usage, total_usage


class AgreementLLMError(Exception):
    """Base class of every error this library raises on purpose."""


class InputError(AgreementLLMError, ValueError):
    """The input (article text, file, prompt name, option) cannot be used."""


class ConfigError(AgreementLLMError):
    """The endpoint configuration is incomplete or contradictory."""


class ExtractionError(AgreementLLMError):
    """An extraction gave up: retries ran out, or the server refused the request.

    Carries what happened: `kind`, the `attempts` made (each with its raw output, usage and
    latency), the last raw output, and the total token usage.
    """

    def __init__(
        self,
        message: str,
        *,
        kind: str,
        attempts: list[Attempt],
    ) -> None:
        super().__init__(message)
        self.kind = kind
        self.attempts = attempts

    @property
    def last_raw(self) -> str | None:
        """The last raw completion the server returned, if any."""
        for attempt in reversed(self.attempts):
            if attempt.raw is not None:
                return attempt.raw
        return None

    @property
    def usage(self) -> Usage:
        """The tokens all attempts used together."""
        return total_usage(self.attempts)
