"""ISO code checks (countries, currencies), backed by pycountry's data."""

from __future__ import annotations

from functools import cache

import pycountry


@cache
def _countries() -> frozenset[str]:
    return frozenset(c.alpha_2 for c in pycountry.countries)


@cache
def _currencies() -> frozenset[str]:
    return frozenset(c.alpha_3 for c in pycountry.currencies)


def is_country_code(code: str) -> bool:
    """True when `code` is an ISO 3166-1 alpha-2 country code."""
    return code in _countries()


def is_currency_code(code: str) -> bool:
    """True when `code` is an ISO 4217 currency code."""
    return code in _currencies()
