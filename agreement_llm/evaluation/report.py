"""The eval's report: the table printed in the terminal, and report.json and report.html."""

from __future__ import annotations

import html
import json
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.table import Table

from agreement_llm.display import highlight
from agreement_llm.evaluation.metrics import Counts
from agreement_llm.evaluation.scoring import FIELDS
from agreement_llm.evaluation.suite import EvalRun, VersionRun
from agreement_llm.grounding import ground

__all__ = ["print_eval", "write_reports"]


def _prf(c: Counts) -> str:
    return f"{c.precision:.2f} {c.recall:.2f} {c.f1:.2f}"


def comparison_table(run: EvalRun) -> Table:
    """Per-field P/R/F1, micro, macro and detection, one column per version."""
    table = Table(
        title=f"Prompt versions on {len(run.golds)} gold articles, model {run.model}",
        caption="cells: precision recall F1; n: gold slots of the field",
    )
    table.add_column("field")
    table.add_column("n", justify="right")
    for v in run.versions:
        table.add_column(v.prompt, justify="right")
    first = run.versions[0].figures
    for name in FIELDS:
        gold_slots = first.fields[name].tp + first.fields[name].fn
        if not any(v.figures.fields[name].slots for v in run.versions) and gold_slots == 0:
            continue
        table.add_row(name, str(gold_slots), *(_prf(v.figures.fields[name]) for v in run.versions))
    table.add_section()
    table.add_row(
        "micro",
        str(first.micro.tp + first.micro.fn),
        *(_prf(v.figures.micro) for v in run.versions),
        style="bold",
    )
    table.add_row("macro F1", "", *(f"{v.figures.macro_f1:.3f}" for v in run.versions))
    table.add_row(
        "detection",
        str(first.detection.tp + first.detection.fn),
        *(_prf(v.figures.detection) for v in run.versions),
    )
    table.add_row("failed extractions", "", *(str(len(v.failures)) for v in run.versions))
    return table


def cost_table(run: EvalRun) -> Table:
    """Tokens and recorded latency per article, for each version."""
    table = Table(title="Cost per article (tokens in/out; latency as recorded)")
    table.add_column("article")
    for v in run.versions:
        table.add_column(f"{v.prompt} tokens", justify="right")
        table.add_column(f"{v.prompt} s", justify="right")
        table.add_column(f"{v.prompt} F1", justify="right")
    for gold in run.golds:
        cells: list[str] = []
        for v in run.versions:
            tin, tout = v.tokens(gold.article_id)
            lat = v.latency_s.get(gold.article_id)
            cells += [
                f"{tin}/{tout}",
                "-" if lat is None else f"{lat:.0f}",
                f"{v.figures.per_article_f1[gold.article_id]:.2f}",
            ]
        table.add_row(gold.article_id, *cells)
    return table


def print_eval(run: EvalRun, console: Console | None = None, *, costs: bool = True) -> None:
    """Print the comparison, the bootstrap differences and (optionally) the costs."""
    out = console or Console()
    out.print(comparison_table(run))
    for c in run.comparisons:
        out.print(
            f"micro F1 {c.newer} - {c.older}: {c.difference:+.3f} "
            f"(95% paired bootstrap CI {c.low:+.3f} to {c.high:+.3f}, {c.resamples} resamples "
            f"over {c.articles} articles); {c.newer} worse in {c.share_worse:.1%} of resamples"
        )
    for v in run.versions:
        for r in v.failures:
            assert r.error is not None
            out.print(f"[yellow]{v.prompt} {r.article_id}: {r.error}[/yellow]", highlight=False)
    if costs:
        out.print(cost_table(run))


