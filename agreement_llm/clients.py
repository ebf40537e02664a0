"""The openai clients the library builds for an endpoint (a caller's own is used as given)."""

from __future__ import annotations

from functools import lru_cache
from typing import Any

import openai

from agreement_llm.config import Endpoint
from agreement_llm.http_client import lean_async_client

__all__ = ["build_async_client", "build_client", "shared_client"]


def _client_options(endpoint: Endpoint) -> dict[str, Any]:
    return {
        "api_key": endpoint.api_key or "unused",
        "base_url": endpoint.base_url,
        "timeout": endpoint.timeout,
        "max_retries": 0,  # our retry policy applies, not the client's
    }


def build_client(endpoint: Endpoint) -> openai.OpenAI:
    """An `openai.OpenAI` client for `endpoint`, with its own retries off (ours apply)."""
    return openai.OpenAI(**_client_options(endpoint))


@lru_cache(maxsize=8)
def shared_client(endpoint: Endpoint) -> openai.OpenAI:
    """One client per endpoint for the process: building one (its TLS context) cost ~50 ms,
    and a kept client reuses its connections."""
    return build_client(endpoint)


def build_async_client(endpoint: Endpoint) -> openai.AsyncOpenAI:
    """An `openai.AsyncOpenAI` client for `endpoint`, with its own retries off.

    Its HTTP runs on aiohttp (`http_client.lean_async_client`): at 64 requests in flight
    httpx's connection pool spent more CPU than everything else together, and httpx's and
    aiohttp's per-request layers more than the library (benchmarks/throughput.py).
    """
    return openai.AsyncOpenAI(**_client_options(endpoint), http_client=lean_async_client())
