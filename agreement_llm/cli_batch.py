"""`agreement-llm batch`: corpora through the provider's Batch API (submit, status, collect)."""

from __future__ import annotations

from pathlib import Path

import click

from agreement_llm.cli_support import REASKS, SERVER, user_errors
from agreement_llm.retry import RetryPolicy

__all__ = ["batch_group"]

_OUT = click.option(
    "--out",
    type=click.Path(path_type=Path),
    default=Path("results.jsonl"),
    show_default=True,
    help="The results file (its batch state is beside it: OUT.batch.json).",
)


@click.group("batch")
def batch_group() -> None:
    """Run a corpus through the provider's Batch API: half the price, its own rate limits,
    answers within 24 hours. Submit, then collect (again) until every article has a row."""


@batch_group.command("submit")
@click.argument("paths", nargs=-1, required=True, type=click.Path(path_type=Path))
@_OUT
@click.option("--prompt", help="Prompt version (default: `agreement-llm prompts default`).")
@click.option("--model", help="Model name (default: $AGREEMENT_LLM_MODEL, else gpt-4o-mini).")
@click.option("--base-url", help="OpenAI-compatible server URL (default: $OPENAI_BASE_URL).")
@click.option("--server", type=SERVER, help="Server kind, which decides the request shape.")
def submit_cmd(
    paths: tuple[Path, ...],
    out: Path,
    prompt: str | None,
    model: str | None,
    base_url: str | None,
    server: str | None,
) -> None:
    """Submit the articles of PATHS not yet done in --out as batches."""
    from agreement_llm.articles import read_articles
    from agreement_llm.batch_api import submit_batch
    from agreement_llm.config import resolve_endpoint

    with user_errors():
        endpoint = resolve_endpoint(model=model, base_url=base_url, server=server)
        report = submit_batch(read_articles(*paths), out=out, prompt=prompt, endpoint=endpoint)
    click.echo(str(report), err=True)


@batch_group.command("status")
@_OUT
def status_cmd(out: Path) -> None:
    """Each batch of --out: its status and request counts."""
    from agreement_llm.batch_api import batch_status

    with user_errors():
        batches = batch_status(out)
    click.echo("batch\tfile\tstatus\trequests\tcompleted\tfailed\tcollected")
    for b in batches:
        collected = "yes" if b.downloaded else "no"
        click.echo(
            f"{b.id}\t{b.file}\t{b.status}\t{b.requests}\t{b.completed}\t{b.failed}\t{collected}"
        )


@batch_group.command("collect")
@_OUT
@click.option(
    "--live-retries",
    is_flag=True,
    help="Send re-asks of invalid answers and failed requests live, not in a follow-up batch.",
)
@REASKS
def collect_cmd(out: Path, live_retries: bool, reasks: int) -> None:
    """Write the answers of finished batches into --out; submit what is still needed."""
    from agreement_llm.batch_api import BatchApiOptions, collect_batch

    with user_errors():
        options = BatchApiOptions(retry=RetryPolicy(reasks=reasks), live_retries=live_retries)
        report = collect_batch(out, options=options)
    click.echo(str(report), err=True)
