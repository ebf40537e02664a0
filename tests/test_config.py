from __future__ import annotations

import pytest

from agreement_llm.config import (
    Endpoint,
    OutputStyle,
    ServerKind,
    local_endpoint,
    resolve_endpoint,
)
from agreement_llm.errors import ConfigError


def test_defaults_to_openai_with_the_key_from_the_environment() -> None:
    ep = resolve_endpoint(env={"OPENAI_API_KEY": "sk-test-123456789"})
    assert ep.kind is ServerKind.openai
    assert ep.style is OutputStyle.tools
    assert ep.model == "gpt-4o-mini"
    assert ep.base_url is None


def test_arguments_beat_the_environment() -> None:
    env = {
        "OPENAI_BASE_URL": "http://127.0.0.1:9/v1",
        "AGREEMENT_LLM_MODEL": "env-model",
        "OPENAI_API_KEY": "k",
    }
    ep = resolve_endpoint(model="arg-model", base_url="http://127.0.0.1:8000/v1", env=env)
    assert ep.model == "arg-model"
    assert ep.base_url == "http://127.0.0.1:8000/v1"


def test_environment_beats_defaults() -> None:
    ep = resolve_endpoint(
        env={
            "OPENAI_BASE_URL": "http://127.0.0.1:8000/v1",
            "AGREEMENT_LLM_MODEL": "qwen",
            "AGREEMENT_LLM_SERVER": "vllm",
        }
    )
    assert (ep.model, ep.kind, ep.style) == ("qwen", ServerKind.vllm, OutputStyle.json_schema)


@pytest.mark.parametrize(
    ("server", "style"),
    [
        ("llama_cpp", OutputStyle.json_object_schema),
        ("ollama", OutputStyle.json_object),
        ("generic", OutputStyle.prompt),
        ("vllm", OutputStyle.json_schema),
    ],
)
def test_each_server_kind_has_its_default_style(server: str, style: OutputStyle) -> None:
    ep = resolve_endpoint(base_url="http://127.0.0.1:1/v1", server=server, env={})
    assert ep.style is style


def test_style_can_be_overridden() -> None:
    ep = resolve_endpoint(base_url="http://127.0.0.1:1/v1", server="vllm", style="prompt", env={})
    assert ep.style is OutputStyle.prompt


def test_kind_guessed_from_url() -> None:
    assert resolve_endpoint(base_url="http://127.0.0.1:11434/v1", env={}).kind is ServerKind.ollama
    assert resolve_endpoint(base_url="http://127.0.0.1:8000/v1", env={}).kind is ServerKind.generic


def test_openai_without_a_key_is_a_clear_error() -> None:
    with pytest.raises(ConfigError, match="no API key: set OPENAI_API_KEY"):
        resolve_endpoint(env={})


@pytest.mark.parametrize(
    ("env", "message"),
    [
        ({"AGREEMENT_LLM_SERVER": "tgi"}, "unknown server kind 'tgi'"),
        ({"AGREEMENT_LLM_STYLE": "xml"}, "unknown output style 'xml'"),
        ({"AGREEMENT_LLM_TIMEOUT": "soon"}, "AGREEMENT_LLM_TIMEOUT is not a number"),
        ({"AGREEMENT_LLM_CONTEXT": "big"}, "AGREEMENT_LLM_CONTEXT is not a whole number"),
    ],
)
def test_bad_settings_are_named(env: dict[str, str], message: str) -> None:
    with pytest.raises(ConfigError, match=message):
        resolve_endpoint(base_url="http://127.0.0.1:1/v1", env=env)


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("localhost:8000/v1", "not an http\\(s\\) URL with a host"),
        ("ftp://example.org/v1", "not an http\\(s\\) URL with a host"),
        ("http:///v1", "not an http\\(s\\) URL with a host"),
        ("https://example.org/v1?api-version=1", "has a query or fragment.*default_query"),
        ("https://example.org/v1#top", "has a query or fragment"),
    ],
)
def test_an_unusable_server_url_is_named(url: str, message: str) -> None:
    with pytest.raises(ConfigError, match=message):
        resolve_endpoint(base_url=url, env={})
    with pytest.raises(ConfigError, match=message):  # from the environment as well
        resolve_endpoint(env={"OPENAI_BASE_URL": url})
    with pytest.raises(ConfigError, match=message):  # and in an endpoint made by hand
        Endpoint(model="m", kind=ServerKind.vllm, style=OutputStyle.tools, base_url=url)


def test_the_key_never_shows_in_repr() -> None:
    ep = resolve_endpoint(env={"OPENAI_API_KEY": "sk-secret-abcdefghijklmnop"})
    assert "sk-secret" not in repr(ep)
    assert "sk-secret" not in ep.label


def test_the_environment_is_read_at_call_time(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AGREEMENT_LLM_MODEL", "first")
    assert resolve_endpoint(base_url="http://127.0.0.1:1/v1").model == "first"
    monkeypatch.setenv("AGREEMENT_LLM_MODEL", "second")
    assert resolve_endpoint(base_url="http://127.0.0.1:1/v1").model == "second"


def test_local_endpoint_is_the_llama_cpp_server() -> None:
    ep = local_endpoint(9999)
    assert ep.base_url == "http://127.0.0.1:9999/v1"
    assert ep.style is OutputStyle.json_object_schema
    assert ep.context_tokens == 8192
