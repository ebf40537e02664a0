"""The structured-output request: which instructor mode each output style uses, and how the
record's JSON schema is shaped for the server (limits, `json_object` with `schema`)."""

from __future__ import annotations

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

    def shaped(node: Any) -> Any:  # a new tree: the schema given (often cached) is not changed
        if isinstance(node, list):
            return [shaped(value) for value in node]
        if not isinstance(node, dict):
            return node
        out = {
            key: shaped(value)
            for key, value in node.items()
            if not (strip_text and key in ("description", "title") and isinstance(value, str))
        }
        if out.get("type") == "array" and max_items is not None:
            out.setdefault("maxItems", max_items)
        if (
            out.get("type") == "string"
            and max_string is not None
            and "enum" not in out
            and "pattern" not in out
        ):
            out.setdefault("maxLength", max_string)
        return out

    result: dict[str, Any] = shaped(schema)
    return result


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
