"""What the command modules share: one-line user errors, project paths, the endpoint options."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import click

from agreement_llm.config import Endpoint, ServerKind, local_endpoint, resolve_endpoint
from agreement_llm.errors import AgreementLLMError
from agreement_llm.retry import RetryPolicy

__all__ = ["SERVER", "endpoint_from", "gold_paths", "project_path", "user_errors"]


@contextmanager
def user_errors() -> Iterator[None]:
    """Turn the library's errors into one-line click errors (exit 1, no traceback)."""
    try:
        yield
    except AgreementLLMError as exc:
        raise click.ClickException(str(exc)) from None


PROJECT = Path(__file__).resolve().parent.parent  # the repository, in an editable install
SERVER = click.Choice([k.value for k in ServerKind])
REASKS = click.option(
    "--reasks",
    type=click.IntRange(min=0),
    default=RetryPolicy().reasks,
    show_default=True,
    help="Times invalid output is sent back to the model with the error.",
)


def project_path(relative: str) -> Path:
    """`relative` under the working directory if it is there, else under the project."""
    here = Path(relative)
    return here if here.exists() or not (PROJECT / relative).exists() else PROJECT / relative


def gold_paths(command: Callable[..., None]) -> Callable[..., None]:
    """The --gold-dir and --articles-dir options."""
    for name, rel in (("--articles-dir", "eval/articles"), ("--gold-dir", "eval/gold")):
        command = click.option(
            name,
            type=click.Path(path_type=Path),
            default=lambda rel=rel: project_path(rel),
            show_default=rel,
        )(command)
    return command


@contextmanager
def endpoint_from(
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
