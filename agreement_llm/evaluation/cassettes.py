"""Recorded HTTP cassettes (vcrpy): body-matched, stored as YAML with JSON bodies pretty-printed
as literal blocks (a diff of a cassette reads like a diff of JSON), credentials removed.

A cassette holds the real requests and responses of one extraction, so an eval replays
offline, free and the same every time.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import vcr
import yaml
from vcr.request import Request

from agreement_llm.errors import InputError

__all__ = ["SECRET_HEADERS", "cassette_path", "check_cassette", "make_vcr"]

SECRET_HEADERS = (
    "authorization",
    "api-key",
    "x-api-key",
    "openai-organization",
    "openai-project",
    "cookie",
    "set-cookie",
)


def cassette_path(root: Path, model: str, prompt: str, article_id: str) -> Path:
    """Where the cassette of one (model, prompt version, article) lives."""
    return root / model / prompt / f"{article_id}.yaml"


def _text(body: Any) -> Any:
    return body.decode("utf-8") if isinstance(body, bytes) else body


def _pretty(body: Any) -> Any:
    text = _text(body)
    if not isinstance(text, str) or not text:
        return text
    try:
        return json.dumps(json.loads(text), indent=2, ensure_ascii=False, sort_keys=True) + "\n"
    except ValueError:
        return text


_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)  # libyaml when present: much faster


class _Dumper(yaml.SafeDumper):
    pass


def _str(dumper: yaml.SafeDumper, value: str) -> yaml.ScalarNode:
    style = "|" if "\n" in value else None
    return dumper.represent_scalar("tag:yaml.org,2002:str", value, style=style)


_Dumper.add_representer(str, _str)


class PrettyYaml:
    """vcrpy serializer: JSON bodies as indented literal blocks; response bodies back to bytes."""

    @staticmethod
    def serialize(cassette: dict[str, Any]) -> str:
        for interaction in cassette.get("interactions", []):
            request, response = interaction["request"], interaction["response"]
            request["body"] = _pretty(request.get("body"))
            body = response.get("body", {})
            if "string" in body:
                body["string"] = _pretty(body["string"])
        return yaml.dump(cassette, Dumper=_Dumper, allow_unicode=True, sort_keys=False, width=100)

    @staticmethod
    def deserialize(text: str) -> dict[str, Any]:
        cassette: dict[str, Any] = yaml.load(text, Loader=_LOADER) or {}
        for interaction in cassette.get("interactions", []):
            body = interaction["response"].get("body", {})
            if isinstance(body.get("string"), str):
                body["string"] = body["string"].encode("utf-8")
        return cassette


def check_cassette(path: Path) -> None:
    """Raise `InputError` naming the file and field when a cassette cannot be replayed."""
    try:
        data = PrettyYaml.deserialize(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, yaml.YAMLError) as exc:
        raise InputError(f"{path}: not a readable cassette ({type(exc).__name__})") from None
    interactions = data.get("interactions") if isinstance(data, dict) else None
    if not isinstance(interactions, list) or not interactions:
        raise InputError(f"{path}: field interactions: missing or empty")
    for i, item in enumerate(interactions):
        for part, keys in (("request", ("method", "uri", "body")), ("response", ("status",))):
            node = item.get(part) if isinstance(item, dict) else None
            if not isinstance(node, dict):
                raise InputError(f"{path}: field interactions[{i}].{part}: missing")
            for key in keys:
                if key not in node:
                    raise InputError(f"{path}: field interactions[{i}].{part}.{key}: missing")


def _before_response(response: dict[str, Any]) -> dict[str, Any]:
    headers = response.get("headers", {})
    for name in list(headers):
        # bodies are re-indented on disk, so a recorded length would not hold
        if name.lower() in SECRET_HEADERS or name.lower() == "content-length":
            del headers[name]
    return response


def _json_body(request: Request) -> Any:
    text = _text(request.body)
    try:
        return json.loads(text) if text else None
    except ValueError:
        return text


def json_body_matcher(live: Request, recorded: Request) -> None:
    """Match requests whose bodies are equal as JSON (key order and spacing aside)."""
    if _json_body(live) != _json_body(recorded):
        raise AssertionError("request bodies differ")


def make_vcr(record_mode: str = "none") -> vcr.VCR:
    """A VCR that matches on method, path and JSON body and scrubs credentials."""
    v = vcr.VCR(
        record_mode=record_mode,
        serializer="pretty-yaml",
        match_on=("method", "path", "json_body"),
        filter_headers=list(SECRET_HEADERS),
        before_record_response=_before_response,
        decode_compressed_response=True,
    )
    v.register_serializer("pretty-yaml", PrettyYaml)
    v.register_matcher("json_body", json_body_matcher)
    return v
