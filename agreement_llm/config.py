"""Where requests go: one function resolves the endpoint from arguments, environment, defaults;
the openai clients the library builds for an endpoint (a caller's own is used as given).

Nothing here runs at import time; `resolve_endpoint` reads the environment only when called.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from enum import StrEnum
from functools import lru_cache
from typing import Any
from urllib.parse import urlparse

import openai

from agreement_llm.errors import ConfigError

__all__ = [
    "DEFAULT_MODEL",
    "NO_KEY",
    "Endpoint",
    "OutputStyle",
    "ServerKind",
    "build_async_client",
    "build_client",
    "resolve_endpoint",
    "shared_client",
]

NO_KEY = "sk-no-key-needed"
"""The key sent to a server that needs none (a local one): not a secret, never redacted."""

DEFAULT_MODEL = "gpt-4o-mini"
LOCAL_PORT = 8765
LOCAL_CONTEXT = 8192  # the longest gold article (~900 tokens) and any prompt version, with room


class ServerKind(StrEnum):
    """The kind of OpenAI-compatible server, which decides the structured-output request."""

    openai = "openai"
    llama_cpp = "llama_cpp"
    vllm = "vllm"
    ollama = "ollama"
    generic = "generic"


class OutputStyle(StrEnum):
    """How the record's JSON schema is sent to the server.

    - `tools`: as a function tool (OpenAI).
    - `json_schema`: `response_format` of type `json_schema` (OpenAI, vLLM).
    - `json_object_schema`: `response_format` `{"type": "json_object", "schema": ...}`
      (llama-cpp-python's server: grammar-constrained).
    - `json_object`: `response_format` `{"type": "json_object"}`, schema in the prompt (Ollama).
    - `prompt`: schema in the prompt only, JSON parsed from the reply (any server).
    """

    tools = "tools"
    json_schema = "json_schema"
    json_object_schema = "json_object_schema"
    json_object = "json_object"
    prompt = "prompt"


DEFAULT_STYLE: dict[ServerKind, OutputStyle] = {
    ServerKind.openai: OutputStyle.tools,
    ServerKind.vllm: OutputStyle.json_schema,
    ServerKind.llama_cpp: OutputStyle.json_object_schema,
    ServerKind.ollama: OutputStyle.json_object,
    ServerKind.generic: OutputStyle.prompt,
}


@dataclass(frozen=True)
class Endpoint:
    """A resolved endpoint: where to send requests, with which model, in which style.

    The API key is kept out of `repr` so that it never reaches a log or a traceback.
    `context_tokens` (when known) lets over-long articles be refused before any request;
    `system_in_user` sends the system prompt inside the user message, for chat templates with
    no system role (Gemma's: llama-cpp-python's `gemma` format drops system messages).
    """

    model: str
    kind: ServerKind
    style: OutputStyle
    base_url: str | None = None
    api_key: str | None = field(default=None, repr=False)
    timeout: float = 600.0
    context_tokens: int | None = None
    system_in_user: bool = False

    def __post_init__(self) -> None:
        if self.base_url is not None:
            _check_base_url(self.base_url)

    @property
    def label(self) -> str:
        """A short description safe to show: kind, model, host (never the key)."""
        host = urlparse(self.base_url).netloc if self.base_url else "api.openai.com"
        return f"{self.kind.value}:{self.model}@{host}"

    def with_model(self, model: str) -> Endpoint:
        """A copy of this endpoint that asks for another model."""
        return replace(self, model=model)


def guess_kind(base_url: str | None) -> ServerKind:
    """The server kind a base URL most likely names (OpenAI when no URL is given)."""
    if not base_url:
        return ServerKind.openai
    parsed = urlparse(base_url)
    host = parsed.hostname or ""
    if host.endswith("openai.com"):
        return ServerKind.openai
    if parsed.port == 11434:
        return ServerKind.ollama
    return ServerKind.generic


def _check_base_url(url: str) -> None:
    """Raise `ConfigError` for a server URL the openai client cannot post to."""
    parsed = urlparse(url)
    if parsed.scheme not in ("http", "https") or not parsed.netloc:
        raise ConfigError(
            f"the server URL {url!r} is not an http(s) URL with a host "
            "(e.g. http://localhost:8000/v1)"
        )
    if parsed.query or parsed.fragment:
        raise ConfigError(
            f"the server URL {url!r} has a query or fragment, which the openai client would "
            "put before the request's path; pass a client of your own with the query as its "
            "default_query, e.g. openai.OpenAI(base_url=..., default_query={...})"
        )


def _pick(arg: str | None, env: Mapping[str, str], name: str) -> str | None:
    if arg is not None and arg != "":
        return arg
    value = env.get(name)
    return value if value else None


def resolve_endpoint(
    *,
    model: str | None = None,
    base_url: str | None = None,
    api_key: str | None = None,
    server: ServerKind | str | None = None,
    style: OutputStyle | str | None = None,
    timeout: float | None = None,
    env: Mapping[str, str] | None = None,
) -> Endpoint:
    """Resolve the endpoint: each setting from its argument, else the environment, else a default.

    Environment: `OPENAI_API_KEY`, `OPENAI_BASE_URL`, `AGREEMENT_LLM_MODEL`,
    `AGREEMENT_LLM_SERVER` (openai, llama_cpp, vllm, ollama, generic), `AGREEMENT_LLM_STYLE`,
    `AGREEMENT_LLM_TIMEOUT` (seconds) and `AGREEMENT_LLM_CONTEXT` (the model's context in
    tokens; longer articles are refused before any request). Defaults: OpenAI's API, model
    `gpt-4o-mini`, and the output style that suits the server kind (the kind guessed from the
    URL when not given).
    """
    environ: Mapping[str, str] = os.environ if env is None else env
    base = _pick(base_url, environ, "OPENAI_BASE_URL")
    kind_name = _pick(
        server.value if isinstance(server, ServerKind) else server, environ, "AGREEMENT_LLM_SERVER"
    )
    try:
        kind = ServerKind(kind_name) if kind_name else guess_kind(base)
    except ValueError:
        names = ", ".join(k.value for k in ServerKind)
        raise ConfigError(f"unknown server kind {kind_name!r}; expected one of {names}") from None
    style_name = _pick(
        style.value if isinstance(style, OutputStyle) else style, environ, "AGREEMENT_LLM_STYLE"
    )
    try:
        out_style = OutputStyle(style_name) if style_name else DEFAULT_STYLE[kind]
    except ValueError:
        names = ", ".join(s.value for s in OutputStyle)
        raise ConfigError(f"unknown output style {style_name!r}; expected one of {names}") from None
    key = _pick(api_key, environ, "OPENAI_API_KEY")
    if key is None and kind is ServerKind.openai:
        raise ConfigError(
            "no API key: set OPENAI_API_KEY, pass api_key=..., or point OPENAI_BASE_URL at "
            "another server (or use --local for the bundled model)"
        )
    context_text = _pick(None, environ, "AGREEMENT_LLM_CONTEXT")
    try:
        context = int(context_text) if context_text else None
    except ValueError:
        raise ConfigError(
            f"AGREEMENT_LLM_CONTEXT is not a whole number: {context_text!r}"
        ) from None
    timeout_text = _pick(
        None if timeout is None else str(timeout), environ, "AGREEMENT_LLM_TIMEOUT"
    )
    try:
        seconds = float(timeout_text) if timeout_text else 600.0
    except ValueError:
        raise ConfigError(f"AGREEMENT_LLM_TIMEOUT is not a number: {timeout_text!r}") from None
    return Endpoint(
        model=_pick(model, environ, "AGREEMENT_LLM_MODEL") or DEFAULT_MODEL,
        kind=kind,
        style=out_style,
        base_url=base,
        api_key=key,
        timeout=seconds,
        context_tokens=context,
    )


def local_endpoint(
    port: int = LOCAL_PORT, *, model: str | None = None, timeout: float = 1800.0
) -> Endpoint:
    """The endpoint of a local model served by `agreement-llm serve` on 127.0.0.1:`port`
    (`model` names one of `agreement-llm models`; default: the default local model)."""
    from agreement_llm.serve import get_local_model

    chosen = get_local_model(model)
    return Endpoint(
        model=chosen.name,
        kind=ServerKind.llama_cpp,
        style=OutputStyle.json_object_schema,
        base_url=f"http://127.0.0.1:{port}/v1",
        api_key=None,  # a local server needs none
        timeout=timeout,
        context_tokens=LOCAL_CONTEXT,
        system_in_user=not chosen.system_role,
    )


def _client_options(endpoint: Endpoint) -> dict[str, Any]:
    return {
        "api_key": endpoint.api_key or NO_KEY,
        "base_url": endpoint.base_url,
        "timeout": endpoint.timeout,
        "max_retries": 0,  # our retry policy applies, not the client's
    }


def build_client(endpoint: Endpoint) -> openai.OpenAI:
    """An `openai.OpenAI` client for `endpoint`, with its own retries off (ours apply). Its
    HTTP is the SDK's own (httpx), which honours `HTTPS_PROXY`, `HTTP_PROXY` and `NO_PROXY`."""
    return openai.OpenAI(**_client_options(endpoint))


@lru_cache(maxsize=8)
def shared_client(endpoint: Endpoint) -> openai.OpenAI:
    """One client per endpoint for the process: building one (its TLS context) costs ~50 ms,
    and a kept client reuses its connections."""
    return build_client(endpoint)


def build_async_client(endpoint: Endpoint) -> openai.AsyncOpenAI:
    """An `openai.AsyncOpenAI` client for `endpoint`, with its own retries off (as
    `build_client`: the SDK's own HTTP, proxies honoured)."""
    return openai.AsyncOpenAI(**_client_options(endpoint))
