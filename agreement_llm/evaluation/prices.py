"""Estimated cost of a column: tokens times a price per model name (USD per million tokens).

The table holds list prices of a few hosted models; a local model (any name in
`agreement-llm models`) costs nothing; a model the table does not know has no estimate.
`load_prices` reads a JSON file that overrides or extends it:
`{"my-model": {"input": 0.5, "output": 1.5}}`.
"""

from __future__ import annotations

import json
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from agreement_llm.errors import InputError

__all__ = ["DEFAULT_PRICES", "Price", "cost", "load_prices"]


class Price(BaseModel):
    """USD per million input (prompt) and output (completion) tokens."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    input: float = Field(ge=0)
    output: float = Field(ge=0)


FREE = Price(input=0.0, output=0.0)

DEFAULT_PRICES: dict[str, Price] = {
    "gpt-4o-mini": Price(input=0.15, output=0.60),
    "gpt-4o": Price(input=2.50, output=10.00),
    "gpt-4.1-mini": Price(input=0.40, output=1.60),
    "gpt-4.1": Price(input=2.00, output=8.00),
}


def _local_models() -> set[str]:
    from agreement_llm.serve import LOCAL_MODELS

    return set(LOCAL_MODELS)


def load_prices(path: Path | None = None) -> dict[str, Price]:
    """The default table, the local models at 0, and the entries of `path` over them."""
    table = dict(DEFAULT_PRICES) | dict.fromkeys(_local_models(), FREE)
    if path is None:
        return table
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        extra = {name: Price.model_validate(value) for name, value in data.items()}
    except (OSError, ValueError, AttributeError, ValidationError) as exc:
        raise InputError(
            f'{path}: not a price table ({{"model": {{"input": USD, "output": USD}}}} per '
            f"million tokens): {type(exc).__name__}"
        ) from None
    return table | extra


def cost(prices: dict[str, Price], model: str, tokens_in: int, tokens_out: int) -> float | None:
    """The estimated cost in USD, or None when the model has no price."""
    price = prices.get(model)
    if price is None:
        return None
    return (tokens_in * price.input + tokens_out * price.output) / 1e6
