"""Recorded HTTP cassettes (vcrpy): body-matched, stored as YAML with JSON bodies pretty-printed
as literal blocks (a diff of a cassette reads like a diff of JSON), credentials removed.

A cassette holds the real requests and responses of one extraction, so an eval replays
offline, free and the same every time.
"""

from __future__ import annotations

import json
from datetime import date
from functools import lru_cache
from importlib.metadata import version
from pathlib import Path
from typing import Any

import vcr
import yaml
from pydantic import BaseModel, ConfigDict, ValidationError
from vcr.persisters.filesystem import CassetteNotFoundError, FilesystemPersister
from vcr.request import Request
from vcr.serialize import deserialize

from agreement_llm.config import Endpoint, OutputStyle, ServerKind
from agreement_llm.errors import InputError

__all__ = [
    "SECRET_HEADERS",
    "CassetteSet",
    "CheckedPersister",
    "cassette_path",
    "make_vcr",
    "read_set",
    "write_set",
]

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


class CassetteSet(BaseModel):
    """What one (model, prompt version) folder of cassettes was recorded with: enough to send
    the same requests again when it is replayed (`set.json` in the folder)."""

    model_config = ConfigDict(extra="forbid")

    model: str
    server: ServerKind
    style: OutputStyle
    system_in_user: bool
    prompt_sha256: str
    recorded_on: date
    library_version: str
    # True for sets whose cassettes keep each request body's keys in the order sent: a JSON
    # schema's property order is the order a grammar-constrained server makes the model answer
    # in, so their replays refuse a request whose schema lists its properties in another order.
    # Sets recorded before cassettes kept the order stored bodies with sorted keys (False).
    bodies_in_order: bool = False

    def endpoint(self) -> Endpoint:
        """An endpoint that makes the recorded requests (replays match method, path, body)."""
        return Endpoint(
            model=self.model,
            kind=self.server,
            style=self.style,
            base_url="http://127.0.0.1:8765/v1",
            api_key="replay",
            system_in_user=self.system_in_user,
        )


def _set_path(root: Path, model: str, prompt: str) -> Path:
    return root / model / prompt / "set.json"


def read_set(root: Path, model: str, prompt: str) -> CassetteSet | None:
    """The recording settings of a cassette folder; None when it has none."""
    path = _set_path(root, model, prompt)
    if not path.exists():
        return None
    try:
        return CassetteSet.model_validate_json(path.read_text(encoding="utf-8"))
    except (OSError, ValidationError) as exc:
        raise InputError(f"{path}: not a readable cassette set ({type(exc).__name__})") from None


def write_set(root: Path, endpoint: Endpoint, prompt: str, prompt_sha256: str) -> CassetteSet:
    """Record how a cassette folder is being recorded (once: an existing file is kept)."""
    existing = read_set(root, endpoint.model, prompt)
    if existing is not None:
        return existing
    meta = CassetteSet(
        model=endpoint.model,
        server=endpoint.kind,
        style=endpoint.style,
        system_in_user=endpoint.system_in_user,
        prompt_sha256=prompt_sha256,
        recorded_on=date.today(),
        library_version=version("agreement-llm"),
        bodies_in_order=True,
    )
    path = _set_path(root, endpoint.model, prompt)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(meta.model_dump_json(indent=2) + "\n", encoding="utf-8")
    return meta


def _text(body: Any) -> Any:
    return body.decode("utf-8") if isinstance(body, bytes) else body


def _pretty(body: Any) -> Any:
    text = _text(body)
    if not isinstance(text, str) or not text:
        return text
    try:  # keys in the order sent: a schema's property order is the order the model answers in
        return json.dumps(json.loads(text), indent=2, ensure_ascii=False) + "\n"
    except ValueError:
        return text


_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)  # libyaml when present: much faster


class _Dumper(yaml.SafeDumper):
    pass


def _str(dumper: yaml.SafeDumper, value: str) -> yaml.ScalarNode:
    style = "|" if "\n" in value else None
    return dumper.represent_scalar("tag:yaml.org,2002:str", value, style=style)


_Dumper.add_representer(str, _str)


class CassetteFormatError(ValueError):
    """What is wrong in a cassette's text (the persister adds the file's name)."""


# the fields a replay reads: vcrpy builds its requests and responses from them
_REQUIRED = (
    ("request", ("method", "uri", "body", "headers")),
    ("response", ("status", "headers", "body")),
)


def _problem(cassette: object) -> str | None:
    """The first field of a loaded cassette that a replay needs and does not find."""
    interactions = cassette.get("interactions") if isinstance(cassette, dict) else None
    if not isinstance(interactions, list) or not interactions:
        return "field interactions: missing or empty"
    for i, item in enumerate(interactions):
        for part, keys in _REQUIRED:
            node = item.get(part) if isinstance(item, dict) else None
            if not isinstance(node, dict):
                return f"field interactions[{i}].{part}: missing"
            for key in keys:
                if key not in node:
                    return f"field interactions[{i}].{part}.{key}: missing"
    return None


