"""Extracting many articles: concurrent, rate-limited, cached, streamed to a resumable file."""

from __future__ import annotations

import asyncio
import contextlib
import functools
import math
import threading
import time
from collections.abc import Callable, Coroutine, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import openai

from agreement_llm import eager_send
from agreement_llm.articles import Article
from agreement_llm.cache import ResultCache
from agreement_llm.clients import build_async_client
from agreement_llm.collector import fewer_collections
from agreement_llm.config import Endpoint
from agreement_llm.errors import InputError
from agreement_llm.extract import Answer, aask, endpoint_for, text_sha256
from agreement_llm.idle import IdleWork
from agreement_llm.limits import estimate_tokens
from agreement_llm.progress import BatchProgress, BatchSummary
from agreement_llm.prompts import load_prompt
from agreement_llm.ratelimit import RateLimiter
from agreement_llm.results import ResultRow, ResultStore
from agreement_llm.retry import RetryPolicy

__all__ = ["BatchOptions", "BatchResult", "aextract_many", "extract_many"]


@dataclass(frozen=True)
class BatchOptions:
    """How a batch runs.

    `concurrency` bounds the requests in flight; `requests_per_minute` and
    `tokens_per_minute` cap the pace (None: no cap). `out` is the JSONL file results stream to
    (and resume from). `cache` is on by default (`False` turns it off, or give a
    `ResultCache` of your own). `progress` shows a live bar. `stagger` is the pause, in
    seconds, between the first requests of successive slots, so that their answers do not all
    arrive at once (0: all at once).
    """

    concurrency: int = 8
    requests_per_minute: float | None = None
    tokens_per_minute: float | None = None
    out: Path | None = None
    cache: bool | ResultCache = True
    retry: RetryPolicy = field(default_factory=RetryPolicy)
    progress: bool = False
    stagger: float = 0.002


@dataclass(repr=False)
class BatchResult:
    """Every article's row (in input order) and the summary of the run."""

    rows: list[ResultRow]
    summary: BatchSummary

    def __repr__(self) -> str:
        # short: a full repr of thousands of rows is unreadable, and asyncio.run computes the
        # repr of its result (Python 3.11, restoring the SIGINT handler)
        return f"<BatchResult of {len(self.rows)} rows: {self.summary}>"

    @property
    def failed(self) -> list[ResultRow]:
        """The rows that ended in an error."""
        return [r for r in self.rows if r.status == "error"]


ArticleInput = Article | str


def _articles(items: Iterable[ArticleInput]) -> list[tuple[Article, str]]:
    """Each article with its text's hash (a plain string's id is its hash)."""
    out: list[tuple[Article, str]] = []
    seen: set[str] = set()
    for item in items:
        sha = text_sha256(item if isinstance(item, str) else item.text)
        if isinstance(item, str):
            item = Article(article_id=sha[:16], text=item)
        if item.article_id in seen:
            raise InputError(f"article id {item.article_id!r} appears twice in the input")
        seen.add(item.article_id)
        out.append((item, sha))
    return out


