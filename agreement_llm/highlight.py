"""Rendering an article as HTML with grounded spans highlighted (reports and notebooks)."""

from __future__ import annotations

import html

from agreement_llm.grounding import Span

__all__ = ["highlight"]


def _field(path: str) -> str:
    last = path.rsplit(".", 1)[-1]
    return last.split("[", 1)[0]


def highlight(text: str, spans: list[Span], css_class: str = "g") -> str:
    """The article as escaped HTML, each located span in a `<mark>` titled with its field.

    Overlapping spans keep the earlier (then longer) one; spans not found are not marked.
    """
    placed = sorted(
        (s for s in spans if s.start is not None and s.end is not None),
        key=lambda s: (s.start or 0, -(s.end or 0)),
    )
    out: list[str] = []
    pos = 0
    for span in placed:
        assert span.start is not None
        assert span.end is not None
        if span.start < pos:
            continue
        out.append(html.escape(text[pos : span.start]))
        field = _field(span.path)
        out.append(
            f'<mark class="{css_class} f-{html.escape(field)} {span.status.value}" '
            f'title="{html.escape(span.path)} ({span.status.value})">'
            f"{html.escape(text[span.start : span.end])}</mark>"
        )
        pos = span.end
    out.append(html.escape(text[pos:]))
    return "".join(out)
