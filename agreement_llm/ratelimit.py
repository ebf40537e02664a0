"""Requests-per-minute and tokens-per-minute limits for concurrent extraction (token buckets)."""

from __future__ import annotations

import asyncio
import time

from agreement_llm.errors import InputError

__all__ = ["RateLimiter"]


class _Bucket:
    def __init__(self, per_minute: float) -> None:
        self.rate = per_minute / 60.0
        self.capacity = per_minute
        self.level = per_minute
        self.stamp = time.monotonic()

    def wait_for(self, amount: float) -> float:
        now = time.monotonic()
        self.level = min(self.capacity, self.level + (now - self.stamp) * self.rate)
        self.stamp = now
        amount = min(amount, self.capacity)  # a request larger than a minute's budget waits once
        return 0.0 if self.level >= amount else (amount - self.level) / self.rate

    def take(self, amount: float) -> None:
        self.level -= min(amount, self.capacity)


class RateLimiter:
    """Waits so that requests and tokens stay within per-minute budgets (None: no limit)."""

    def __init__(
        self, requests_per_minute: float | None = None, tokens_per_minute: float | None = None
    ) -> None:
        for name, value in (("requests", requests_per_minute), ("tokens", tokens_per_minute)):
            if value is not None and value <= 0:
                raise InputError(f"{name} per minute must be positive, not {value}")
        self._requests = _Bucket(requests_per_minute) if requests_per_minute else None
        self._tokens = _Bucket(tokens_per_minute) if tokens_per_minute else None
        self._lock = asyncio.Lock()

    async def acquire(self, tokens: int) -> None:
        """Wait until one request of about `tokens` tokens fits both budgets, then take it."""
        if self._requests is None and self._tokens is None:
            return
        async with self._lock:
            while True:
                waits = [
                    b.wait_for(n)
                    for b, n in ((self._requests, 1), (self._tokens, tokens))
                    if b is not None
                ]
                delay = max(waits)
                if delay <= 0:
                    break
                await asyncio.sleep(delay)
            if self._requests is not None:
                self._requests.take(1)
            if self._tokens is not None:
                self._tokens.take(tokens)
