"""The structured-output request: which instructor mode each output style uses, and how the
record's JSON schema is shaped for the server (limits, `json_object` with `schema`)."""

from __future__ import annotations

import copy
from typing import Any

import instructor

from agreement_llm.config import OutputStyle

__all__ = ["instructor_mode", "limit_schema", "shape_request"]

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