class PrettyYaml:
    """vcrpy serializer: JSON bodies as indented literal blocks; response bodies back to bytes.

    Loading checks the fields a replay needs: a cut-off or corrupt cassette raises
    `CassetteFormatError` naming the field."""

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
        try:
            cassette = yaml.load(text, Loader=_LOADER)
        except yaml.YAMLError as exc:
            raise CassetteFormatError(f"not a readable cassette ({type(exc).__name__})") from None
        problem = _problem(cassette)
        if problem is not None or not isinstance(cassette, dict):
            raise CassetteFormatError(problem or "not a mapping")
        for interaction in cassette["interactions"]:
            body = interaction["response"]["body"]
            if isinstance(body, dict) and isinstance(body.get("string"), str):
                body["string"] = body["string"].encode("utf-8")
        return cassette


class CheckedPersister:
    """vcrpy persister: reads each cassette once and checks it on the way, so a cut-off or
    corrupt file is one `InputError` naming the file and field; writes as vcrpy does."""

    @staticmethod
    def load_cassette(cassette_path: str | Path, serializer: Any) -> Any:
        path = Path(cassette_path)
        if not path.exists():
            raise CassetteNotFoundError(str(path))  # vcrpy records it (in a recording mode)
        try:
            return deserialize(path.read_text(encoding="utf-8"), serializer)
        except (OSError, UnicodeDecodeError) as exc:
            raise InputError(f"{path}: not a readable cassette ({type(exc).__name__})") from None
        except CassetteFormatError as exc:
            raise InputError(f"{path}: {exc}") from None

    @staticmethod
    def save_cassette(cassette_path: str | Path, cassette_dict: Any, serializer: Any) -> None:
        FilesystemPersister.save_cassette(cassette_path, cassette_dict, serializer=serializer)


def _before_response(response: dict[str, Any]) -> dict[str, Any]:
    headers = response.get("headers", {})
    for name in list(headers):
        # bodies are re-indented on disk, so a recorded length would not hold
        if name.lower() in SECRET_HEADERS or name.lower() == "content-length":
            del headers[name]
    return response


@lru_cache(maxsize=8)  # vcrpy compares each request with a recorded one more than once
def _parsed(text: str) -> Any:
    try:
        return json.loads(text)
    except ValueError:
        return text


def _json_body(request: Request) -> Any:
    text = _text(request.body)
    return _parsed(text) if text else None  # shared: compared, never changed


def _property_orders(node: Any) -> list[list[str]]:
    """The key order of every JSON schema `properties` object in a body, depth first."""
    if isinstance(node, list):
        return [order for item in node for order in _property_orders(item)]
    if not isinstance(node, dict):
        return []
    found = [list(node["properties"])] if isinstance(node.get("properties"), dict) else []
    return found + [order for value in node.values() for order in _property_orders(value)]


def json_body_matcher(live: Request, recorded: Request) -> None:
    """Match requests whose bodies are equal as JSON (key order and spacing aside)."""
    if _json_body(live) != _json_body(recorded):
        raise AssertionError("request bodies differ")


def schema_order_matcher(live: Request, recorded: Request) -> None:
    """Match requests whose bodies are equal as JSON and whose schemas list their properties in
    the same order (the order a grammar-constrained server makes the model answer in)."""
    json_body_matcher(live, recorded)
    if _property_orders(_json_body(live)) != _property_orders(_json_body(recorded)):
        raise AssertionError("the schema's properties come in another order")


def make_vcr(record_mode: str = "none", *, in_order: bool = True) -> vcr.VCR:
    """A VCR that matches on method, path and JSON body (with its schemas' properties in the
    recorded order, unless `in_order` is False: cassettes stored with sorted keys) and scrubs
    credentials. A replay (`record_mode="none"`) writes nothing, so it filters nothing:
    vcrpy's filters copy every request before matching it."""
    scrub: dict[str, Any] = (
        {}
        if record_mode == "none"
        else {"filter_headers": list(SECRET_HEADERS), "before_record_response": _before_response}
    )
    v = vcr.VCR(
        record_mode=record_mode,
        serializer="pretty-yaml",
        match_on=("method", "path", "json_body"),
        decode_compressed_response=True,
        **scrub,
    )
    v.register_serializer("pretty-yaml", PrettyYaml)
    v.register_persister(CheckedPersister)
    v.register_matcher("json_body", schema_order_matcher if in_order else json_body_matcher)
    return v
