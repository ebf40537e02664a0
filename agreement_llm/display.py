"""HTML views for notebooks: the article with grounded spans highlighted, the record beside it."""

from __future__ import annotations

import html
from typing import TYPE_CHECKING

from agreement_llm.grounding import Span
from agreement_llm.models import ArticleRecord

if TYPE_CHECKING:
    from agreement_llm.extract import Extraction

__all__ = ["highlight"]

_STYLE = """<style>
.al-wrap{display:flex;gap:1em;align-items:flex-start;font-family:system-ui,sans-serif}
.al-text{flex:1;white-space:pre-wrap;border:1px solid #ddd;padding:.6em;max-height:32em;
overflow:auto;font-size:.85em;background:#fcfcfc}
.al-rec{flex:1;font-size:.85em}.al-rec table{border-collapse:collapse;margin-bottom:.6em}
.al-rec td,.al-rec th{border:1px solid #ddd;padding:2px 6px;vertical-align:top;text-align:left}
mark.g{padding:0 1px}mark.f-name{background:#cfe3ff}mark.f-evidence{background:#eeeeee}
mark.f-place{background:#ffe0b3}mark.f-areas{background:#d4f5d4}mark.f-title{background:#f5d4f0}
mark.f-establishes{background:#fff3a8}mark.f-short_name{background:#cfe3ff}
mark.fuzzy{outline:1px dashed #a60}.al-miss{color:#b00020}
</style>"""


def _row(label: str, value: object) -> str:
    if value in (None, "", []):
        return ""
    return f"<tr><th>{html.escape(label)}</th><td>{html.escape(str(value))}</td></tr>"


def record_html(record: ArticleRecord) -> str:
    """The record as small HTML tables, one per agreement."""
    date = record.published_on
    parts = [f"<p>published: {html.escape(_date(date))}</p>"] if date else []
    if not record.agreements:
        parts.append("<p><i>no agreements</i></p>")
    for i, ag in enumerate(record.agreements):
        parties = "; ".join(f"{p.name} ({p.sector.value})" for p in ag.parties)
        people = "; ".join(f"{p.name} ({p.role.value})" for p in ag.people)
        rows = [
            _row("kind", ag.kind.value),
            _row("status", ag.status.value),
            _row("title", ag.title),
            _row("count", ag.count if ag.count != 1 else None),
            _row("parties", parties),
            _row("signed", _date(ag.signed_on) if ag.signed_on else None),
            _row("place", ag.place),
            _row("people", people),
            _row("areas", "; ".join(ag.areas)),
            _row("establishes", "; ".join(ag.establishes)),
            _row("value", ag.value.text if ag.value else None),
            _row("duration", ag.duration),
            _row("evidence", ag.evidence),
        ]
        parts.append(f"<table><caption>agreement {i + 1}</caption>{''.join(rows)}</table>")
    return "".join(parts)


def _date(d: object) -> str:
    parts = [getattr(d, k) for k in ("year", "month", "day")]
    return "-".join("?" if p is None else f"{p:02d}" for p in parts)


def extraction_html(extraction: Extraction, text: str | None) -> str:
    """The article (when known) with grounded spans highlighted by field, beside the record."""
    missing = extraction.grounding.not_found
    notes = "".join(
        f'<div class="al-miss">not in the article: {html.escape(s.path)} = '
        f"{html.escape(s.value)}</div>"
        for s in missing
    )
    right = f'<div class="al-rec">{record_html(extraction.record)}{notes}</div>'
    if text is None:
        return f'{_STYLE}<div class="al-wrap">{right}</div>'
    left = f'<div class="al-text">{highlight(text, extraction.grounding.spans)}</div>'
    return f'{_STYLE}<div class="al-wrap">{left}{right}</div>'


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
