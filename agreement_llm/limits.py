"""Refusing text that cannot fit the model's context, before any token is spent."""

from __future__ import annotations

from agreement_llm.config import Endpoint
from agreement_llm.errors import InputError

__all__ = ["check_fits", "estimate_tokens"]


def estimate_tokens(text: str) -> int:
    """An upper-leaning estimate of a text's token count: 1 per 4 ASCII chars, 1 per other char.

    CJK text runs about one token per character; English about four characters per token.
    """
    ascii_chars = len(text) if text.isascii() else len(text.encode("ascii", "ignore"))
    return (ascii_chars + 3) // 4 + (len(text) - ascii_chars)


def check_fits(messages: list[dict[str, str]], max_tokens: int, endpoint: Endpoint) -> None:
    """Raise `InputError` when the prompt plus the output budget exceeds the model's context."""
    if endpoint.context_tokens is None:
        return
    needed = sum(estimate_tokens(m["content"]) + 4 for m in messages)
    if needed + max_tokens > endpoint.context_tokens:
        raise InputError(
            f"article too long: about {needed} prompt tokens plus {max_tokens} for the answer "
            f"exceed the model's context of {endpoint.context_tokens} tokens; split the article"
        )
