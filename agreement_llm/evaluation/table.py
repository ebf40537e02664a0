"""The eval's terminal output: per-field P/R/F1 of each version side by side (rich)."""

from __future__ import annotations

from rich.console import Console
from rich.table import Table

from agreement_llm.evaluation.figures import Counts
from agreement_llm.evaluation.scoring import FIELDS
from agreement_llm.evaluation.suite import EvalRun

__all__ = ["print_eval"]


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