_CSS = """
body{font-family:system-ui,sans-serif;margin:2em;max-width:1200px;color:#222}
table{border-collapse:collapse;margin:1em 0}td,th{border:1px solid #ccc;padding:3px 8px}
th{background:#f0f0f0}td.num{text-align:right;font-variant-numeric:tabular-nums}
.article{white-space:pre-wrap;border:1px solid #ddd;padding:1em;background:#fafafa;
font-size:0.9em;max-height:30em;overflow:auto}
mark.exact{background:#c8f0c8}mark.fuzzy{background:#f5e6a8}mark.gold{background:none;
border-bottom:2px solid #3a6ee8}
.tp{color:#176117}.fn{color:#b00020;font-weight:bold}.fp{color:#c05800;font-weight:bold}
.fp\\+fn{color:#8a2be2;font-weight:bold}details{margin:0.6em 0}summary{cursor:pointer}
.legend span{margin-right:1em}
"""
_LABEL = {"tp": "match", "fn": "missed", "fp": "hallucinated", "fp+fn": "wrong"}


def _version_data(v: VersionRun) -> dict[str, Any]:
    f = v.figures
    articles: dict[str, Any] = {}
    for result, score in zip(v.results, v.scores, strict=True):
        tokens_in, tokens_out = v.tokens(result.article_id)
        articles[result.article_id] = {
            "f1": score.f1,
            "error": str(result.error) if result.error else None,
            "error_kind": result.error.kind if result.error else None,
            "prompt_tokens": tokens_in,
            "completion_tokens": tokens_out,
            "recorded_latency_s": v.latency_s.get(result.article_id),
            "record": result.extraction.record.model_dump(mode="json")
            if result.extraction
            else None,
            "grounding": result.extraction.grounding.model_dump(mode="json")
            if result.extraction
            else None,
            "slots": [s.model_dump(mode="json") for s in score.slots],
        }
    return {
        "prompt": v.prompt,
        "fields": {name: f.fields[name].summary() for name in FIELDS},
        "micro": f.micro.summary(),
        "macro_f1": f.macro_f1,
        "detection": f.detection.summary(),
        "failed_extractions": len(v.failures),
        "articles": articles,
    }


def report_data(run: EvalRun) -> dict[str, Any]:
    """Every figure of the run as plain JSON data."""
    return {
        "model": run.model,
        "articles": [g.article_id for g in run.golds],
        "versions": [_version_data(v) for v in run.versions],
        "comparisons": [c.model_dump() for c in run.comparisons],
    }


def _prf_cells(c: dict[str, float | int]) -> str:
    return "".join(f'<td class="num">{c[k]:.2f}</td>' for k in ("precision", "recall", "f1"))


def _comparison_html(data: dict[str, Any]) -> str:
    versions = data["versions"]
    head = "".join(f'<th colspan="3">{html.escape(v["prompt"])}</th>' for v in versions)
    sub = "<th>P</th><th>R</th><th>F1</th>" * len(versions)
    rows = []
    for name in [*FIELDS, "micro", "detection"]:
        cells = "".join(
            _prf_cells(v["fields"][name] if name in FIELDS else v[name]) for v in versions
        )
        rows.append(f"<tr><td>{name}</td>{cells}</tr>")
    macro = "".join(f'<td class="num" colspan="3">{v["macro_f1"]:.3f}</td>' for v in versions)
    failed = "".join(
        f'<td class="num" colspan="3">{v["failed_extractions"]}</td>' for v in versions
    )
    rows.append(f"<tr><td>macro F1</td>{macro}</tr><tr><td>failed extractions</td>{failed}</tr>")
    comps = "".join(
        f"<p>micro F1 {html.escape(c['newer'])} - {html.escape(c['older'])}: "
        f"<b>{c['difference']:+.3f}</b> (95% paired bootstrap CI {c['low']:+.3f} to "
        f"{c['high']:+.3f}, {c['resamples']} resamples over {c['articles']} articles); "
        f"{html.escape(c['newer'])} worse in {c['share_worse']:.1%} of resamples</p>"
        for c in data["comparisons"]
    )
    return (
        f'<table id="comparison"><tr><th rowspan="2">field</th>{head}</tr><tr>{sub}</tr>'
        f"{''.join(rows)}</table>{comps}"
    )


