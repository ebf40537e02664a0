"""Test setup: no test reaches the network (loopback only), and no test sees the user's
endpoint settings."""

from __future__ import annotations

import socket
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parent.parent
_ENV = (
    "OPENAI_API_KEY",
    "OPENAI_BASE_URL",
    "OPENAI_ORG_ID",
    "AGREEMENT_LLM_MODEL",
    "AGREEMENT_LLM_SERVER",
    "AGREEMENT_LLM_STYLE",
    "AGREEMENT_LLM_TIMEOUT",
    "AGREEMENT_LLM_CONTEXT",
)


class NetworkBlocked(RuntimeError):
    """A test tried to reach a host other than loopback."""


def _is_loopback(address: Any) -> bool:
    host = address[0] if isinstance(address, tuple) else address
    return isinstance(host, str) and (host.startswith("127.") or host in ("::1", "localhost"))


@pytest.fixture(autouse=True)
def _no_network(monkeypatch: pytest.MonkeyPatch, tmp_path_factory: pytest.TempPathFactory) -> None:
    real_connect = socket.socket.connect

    def guarded(self: socket.socket, address: Any) -> Any:
        if self.family in (socket.AF_INET, socket.AF_INET6) and not _is_loopback(address):
            raise NetworkBlocked(f"network access blocked in tests: {address!r}")
        return real_connect(self, address)

    monkeypatch.setattr(socket.socket, "connect", guarded)
    for name in _ENV:
        monkeypatch.delenv(name, raising=False)
    # the result cache of any test lands in a temporary folder, never the user's
    monkeypatch.setenv("AGREEMENT_LLM_CACHE_DIR", str(tmp_path_factory.mktemp("cache")))
    # the fake servers answer a single-call record: tests that do not name a prompt version
    # use v1 (also in their subprocesses), whatever version prompts/DEFAULT names
    monkeypatch.setenv("AGREEMENT_LLM_PROMPT", "v1")


@pytest.fixture
def root() -> Path:
    """The repository root."""
    return ROOT
