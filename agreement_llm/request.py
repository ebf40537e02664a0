"""The structured-output request: which instructor mode each output style uses, and how the
record's JSON schema is shaped for the server (limits, `json_object` with `schema`)."""

from __future__ import annotations

import copy
from functools import lru_cache
from typing import Any

import instructor
from instructor.processing.response import handle_response_model
from pydantic import BaseModel

from agreement_llm.config import OutputStyle
from agreement_llm.wire import Kept, encode_json

__all__ = [
    "instructor_mode",
    "instructor_request",
    "limit_schema",
    "shape_request",
    "shared_parts",
]

_MODES: dict[OutputStyle, instructor.Mode] = {
    OutputStyle.tools: instructor.Mode.TOOLS,
    OutputStyle.json_schema: instructor.Mode.JSON_SCHEMA,
    OutputStyle.json_object_schema: instructor.Mode.JSON_SCHEMA,
    OutputStyle.json_object: instructor.Mode.JSON,
    OutputStyle.prompt: instructor.Mode.MD_JSON,
}


def instructor_mode(style: OutputStyle) -> instructor.Mode:
    """The instructor mode that produces (before shaping) the request of `style`."""
    return _MODES[style]


# Modes whose additions to a request (response_format, tools) do not depend on its messages.
_FIXED_MODES = frozenset({instructor.Mode.TOOLS, instructor.Mode.JSON_SCHEMA})


def instructor_request(
    response_model: type[BaseModel],
    kwargs: dict[str, Any],
    style: OutputStyle,
    *,
    max_items: int | None = None,
    max_string: int | None = None,
) -> dict[str, Any]:
    """The request body for `style`: `kwargs` with what instructor adds for its mode (the
    schema as a response format or tool, shaped for the server by `shape_request`; or, for
    modes that write it into the prompt, the format instructions in the messages)."""
    mode = instructor_mode(style)
    if mode in _FIXED_MODES:
        return {**kwargs, **_fixed_additions(response_model, style, max_items, max_string)}
    prepared: dict[str, Any] = handle_response_model(response_model, mode, **kwargs)[1]
    return prepared


@lru_cache(maxsize=16)
def _fixed_additions(
    response_model: type[BaseModel],
    style: OutputStyle,
    max_items: int | None,
    max_string: int | None,
) -> dict[str, Any]:
    """What instructor adds to every request of a fixed mode, shaped, prepared once.

    Instructor prepares each request anew, and for these modes that cost more CPU than the rest
    of an extraction (it also renders, and drops, an indented copy of the schema). The result
    is shared: it goes into request bodies, which nothing changes.
    """
    mode = instructor_mode(style)
    prepared: dict[str, Any] = handle_response_model(response_model, mode, messages=[])[1]
    del prepared["messages"]
    return shape_request(prepared, style, max_items=max_items, max_string=max_string)


def shared_parts(
    response_model: type[BaseModel],
    style: OutputStyle,
    *,
    max_items: int | None = None,
    max_string: int | None = None,
) -> Kept:
    """The parts that every request body of `style` shares, each with its JSON, for
    `wire.encode_body` (none for the modes that write the schema into the messages)."""
    if instructor_mode(style) not in _FIXED_MODES:
        return {}
    return _encoded_additions(response_model, style, max_items, max_string)


@lru_cache(maxsize=16)
def _encoded_additions(
    response_model: type[BaseModel],
    style: OutputStyle,
    max_items: int | None,
    max_string: int | None,
) -> Kept:
    additions = _fixed_additions(response_model, style, max_items, max_string)
    return {key: (value, encode_json(value)) for key, value in additions.items()}


def limit_schema(
    schema: dict[str, Any],
    max_items: int | None,
    max_string: int | None,
    *,
    strip_text: bool = False,
) -> dict[str, Any]:
    """A copy of `schema` whose arrays hold at most `max_items` and strings `max_string` chars.

    Bounding the output lets a grammar-constrained server stop a small model's runaway lists.
    With `strip_text`, descriptions and titles are dropped: a grammar does not read them, and
    without them a recorded request does not change when a docstring does.
    """
    out = copy.deepcopy(schema)

    def walk(node: Any) -> None:
        if isinstance(node, dict):
            if strip_text:
                for key in ("description", "title"):
                    if isinstance(node.get(key), str):
                        del node[key]
            if node.get("type") == "array" and max_items is not None:
                node.setdefault("maxItems", max_items)
            if (
                node.get("type") == "string"
                and max_string is not None
                and "enum" not in node
                and "pattern" not in node
            ):
                node.setdefault("maxLength", max_string)
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)

    walk(out)
    return out


def shape_request(
    kwargs: dict[str, Any],
    style: OutputStyle,
    *,
    max_items: int | None = None,
    max_string: int | None = None,
) -> dict[str, Any]:
    """The request body for `style`, from the keyword arguments instructor built."""
    fmt = kwargs.get("response_format")
    if not isinstance(fmt, dict) or fmt.get("type") != "json_schema":
        return kwargs
    grammar = style is OutputStyle.json_object_schema
    schema = limit_schema(fmt["json_schema"]["schema"], max_items, max_string, strip_text=grammar)
    if grammar:  # llama.cpp's server: a grammar from the schema, under json_object
        return {**kwargs, "response_format": {"type": "json_object", "schema": schema}}
    return {
        **kwargs,
        "response_format": {
            "type": "json_schema",
            "json_schema": {**fmt["json_schema"], "schema": schema},
        },
    }
