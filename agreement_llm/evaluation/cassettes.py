"""Recorded HTTP cassettes (vcrpy): body-matched, JSON bodies pretty-printed, credentials removed.

A cassette holds the real requests and responses of one extraction, so an eval replays
offline, free and the same every time.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import vcr
from vcr.request import Request

__all__ = ["SECRET_HEADERS", "cassette_path", "make_vcr"]

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


def _pretty(body: Any) -> Any:
    if body is None:
        return body
    text = body.decode("utf-8") if isinstance(body, bytes) else body
    if not isinstance(text, str):
        return body
    try:
        return json.dumps(json.loads(text), indent=2, ensure_ascii=False, sort_keys=True) + "\n"
    except ValueError:
        return body


def _before_request(request: Request) -> Request:
    request.body = _pretty(request.body)
    return request


def _before_response(response: dict[str, Any]) -> dict[str, Any]:
    body = response.get("body", {})
    if isinstance(body, dict) and "string" in body:
        pretty = _pretty(body["string"])
        if isinstance(pretty, str):
            body["string"] = pretty
    headers = response.get("headers", {})
    for name in list(headers):
        if name.lower() in SECRET_HEADERS:
            del headers[name]
    return response


def _json_body(request: Request) -> Any:
    raw = request.body
    text = raw.decode("utf-8") if isinstance(raw, bytes) else raw
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
        match_on=("method", "path", "json_body"),
        filter_headers=list(SECRET_HEADERS),
        before_record_request=_before_request,
        before_record_response=_before_response,
        decode_compressed_response=True,
        allow_playback_repeats=False,
    )
    v.register_matcher("json_body", json_body_matcher)
    return v
