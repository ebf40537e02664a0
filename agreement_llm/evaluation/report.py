"""The eval's report: the tables printed in the terminal, and report.json (every figure as
data; report.html is rendered from it by `agreement_llm.evaluation.html`)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.table import Table

from agreement_llm.evaluation.analysis import ERROR_CLASSES, error_summary
from agreement_llm.evaluation.metrics import Counts
from agreement_llm.evaluation.prices import Price, cost, load_prices
from agreement_llm.evaluation.scoring import FIELDS
from agreement_llm.evaluation.suite import EvalRun, VersionRun
from agreement_llm.prompts import load_prompt, prompts_dir

__all__ = ["print_eval", "report_data", "write_reports"]


def _interval(v: VersionRun, name: str) -> str:
    low, high = v.figures.intervals.get(name, (0.0, 0.0))
    return f"[{low:.2f}, {high:.2f}]"


def _f1(v: VersionRun, c: Counts, name: str) -> str:
    return f"{c.f1:.2f} {_interval(v, name)}" if c.slots else "-"


def matrix_table(run: EvalRun) -> Table:
    """Micro F1 (95% bootstrap interval) of each prompt version (rows) x model (columns)."""
    table = Table(
        title=f"Micro F1 on {len(run.golds)} gold articles: prompt versions x models",
        caption="F1 [95% bootstrap interval over articles]; failed: extractions that failed",
    )
    table.add_column("version")
    for model in run.models:
        table.add_column(model, justify="right")
    for prompt in run.prompts:
        cells = []
        for model in run.models:
            v = run.column(model, prompt)
            cells.append(
                "not recorded"
                if v is None
                else f"{_f1(v, v.figures.micro, 'micro')} failed {len(v.failures)}"
            )
        table.add_row(prompt, *cells)
    return table


def fields_table(run: EvalRun, versions: list[VersionRun] | None = None) -> Table:
    """Per-field F1 with its bootstrap interval, one column per (model, version) of `versions`
    (default: all of the run's)."""
    versions = run.versions if versions is None else versions
    table = Table(
        title="F1 per field",
        caption="F1 [95% bootstrap interval over articles]; n: gold slots of the field",
    )
    table.add_column("field")
    table.add_column("n", justify="right")
    for v in versions:
        table.add_column(v.label, justify="right", overflow="fold")
    first = versions[0].figures
    for name in FIELDS:
        gold_slots = first.fields[name].tp + first.fields[name].fn
        if not any(v.figures.fields[name].slots for v in versions) and gold_slots == 0:
            continue
        table.add_row(
            name, str(gold_slots), *(_f1(v, v.figures.fields[name], name) for v in versions)
        )
    table.add_section()
    table.add_row(
        "micro",
        str(first.micro.tp + first.micro.fn),
        *(_f1(v, v.figures.micro, "micro") for v in versions),
        style="bold",
    )
    table.add_row("macro F1", "", *(f"{v.figures.macro_f1:.3f}" for v in versions))
    table.add_row(
        "detection F1",
        str(first.detection.tp + first.detection.fn),
        *(f"{v.figures.detection.f1:.2f}" for v in versions),
    )
    table.add_row("failed extractions", "", *(str(len(v.failures)) for v in versions))
    return table


def errors_table(run: EvalRun, versions: list[VersionRun] | None = None) -> Table:
    """Missed and false slots by class, one column per (model, version) of `versions` (default:
    all of the run's)."""
    versions = run.versions if versions is None else versions
    table = Table(title="Errors by class (missed and false slots)")
    table.add_column("class")
    summaries = [error_summary(v) for v in versions]
    for v in versions:
        table.add_column(v.label, justify="right", overflow="fold")
    for name in ERROR_CLASSES:
        table.add_row(name, *(str(s.counts[name]) for s in summaries))
    table.add_section()
    table.add_row("worst articles", *(", ".join(a for a, _, _ in s.worst) for s in summaries))
    return table


def totals(v: VersionRun, prices: dict[str, Price]) -> dict[str, Any]:
    """Tokens, recorded seconds and estimated cost of a column over all its articles."""
    tokens = [v.tokens(r.article_id) for r in v.results]
    tin, tout = sum(t[0] for t in tokens), sum(t[1] for t in tokens)
    return {
        "prompt_tokens": tin,
        "completion_tokens": tout,
        "seconds": round(sum(v.latency_s.values()), 3),
        "cost_usd": cost(prices, v.model, tin, tout),
    }


def _usd(value: float | None) -> str:
    return "no price" if value is None else f"${value:.4f}"


def cost_table(run: EvalRun, prices: dict[str, Price]) -> Table:
    """Tokens, recorded seconds and estimated cost per column, in total and per article."""
    table = Table(title="Cost (tokens in/out, seconds as recorded, estimated USD)")
    table.add_column("model", overflow="fold")  # folded, never cut, in a narrow terminal
    table.add_column("version", no_wrap=True)
    for name in ("tokens in", "tokens out", "seconds", "cost", "per article"):
        table.add_column(name, justify="right")
    for v in run.versions:
        t = totals(v, prices)
        n = max(len(v.results), 1)
        per = None if t["cost_usd"] is None else t["cost_usd"] / n
        table.add_row(
            v.model,
            v.prompt,
            str(t["prompt_tokens"]),
            str(t["completion_tokens"]),
            f"{t['seconds']:.0f}",
            _usd(t["cost_usd"]),
            f"{_usd(per)}, {t['seconds'] / n:.1f} s",
        )
    return table


def print_eval(
    run: EvalRun, console: Console | None = None, *, prices: dict[str, Price] | None = None
) -> None:
    """Print the matrix, the fields, the comparisons, the error analysis and the costs."""
    out = console or Console()
    out.print(matrix_table(run))
    # as many columns per table as the console fits (an interval needs about 20 characters)
    per = max(1, (out.width - 30) // 20)
    groups = [run.versions[i : i + per] for i in range(0, len(run.versions), per)]
    for group in groups:
        out.print(fields_table(run, group))
    for c in run.comparisons:
        what = "version vs parent" if c.kind == "parent" else "model vs model"
        out.print(
            f"{what}: micro F1 {c.newer} - {c.older}: {c.difference:+.3f} "
            f"(95% paired bootstrap CI {c.low:+.3f} to {c.high:+.3f}, {c.resamples} resamples "
            f"over {c.articles} articles); {c.newer} worse in {c.share_worse:.1%} of resamples",
            highlight=False,
        )
    for group in groups:
        out.print(errors_table(run, group))
    for v in run.versions:
        for r in v.failures:
            assert r.error is not None
            out.print(f"[yellow]{v.label} {r.article_id}: {r.error}[/yellow]", highlight=False)
    out.print(cost_table(run, prices or load_prices()))


def _prompt_data(version: str) -> dict[str, Any]:
    prompt = load_prompt(version)
    folder = prompts_dir() / version
    files = (
        {p.name: p.read_text(encoding="utf-8") for p in sorted(folder.iterdir()) if p.is_file()}
        if folder.is_dir()
        else {"system.md": prompt.system, "user.md": prompt.user}
    )
    return {
        "sha256": prompt.sha256,
        "manifest": prompt.manifest.model_dump(mode="json"),
        "files": files,
    }


def _column_data(run: VersionRun, prices: dict[str, Price]) -> dict[str, Any]:
    f = run.figures
    articles: dict[str, Any] = {}
    for result, score in zip(run.results, run.scores, strict=True):
        tokens_in, tokens_out = run.tokens(result.article_id)
        articles[result.article_id] = {
            "f1": score.f1,
            "error": str(result.error) if result.error else None,
            "error_kind": result.error.kind if result.error else None,
            "raw_output": [a.raw for a in result.attempts] if result.error else None,
            "prompt_tokens": tokens_in,
            "completion_tokens": tokens_out,
            "recorded_latency_s": run.latency_s.get(result.article_id),
            "cost_usd": cost(prices, run.model, tokens_in, tokens_out),
            "record": result.extraction.record.model_dump(mode="json")
            if result.extraction
            else None,
            "grounding": result.extraction.grounding.model_dump(mode="json")
            if result.extraction
            else None,
            "slots": [s.model_dump(mode="json") for s in score.slots],
        }
    return {
        "label": run.label,
        "model": run.model,
        "prompt": run.prompt,
        "fields": {
            name: {**f.fields[name].summary(), "f1_interval": f.intervals.get(name)}
            for name in FIELDS
        },
        "micro": {**f.micro.summary(), "f1_interval": f.intervals.get("micro")},
        "macro_f1": f.macro_f1,
        "detection": f.detection.summary(),
        "failed_extractions": len(run.failures),
        "errors": error_summary(run).as_data(),
        "totals": totals(run, prices),
        "articles": articles,
    }


def report_data(run: EvalRun, prices: dict[str, Price] | None = None) -> dict[str, Any]:
    """Every figure of the run as plain JSON data."""
    table = prices or load_prices()
    columns = [_column_data(v, table) for v in run.versions]
    spent = [c["totals"]["cost_usd"] for c in columns]
    return {
        "run_at": run.run_at.isoformat(timespec="seconds"),
        "library_version": run.library_version,
        "models": run.models,
        "articles": [g.article_id for g in run.golds],
        "columns": columns,
        "comparisons": [c.model_dump() for c in run.comparisons],
        "total_cost_usd": None if None in spent else sum(s or 0.0 for s in spent),
        "prompts": {p: _prompt_data(p) for p in run.prompts},
        "unrecorded": [list(pair) for pair in run.unrecorded],
    }


def write_reports(
    run: EvalRun, out_dir: Path, *, prices: dict[str, Price] | None = None
) -> list[Path]:
    """Write `report.json` and `report.html` into `out_dir`; return their paths."""
    from agreement_llm.evaluation.html import render_html

    out_dir.mkdir(parents=True, exist_ok=True)
    data = report_data(run, prices)
    json_path, html_path = out_dir / "report.json", out_dir / "report.html"
    json_path.write_text(json.dumps(data, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    html_path.write_text(render_html(run, data), encoding="utf-8")
    return [json_path, html_path]
