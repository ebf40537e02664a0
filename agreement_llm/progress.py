"""Progress of a batch (terminal and notebook, through rich) and its closing summary."""

from __future__ import annotations

import warnings
from collections import Counter
from dataclasses import dataclass, field

from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)

from agreement_llm.results import ResultRow

__all__ = ["BatchProgress", "BatchSummary"]


@dataclass
class BatchSummary:
    """What a batch did: articles, agreements found, failures by kind, tokens, wall time."""

    articles: int = 0
    extracted: int = 0
    skipped: int = 0
    cached: int = 0
    agreements: int = 0
    failures: Counter[str] = field(default_factory=Counter)
    prompt_tokens: int = 0
    completion_tokens: int = 0
    wall_s: float = 0.0

    def add(self, row: ResultRow) -> None:
        """Count one finished row."""
        if row.status == "ok" and row.extraction is not None:
            self.extracted += 1
            self.cached += row.cached
            self.agreements += len(row.extraction.record.agreements)
            if not row.cached:
                usage = row.extraction.usage
                self.prompt_tokens += usage.prompt_tokens
                self.completion_tokens += usage.completion_tokens
        elif row.error is not None:
            self.failures[row.error.kind] += 1
            self.prompt_tokens += sum(a.usage.prompt_tokens for a in row.error.attempts)
            self.completion_tokens += sum(a.usage.completion_tokens for a in row.error.attempts)

    def __str__(self) -> str:
        failed = sum(self.failures.values())
        kinds = ", ".join(f"{n} {k}" for k, n in sorted(self.failures.items()))
        return (
            f"{self.articles} articles: {self.extracted} extracted ({self.cached} from cache), "
            f"{self.skipped} already done, {failed} failed{f' ({kinds})' if kinds else ''}; "
            f"{self.agreements} agreements; tokens {self.prompt_tokens} in, "
            f"{self.completion_tokens} out; {self.wall_s:.1f} s"
        )


NOTEBOOK_HINT = (
    "a live progress bar in a notebook needs ipywidgets: pip install 'agreement-llm[notebook]'"
)


def _can_show(console: Console) -> bool:
    """Whether a live bar can show on `console` (in a notebook, rich draws it in a widget)."""
    if not console.is_jupyter:
        return True
    try:
        import ipywidgets  # noqa: F401
    except ImportError:
        warnings.warn(NOTEBOOK_HINT, stacklevel=4)
        return False
    return True


class BatchProgress:
    """A live bar: articles done and failed, tokens, rate and time left.

    It draws on the terminal (standard error) or, in a notebook, in an output widget.
    """

    def __init__(self, total: int, *, enabled: bool = True, console: Console | None = None) -> None:
        console = console or Console(stderr=True)
        self.enabled = enabled and _can_show(console)
        self._progress = Progress(
            TextColumn("[bold]extract"),
            BarColumn(),
            MofNCompleteColumn(),
            TextColumn("{task.fields[failed]} failed, {task.fields[tokens]} tokens"),
            TextColumn("{task.fields[speed_text]}"),
            TimeElapsedColumn(),
            TimeRemainingColumn(),
            console=console,
            disable=not self.enabled,
            transient=False,
        )
        self._task = self._progress.add_task(
            "extract", total=total, failed=0, tokens=0, speed_text=""
        )
        self._failed = 0
        self._tokens = 0
        self._done = 0

    def __enter__(self) -> BatchProgress:
        if self.enabled:
            self._progress.start()
        return self

    def __exit__(self, *exc: object) -> None:
        if self.enabled:
            self._progress.refresh()  # rich does not redraw a notebook's bar when it stops
            self._progress.stop()

    def advance(self, row: ResultRow) -> None:
        """Count one finished article."""
        self._done += 1
        if row.status == "error":
            self._failed += 1
        if row.extraction is not None and not row.cached:
            self._tokens += row.extraction.usage.total_tokens
        if not self.enabled:  # nothing to draw (rich would keep a sample per article)
            return
        elapsed = self._progress.tasks[0].elapsed or 0.0
        rate = f"{self._done / elapsed * 60:.0f}/min" if elapsed > 0 else ""
        self._progress.update(
            self._task, advance=1, failed=self._failed, tokens=self._tokens, speed_text=rate
        )
