"""The `eval` command: score every recorded (model, prompt version) pair against the gold set."""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import Any

import click

from agreement_llm.cli_support import SERVER, endpoint_from, gold_paths, project_path, user_errors
from agreement_llm.config import LOCAL_PORT
from agreement_llm.prompts import list_prompts

__all__ = ["eval_cmd"]

_MANY = ("--models", "--prompts")


class _ManyValues(click.Command):
    """`--models A B --prompts v1 v3`: the values after such an option, up to the next option,
    are all its values (click itself takes one value per option)."""

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        out: list[str] = []
        current: str | None = None
        for arg in args:
            if arg.startswith("-"):
                current = arg if arg in _MANY else None
            elif current is not None and out[-1] != current:
                out.append(current)
            out.append(arg)
        return super().parse_args(ctx, out)


@click.command("eval", cls=_ManyValues)
@click.argument("stray", nargs=-1, metavar="")
@click.option(
    "--models",
    multiple=True,
    metavar="M [M ...]",
    help="Recorded models to score (default: every model with cassettes).",
)
@click.option("--model", "one_model", help="One model (the same as --models M).")
@click.option(
    "--prompts",
    multiple=True,
    metavar="V [V ...]",
    help="Prompt versions to score (default: every recorded version of each model).",
)
@click.option("--articles", default="*", show_default=True, help="Glob over gold article ids.")
@click.option(
    "--record",
    is_flag=True,
    help="Record missing cassettes of one model against a live server (never overwrites).",
)
@click.option("--base-url", help="With --record: the server to record from (default: local).")
@click.option("--server", type=SERVER, help="With --record and --base-url: the server kind.")
@click.option("--port", default=LOCAL_PORT, show_default=True, help="Port of the local server.")
@click.option(
    "--report",
    "report_dir",
    type=click.Path(path_type=Path),
    help="Write report.json and report.html to this folder.",
)
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["table", "json", "csv", "markdown"]),
    default="table",
    show_default=True,
    help="table: the terminal report; json, csv, markdown: the matrix and per-field figures.",
)
@click.option(
    "--prices",
    type=click.Path(path_type=Path, exists=True, dir_okay=False),
    help='JSON price table over the default: {"model": {"input": USD, "output": USD}} per '
    "million tokens (local models cost 0).",
)
@click.option(
    "--fail-under",
    type=float,
    help="Exit 1 if any (model, version)'s micro F1 is below this.",
)
@click.option(
    "--jobs",
    type=click.IntRange(min=1),
    default=lambda: len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else 1,
    show_default="the CPUs available",
    help="Processes that replay (model, version) columns side by side.",
)
@click.option(
    "--cassettes",
    type=click.Path(path_type=Path),
    default=lambda: project_path("cassettes"),
    show_default="cassettes",
)
@gold_paths
def eval_cmd(
    stray: tuple[str, ...],
    models: tuple[str, ...],
    one_model: str | None,
    prompts: tuple[str, ...],
    articles: str,
    record: bool,
    base_url: str | None,
    server: str | None,
    port: int,
    report_dir: Path | None,
    fmt: str,
    prices: Path | None,
    fail_under: float | None,
    jobs: int,
    cassettes: Path,
    gold_dir: Path,
    articles_dir: Path,
) -> None:
    """Score each recorded (model, prompt version) pair against the gold set, replaying its
    cassettes offline; compare each version with its parent and the models with each other."""
    from rich.console import Console

    if stray:
        raise click.UsageError(
            f"unexpected arguments {' '.join(stray)}; name prompt versions after --prompts"
        )
    chosen = [*models, *([one_model] if one_model else [])] or None
    console = Console(stderr=True)
    with user_errors():
        from agreement_llm.evaluation.prices import load_prices
        from agreement_llm.evaluation.report import print_eval, write_reports
        from agreement_llm.evaluation.suite import RunResult, record_command, run_eval

        table = load_prices(prices)

        def progress(result: RunResult) -> None:
            state = f"failed ({result.error.kind})" if result.error else "ok"
            console.print(f"{result.prompt} {result.article_id}: {state}", highlight=False)

        options: dict[str, Any] = {
            "cassettes": cassettes,
            "gold_dir": gold_dir,
            "articles_dir": articles_dir,
            "prompts": list(prompts) or None,
            "articles": articles,
        }
        if record:
            if chosen is not None and len(chosen) > 1:
                raise click.UsageError("--record records one model at a time: name it with --model")
            name = chosen[0] if chosen else None
            with endpoint_from(name, base_url, server, base_url is None, port) as endpoint:
                run = run_eval(endpoint=endpoint, record=True, on_result=progress, **options)
        else:
            run = run_eval(models=chosen, jobs=jobs, **options)
        if fmt == "table":
            print_eval(run, Console(), prices=table)
        else:
            from agreement_llm.evaluation.exports import export

            click.echo(export(run, fmt), nl=False)
        if report_dir is not None:
            written = write_reports(run, report_dir, prices=table)
            click.echo(f"wrote {', '.join(str(p) for p in written)}", err=fmt != "table")
        if run.unrecorded:
            pending: dict[str, list[str]] = {}
            for model, version in run.unrecorded:
                pending.setdefault(model, []).append(version)
            known = [p.id for p in list_prompts()]
            listed = "\n".join(
                f"  {m}: {_spans(vs, known)}\n    {record_command(m, vs)}"
                for m, vs in pending.items()
            )
            click.echo(f"not recorded (each command records them all):\n{listed}", err=True)
    if fail_under is not None:
        low = [v for v in run.versions if v.figures.micro.f1 < fail_under]
        if low:
            names = ", ".join(f"{v.label} {v.figures.micro.f1:.3f}" for v in low)
            click.echo(f"micro F1 under {fail_under}: {names}", err=True)
            sys.exit(1)


def _spans(versions: list[str], known: list[str]) -> str:
    """The versions as runs of consecutive known versions ("v3-v17, v19")."""
    runs: list[list[str]] = []
    for version in versions:
        last = runs[-1][-1] if runs else None
        if last in known and version in known and known.index(version) == known.index(last) + 1:
            runs[-1].append(version)
        else:
            runs.append([version])
    return ", ".join(r[0] if len(r) == 1 else f"{r[0]}-{r[-1]}" for r in runs)