def _label(slot: dict[str, Any]) -> str:
    return f"{slot['field']}.{slot['part']}" if slot.get("part") else str(slot["field"])


def _slot_table(slots: list[dict[str, Any]]) -> str:
    rows = "".join(
        f'<tr class="{s["outcome"]}"><td>{html.escape(_label(s))}</td>'
        f"<td>{html.escape(str(s['gold'] or ''))}</td><td>{html.escape(str(s['pred'] or ''))}</td>"
        f'<td class="{s["outcome"]}">{_LABEL[s["outcome"]]}</td></tr>'
        for s in slots
    )
    return (
        "<table><tr><th>field</th><th>gold</th><th>predicted</th><th>outcome</th></tr>"
        f"{rows}</table>"
    )


def _article_html(run: EvalRun, data: dict[str, Any], article_id: str) -> str:
    text = run.articles[article_id].text
    gold = next(g for g in run.golds if g.article_id == article_id)
    parts = [
        f"<details><summary><b>{html.escape(article_id)}</b> — F1 "
        + ", ".join(
            f"{v['prompt']} {v['articles'][article_id]['f1']:.2f}" for v in data["versions"]
        )
        + "</summary>",
        "<h4>Gold values in the article</h4>",
        f'<div class="article">{highlight(text, ground(gold.record, text).spans, "gold")}</div>',
    ]
    for vrun, v in zip(run.versions, data["versions"], strict=True):
        art = v["articles"][article_id]
        result = next(r for r in vrun.results if r.article_id == article_id)
        parts.append(f"<h4>{html.escape(v['prompt'])}</h4>")
        if result.extraction is not None:
            spans = result.extraction.grounding.spans
            missing = [s for s in spans if s.status.value == "not_found"]
            parts.append(f'<div class="article">{highlight(text, spans)}</div>')
            if missing:
                parts.append(
                    "<p>Predicted values not in the article: "
                    + "; ".join(
                        f"<code>{html.escape(s.path)}</code> = {html.escape(s.value)}"
                        for s in missing
                    )
                    + "</p>"
                )
        else:
            parts.append(f'<p class="fn">extraction failed: {html.escape(art["error"] or "")}</p>')
        parts.append(_slot_table(art["slots"]))
    parts.append("</details>")
    return "".join(parts)


def render_html(run: EvalRun, data: dict[str, Any]) -> str:
    """The self-contained HTML report."""
    articles = "".join(_article_html(run, data, g.article_id) for g in run.golds)
    legend = (
        '<p class="legend"><span><mark class="gold">gold value</mark></span>'
        '<span><mark class="exact">predicted, found exactly</mark></span>'
        '<span><mark class="fuzzy">predicted, found fuzzily</mark></span>'
        '<span class="fn">missed</span><span class="fp">hallucinated</span>'
        '<span class="fp+fn">wrong</span></p>'
    )
    return (
        f'<!doctype html><html lang="en"><head><meta charset="utf-8"><title>agreement-llm '
        f"eval: {html.escape(run.model)}</title><style>{_CSS}</style></head><body>"
        f"<h1>agreement-llm eval</h1><p>Model <b>{html.escape(run.model)}</b>, "
        f"{len(run.golds)} gold articles.</p><h2>Comparison</h2>{_comparison_html(data)}"
        f"<h2>Articles</h2>{legend}{articles}</body></html>"
    )


def write_reports(run: EvalRun, out_dir: Path) -> list[Path]:
    """Write `report.json` and `report.html` into `out_dir`; return their paths."""
    out_dir.mkdir(parents=True, exist_ok=True)
    data = report_data(run)
    json_path, html_path = out_dir / "report.json", out_dir / "report.html"
    json_path.write_text(json.dumps(data, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    html_path.write_text(render_html(run, data), encoding="utf-8")
    return [json_path, html_path]
