"""`agreement-llm extract --out`: a batch streamed to a resumable file, its notes and summary
on stderr, exit 1 when any article failed or could not be read."""

from __future__ import annotations

import dataclasses
import sys
from pathlib import Path

import click

from agreement_llm.articles import Article, UnreadableArticle
from agreement_llm.batch import BatchOptions, extract_many
from agreement_llm.config import Endpoint
from agreement_llm.frames import to_frames
from agreement_llm.results import ResultStore

__all__ = ["extract_batch"]


def extract_batch(
    articles: list[Article | UnreadableArticle],
    prompt: str | None,
    endpoint: Endpoint,
    out: Path,
    options: BatchOptions,
) -> None:
    """Run the batch; Ctrl-C says how many articles are done and how to resume."""
    frames_path = out if out.suffix.lower() in (".parquet", ".csv") else None
    store = out.with_suffix(".jsonl") if frames_path else out
    options = dataclasses.replace(options, out=store)
    try:
        result = extract_many(articles, prompt=prompt, endpoint=endpoint, options=options)
    except KeyboardInterrupt:
        done = len(ResultStore(store).load()) if store.exists() else 0
        click.echo(
            f"interrupted: {done} articles are in {store}; run the same command again to resume",
            err=True,
        )
        sys.exit(130)
    for note in result.notes:
        click.echo(note, err=True)
    click.echo(str(result.summary), err=True)
    click.echo(f"results: {store}", err=True)
    unreadable = [a for a in articles if isinstance(a, UnreadableArticle)]
    if unreadable:
        n = len(unreadable)
        names = ", ".join(a.article_id for a in unreadable)
        click.echo(f"{n} file{'s' if n != 1 else ''} could not be read: {names}", err=True)
    if frames_path is not None:
        written = to_frames(result.rows).write(frames_path)
        click.echo(f"tables: {', '.join(str(p) for p in written)}", err=True)
    if result.failed:
        sys.exit(1)
