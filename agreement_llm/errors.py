"""The library's exceptions: one base class, each kind named for what went wrong
(`ExtractionError`, raised by the call, is in `agreement_llm.llm`)."""

from __future__ import annotations

import importlib
from types import ModuleType

__all__ = ["AgreementLLMError", "ConfigError", "InputError", "MissingExtraError", "require"]


class AgreementLLMError(Exception):
    """Base class of every error this library raises on purpose."""


class InputError(AgreementLLMError, ValueError):
    """The input (article text, file, prompt name, option) cannot be used."""


class ConfigError(AgreementLLMError):
    """The endpoint configuration is incomplete or contradictory."""


class MissingExtraError(AgreementLLMError, ImportError):
    """A feature needs an optional dependency that is not installed."""


def require(module: str, extra: str) -> ModuleType:
    """The module `module`, or a one-line `MissingExtraError` naming the install command."""
    try:
        return importlib.import_module(module)
    except ImportError:
        raise MissingExtraError(
            f"{module} is not installed; it comes with: pip install 'agreement-llm[{extra}]'"
        ) from None