async def aextract_many(
    articles: Iterable[ArticleInput],
    *,
    prompt: str | None = None,
    model: str | None = None,
    endpoint: Endpoint | None = None,
    client: openai.AsyncOpenAI | None = None,
    options: BatchOptions | None = None,
    on_row: Callable[[ResultRow], None] | None = None,
) -> BatchResult:
    """Extract every article concurrently; every article ends as a record or an error row.

    Articles are `Article`s or plain strings (their id: the text's hash). With `options.out`,
    rows stream to that JSONL file as they finish, and articles already done there with the
    same prompt version and model are skipped (failed ones are retried). While it runs,
    Python's garbage collector makes young collections less often (`collector`). On Python
    3.11 it runs faster on a loop that sends each request when it is made, as `extract_many`'s
    does: `agreement_llm.eager_send.install(asyncio.get_running_loop())` makes a loop one.
    """
    opts = options or BatchOptions()
    if opts.concurrency < 1:
        raise InputError(f"concurrency must be at least 1, not {opts.concurrency}")
    if not (math.isfinite(opts.stagger) and opts.stagger >= 0):
        raise InputError(f"stagger must be 0 or more seconds, not {opts.stagger}")
    limiter = RateLimiter(opts.requests_per_minute, opts.tokens_per_minute)
    items = _articles(articles)
    chosen = load_prompt(prompt)
    ep = endpoint_for(endpoint, client, model)
    cache = (
        opts.cache
        if isinstance(opts.cache, ResultCache)
        else (ResultCache() if opts.cache else None)
    )
    store = ResultStore(opts.out) if opts.out else None
    keyed = [((a.article_id, sha, chosen.id, ep.model), a, sha) for a, sha in items]
    done = store.start({key for key, _, _ in keyed}) if store else {}
    http = client or build_async_client(ep)
    budget = chosen.manifest.settings.max_tokens
    rows: dict[str, ResultRow] = {}
    summary = BatchSummary(articles=len(items))
    start = time.perf_counter()
    pending: asyncio.Queue[tuple[Article, str]] = asyncio.Queue()
    for key, article, sha in keyed:
        prior = done.get(key)
        if prior is not None:
            rows[article.article_id] = prior
            summary.skipped += 1
        else:
            pending.put_nowait((article, sha))

    async def one(article: Article, sha: str, key: str, not_before: float) -> ResultRow | Answer:
        hit = cache.get(key) if cache else None
        if hit is not None:
            return ResultRow.success(article.article_id, hit, cached=True)
        try:
            await limiter.acquire(estimate_tokens(article.text) + budget)
            if (wait := not_before - time.perf_counter()) > 0:  # the slot's first request
                await asyncio.sleep(wait)
            return await aask(
                article.text, prompt=chosen.id, endpoint=ep, client=http, retry=opts.retry
            )
        except Exception as exc:  # every article ends as a row, whatever went wrong
            return ResultRow.failure(article.article_id, sha, chosen.id, ep.model, exc)

    def finished(article: Article, sha: str, key: str, answer: Answer) -> ResultRow:
        try:
            extraction = answer.finish(text_sha=sha)
        except Exception as exc:  # as in `one`
            return ResultRow.failure(article.article_id, sha, chosen.id, ep.model, exc)
        if cache:
            cache.put(key, extraction)
        return ResultRow.success(article.article_id, extraction)

    # An answer's last step waits for the loop's idle moments (`idle`): next requests first.
    later = IdleWork(backlog=opts.concurrency)
    with BatchProgress(pending.qsize(), enabled=opts.progress) as bar, fewer_collections():

        def keep(row: ResultRow) -> None:
            if store:
                store.append(row)
            rows[row.article_id] = row
            summary.add(row)
            bar.advance(row)
            if on_row:
                on_row(row)

        def settle(article: Article, sha: str, key: str, answer: Answer) -> None:
            keep(finished(article, sha, key, answer))

        async def worker(slot: int) -> None:
            not_before = start + slot * opts.stagger
            while True:
                try:
                    article, sha = pending.get_nowait()
                except asyncio.QueueEmpty:
                    return
                key = cache.key(sha, chosen.id, chosen.sha256, ep.model) if cache else ""
                got = await one(article, sha, key, not_before)
                if isinstance(got, ResultRow):
                    keep(got)
                else:
                    later.add(functools.partial(settle, article, sha, key, got))

        async def workers(slots: int) -> None:
            try:
                await _together([worker(slot) for slot in range(slots)])
            finally:
                later.close()  # no more answers: what waits runs now

        try:
            slots = min(opts.concurrency, pending.qsize()) or 1
            await _together([later.run(), workers(slots)])
        finally:
            try:  # answers in: their rows are written whatever stopped the batch
                later.drain()
            finally:
                if client is None:  # ours: close its connections before the loop ends
                    await http.close()
    summary.wall_s = time.perf_counter() - start
    return BatchResult([rows[a.article_id] for a, _ in items], summary)


async def _together(coros: list[Coroutine[Any, Any, None]]) -> None:
    """Run `coros` as tasks until all are done; the first to fail stops the others, and its
    exception is raised."""
    tasks = [asyncio.ensure_future(c) for c in coros]
    try:
        await asyncio.wait(tasks, return_when=asyncio.FIRST_EXCEPTION)
    finally:
        for task in tasks:
            task.cancel()
        await asyncio.wait(tasks)
    for task in tasks:
        if not task.cancelled() and (exc := task.exception()) is not None:
            raise exc


def extract_many(
    articles: Iterable[ArticleInput],
    *,
    prompt: str | None = None,
    model: str | None = None,
    endpoint: Endpoint | None = None,
    options: BatchOptions | None = None,
    on_row: Callable[[ResultRow], None] | None = None,
) -> BatchResult:
    """Extract every article concurrently (see `aextract_many`); works inside notebooks too."""
    coro = aextract_many(
        articles, prompt=prompt, model=model, endpoint=endpoint, options=options, on_row=on_row
    )
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return eager_send.run(coro)
    # A loop is already running (a notebook): run the batch on its own loop in a thread.
    box: list[BatchResult | BaseException] = []
    running: list[tuple[asyncio.AbstractEventLoop, asyncio.Task[BatchResult]]] = []

    async def main() -> BatchResult:
        task = asyncio.current_task()
        assert task is not None
        running.append((asyncio.get_running_loop(), task))
        return await coro

    finished = threading.Event()

    def run() -> None:
        try:
            box.append(eager_send.run(main()))
        except BaseException as exc:  # handed back to the caller's thread
            box.append(exc)
        finally:
            finished.set()

    # Waits are on `finished`, not on the thread: on Python 3.11 a Ctrl-C that lands in
    # Thread.join marks the thread stopped while it still runs, and a join after it returns
    # at once, before the batch has stopped.
    thread = threading.Thread(target=run, name="agreement-llm batch")
    thread.start()
    try:
        while not finished.wait(0.05):  # short waits: a signal wakes a waiting main thread
            pass
    except KeyboardInterrupt:  # an interrupted cell stops the batch too (rows written stay)
        while not running and not finished.wait(0.01):
            pass
        if running:
            loop, task = running[0]
            with contextlib.suppress(RuntimeError):  # the batch ended meanwhile
                loop.call_soon_threadsafe(task.cancel)
        finished.wait()
        raise
    if isinstance(box[0], BaseException):
        raise box[0]
    return box[0]
