"""The matrix and the per-field figures as JSON, CSV or Markdown (`eval --format`)."""

from __future__ import annotations

import csv
import io
import json
import statistics
from typing import Any

from agreement_llm.evaluation.metrics import Counts
from agreement_llm.evaluation.scoring import FIELDS
from agreement_llm.evaluation.suite import EvalRun, VersionRun

__all__ = ["FORMATS", "export", "figure_rows", "summary_rows"]

FORMATS = ("json", "csv", "markdown")
_COLUMNS = ("model", "prompt", "field", "tp", "fp", "fn", "precision", "recall", "f1")


def _row(v: VersionRun, name: str, c: Counts) -> dict[str, Any]:
    low, high = v.figures.intervals.get(name, (None, None))
    return {
        "model": v.model,
        "prompt": v.prompt,
        "field": name,
        **c.summary(),
        "f1_low": low,
        "f1_high": high,
    }


def figure_rows(run: EvalRun) -> list[dict[str, Any]]:
    """One row per (model, version, field), micro and detection included: counts, P/R/F1 and
    the 95% bootstrap interval of F1."""
    rows: list[dict[str, Any]] = []
    for v in run.versions:
        rows += [_row(v, name, v.figures.fields[name]) for name in FIELDS]
        rows.append(_row(v, "micro", v.figures.micro))
        rows.append(_row(v, "detection", v.figures.detection))
    return rows


def summary_rows(run: EvalRun) -> list[dict[str, Any]]:
    """One row per (model, version): micro and detection F1, failed extractions, the share of
    grounded values not found in the article, tokens and recorded seconds per article."""
    out: list[dict[str, Any]] = []
    for v in run.versions:
        spans = [s for r in v.results if r.extraction for s in r.extraction.grounding.spans]
        missing = sum(1 for s in spans if s.status == "not_found")
        tokens = [v.tokens(r.article_id) for r in v.results]
        seconds = list(v.latency_s.values())
        out.append(
            {
                "model": v.model,
                "prompt": v.prompt,
                "micro_f1": v.figures.micro.f1,
                "detection_f1": v.figures.detection.f1,
                "failed": len(v.failures),
                "not_found_share": missing / len(spans) if spans else 0.0,
                "prompt_tokens": statistics.mean(t[0] for t in tokens) if tokens else 0.0,
                "completion_tokens": statistics.mean(t[1] for t in tokens) if tokens else 0.0,
                "median_seconds": statistics.median(seconds) if seconds else None,
            }
        )
    return out


def _summary_markdown(run: EvalRun) -> list[str]:
    lines = [
        "| model / version | micro F1 | detection F1 | failed | not found | prompt tokens "
        "| completion tokens | s/article (median) |",
        "|---|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for r in summary_rows(run):
        secs = "-" if r["median_seconds"] is None else f"{r['median_seconds']:.1f}"
        lines.append(
            f"| {r['model']} / {r['prompt']} | {r['micro_f1']:.3f} | {r['detection_f1']:.3f} "
            f"| {r['failed']} | {r['not_found_share']:.1%} | {r['prompt_tokens']:.0f} "
            f"| {r['completion_tokens']:.0f} | {secs} |"
        )
    return lines


def _markdown(run: EvalRun, rows: list[dict[str, Any]]) -> str:
    models = run.models
    lines = ["| version | " + " | ".join(models) + " |", "|---|" + "---:|" * len(models)]
    for prompt in run.prompts:
        cells = []
        for model in models:
            v = run.column(model, prompt)
            if v is None:
                cells.append("not recorded")
                continue
            low, high = v.figures.intervals.get("micro", (0.0, 0.0))
            cells.append(f"{v.figures.micro.f1:.3f} [{low:.2f}, {high:.2f}]")
        lines.append(f"| {prompt} | " + " | ".join(cells) + " |")
    labels = [v.label for v in run.versions]
    lines += ["", "| field | " + " | ".join(labels) + " |", "|---|" + "---:|" * len(labels)]
    for name in [*FIELDS, "micro", "detection"]:
        cells = []
        for v in run.versions:
            r = next(
                r
                for r in rows
                if r["field"] == name and r["model"] == v.model and r["prompt"] == v.prompt
            )
            ci = "" if r["f1_low"] is None else f" [{r['f1_low']:.2f}, {r['f1_high']:.2f}]"
            cells.append(f"{r['f1']:.2f}{ci}")
        lines.append(f"| {name} | " + " | ".join(cells) + " |")
    lines += ["", *_summary_markdown(run)]
    return "\n".join(lines) + "\n"


def export(run: EvalRun, fmt: str) -> str:
    """The matrix and per-field figures in `fmt` (json, csv or markdown)."""
    rows = figure_rows(run)
    if fmt == "json":
        matrix = [
            {
                "model": v.model,
                "prompt": v.prompt,
                "micro_f1": v.figures.micro.f1,
                "failed": len(v.failures),
            }
            for v in run.versions
        ]
        return json.dumps({"matrix": matrix, "fields": rows}, indent=2) + "\n"
    if fmt == "csv":
        out = io.StringIO()
        writer = csv.DictWriter(
            out, fieldnames=[*_COLUMNS, "f1_low", "f1_high"], lineterminator="\n"
        )
        writer.writeheader()
        writer.writerows(rows)
        return out.getvalue()
    if fmt == "markdown":
        return _markdown(run, rows)
    raise ValueError(f"unknown format {fmt!r}; one of {', '.join(FORMATS)}")
