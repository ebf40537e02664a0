"""Extracting many articles: a bounded pool of workers over the one extraction core; rate-
limited, cached, streamed to a resumable file."""

from __future__ import annotations

import asyncio
import dataclasses
import math
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path

import openai

from agreement_llm.articles import Article, UnreadableArticle
from agreement_llm.config import Endpoint, build_async_client
from agreement_llm.errors import AgreementLLMError, InputError
from agreement_llm.extract import MAX_ARTICLE_CHARS, Job, endpoint_for, run_sync, text_sha256
from agreement_llm.grounding import ground
from agreement_llm.llm import ExtractionError, redact
from agreement_llm.progress import BatchProgress, BatchSummary
from agreement_llm.prompts import Prompt, load_prompt
from agreement_llm.results import ResultCache, ResultRow, ResultStore, ResultsWriteError
from agreement_llm.retry import RetryPolicy

__all__ = [
    "BatchOptions",
    "BatchResult",
    "BatchStoppedError",
    "RateLimiter",
    "aextract_many",
    "extract_many",
]


class BatchStoppedError(AgreementLLMError):
    """A batch stopped early: a run of answers that every other request would get too (a
    refused key, a model not found, a server not reachable), or a results file that cannot
    be written. The rows written so far stay; the same call again resumes."""


def _check_rate(name: str, value: float | None) -> None:
    if value is not None and (
        isinstance(value, bool)
        or not isinstance(value, int | float)
        or not math.isfinite(value)
        or value <= 0
    ):
        raise InputError(f"{name} must be positive and finite, not {value!r}")


@dataclass(frozen=True)
class BatchOptions:
    """How a batch runs.

    `concurrency` bounds the articles in flight; `requests_per_minute` and `tokens_per_minute`
    cap the pace of requests, retries and re-asks included (None: no cap). `out` is the JSONL
    file results stream to (and resume from); a batch with one keeps no rows in memory. `cache`
    is on by default (`False` turns it off, or give a `ResultCache` of your own). `progress`
    shows a live bar. `stop_after` consecutive fatal failures (401/403, model not found, no
    connection) stop the batch early (0: never). With an endpoint whose context size is
    unknown, articles longer than `max_article_chars` are refused before any request.
    """

    concurrency: int = 8
    requests_per_minute: float | None = None
    tokens_per_minute: float | None = None
    out: Path | str | None = None
    cache: bool | ResultCache = True
    retry: RetryPolicy = field(default_factory=RetryPolicy)
    progress: bool = False
    stop_after: int = 5
    max_article_chars: int = MAX_ARTICLE_CHARS

    def __post_init__(self) -> None:
        if isinstance(self.out, str):
            object.__setattr__(self, "out", Path(self.out))
        if self.concurrency < 1:
            raise InputError(f"concurrency must be at least 1, not {self.concurrency}")
        _check_rate("requests per minute", self.requests_per_minute)
        _check_rate("tokens per minute", self.tokens_per_minute)
        if self.stop_after < 0:
            raise InputError(f"stop_after must be 0 or more, not {self.stop_after}")
        if self.max_article_chars < 1:
            raise InputError(f"max_article_chars must be positive, not {self.max_article_chars}")


Key = tuple[str, str, str, str]


@dataclass(repr=False)
class BatchResult:
    """The summary of a run and its rows (in input order). With `out`, the rows are read back
    from that file when asked for (the batch did not keep them): as the file is then."""

    summary: BatchSummary
    out: Path | None
    keys: list[Key]
    kept: list[ResultRow] | None = None
    notes: list[str] = dataclasses.field(default_factory=list)

    def __repr__(self) -> str:
        return f"<BatchResult of {len(self.keys)} rows: {self.summary}>"

    @property
    def rows(self) -> list[ResultRow]:
        """Every article's row, in input order."""
        if self.kept is not None or self.out is None:
            return self.kept or []
        if not self.out.exists():
            raise InputError(f"{self.out}: the batch's results file is gone")
        saved = ResultStore(self.out).load()
        return [saved[k] for k in self.keys if k in saved]

    @property
    def failed(self) -> list[ResultRow]:
        """The rows that ended in an error."""
        return [r for r in self.rows if r.status == "error"]


class _Bucket:
    def __init__(self, per_minute: float) -> None:
        self.rate = per_minute / 60.0
        self.capacity = per_minute
        self.level = per_minute
        self.stamp = time.monotonic()

    def wait_for(self, amount: float) -> float:
        now = time.monotonic()
        self.level = min(self.capacity, self.level + (now - self.stamp) * self.rate)
        self.stamp = now
        amount = min(amount, self.capacity)  # a request larger than a minute's budget waits once
        return 0.0 if self.level >= amount else (amount - self.level) / self.rate

    def take(self, amount: float) -> None:
        self.level -= min(amount, self.capacity)


class RateLimiter:
    """Waits so that requests and tokens stay within per-minute budgets (None: no limit)."""

    def __init__(
        self, requests_per_minute: float | None = None, tokens_per_minute: float | None = None
    ) -> None:
        _check_rate("requests per minute", requests_per_minute)
        _check_rate("tokens per minute", tokens_per_minute)
        self.requests = _Bucket(requests_per_minute) if requests_per_minute else None
        self.tokens = _Bucket(tokens_per_minute) if tokens_per_minute else None
        self.lock = asyncio.Lock()

    @property
    def active(self) -> bool:
        """Whether there is any budget to keep."""
        return self.requests is not None or self.tokens is not None

    async def acquire(self, tokens: int) -> None:
        """Wait until one request of about `tokens` tokens fits both budgets, then take it."""
        async with self.lock:
            pairs = [(b, n) for b, n in ((self.requests, 1), (self.tokens, tokens)) if b]
            while (delay := max((b.wait_for(n) for b, n in pairs), default=0.0)) > 0:
                await asyncio.sleep(delay)
            for bucket, amount in pairs:
                bucket.take(amount)


ArticleInput = Article | str | UnreadableArticle


def _articles(items: Iterable[ArticleInput], problems: dict[str, str]) -> list[tuple[Article, str]]:
    """Each article with its text's hash (a plain string's id is its hash); a file that
    could not be read is an article whose row will be its error (in `problems`)."""
    out: list[tuple[Article, str]] = []
    seen: set[str] = set()
    for item in items:
        if isinstance(item, UnreadableArticle):
            problems[item.article_id] = item.problem
            sha, item = item.sha256, Article(item.article_id, "", source=str(item.path))
        else:
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
    api_key: str | None = None,
    options: BatchOptions | None = None,
    on_row: Callable[[ResultRow], None] | None = None,
) -> BatchResult:
    """Extract every article concurrently; every article ends as a record or an error row.

    Articles are `Article`s or plain strings (their id: the text's hash). With `options.out`,
    rows stream to that JSONL file as they finish, and articles already done there with the
    same prompt version and model are skipped (failed ones are retried). A failing `on_row`
    stops the batch (rows already written stay).
    """
    opts = options or BatchOptions()
    limiter = RateLimiter(opts.requests_per_minute, opts.tokens_per_minute)
    problems: dict[str, str] = {}
    items = _articles(articles, problems)
    chosen = load_prompt(prompt)
    ep = endpoint_for(endpoint, client, model, api_key)
    cache = (
        opts.cache if isinstance(opts.cache, ResultCache) else ResultCache() if opts.cache else None
    )
    out = Path(opts.out) if opts.out is not None else None
    store = ResultStore(out) if out else None
    keys: list[Key] = [(a.article_id, sha, chosen.id, ep.model) for a, sha in items]
    notes: list[str] = []
    if store:
        store.lock()
    try:
        done = store.start(set(keys)) if store else {}
        if store and store.unreadable:
            notes.append(
                f"{store.unreadable} lines of {out} could not be read; they are kept in "
                f"{store.side_path} and their articles run again"
            )
        if store and store.rescued:
            notes.append(f"{store.rescued} rows saved from an earlier full disk were merged")
        result = await _run(
            items, keys, done, chosen, ep, client, cache, store, limiter, opts, problems, on_row
        )
    finally:
        if store:
            store.unlock()
    if cache and cache.mismatched:
        notes.append(f"{cache.mismatched} cache entries did not match their key and were ignored")
    if cache and cache.write_failures:
        notes.append(f"{cache.write_failures} results could not be written to the cache")
    result.notes[:0] = notes
    return result


def _fatal(row: ResultRow, exc: BaseException | None) -> str | None:
    """Why a failure would be every other request's too (None: it would not)."""
    return exc.fatal if isinstance(exc, ExtractionError) else None


async def _run(
    items: list[tuple[Article, str]],
    keys: list[Key],
    done: dict[Key, ResultRow],
    chosen: Prompt,
    ep: Endpoint,
    client: openai.AsyncOpenAI | None,
    cache: ResultCache | None,
    store: ResultStore | None,
    limiter: RateLimiter,
    opts: BatchOptions,
    problems: dict[str, str],
    on_row: Callable[[ResultRow], None] | None,
) -> BatchResult:
    out = store.path if store else None
    kept: dict[str, ResultRow] | None = None if store else {}
    todo = iter([item for item, key in zip(items, keys, strict=True) if key not in done])
    summary = BatchSummary(articles=len(items), skipped=len(done.keys() & set(keys)))
    before = limiter.acquire if limiter.active else None
    http = client or build_async_client(ep)
    secrets = (ep.api_key, http.api_key)
    start = time.perf_counter()
    fatal_run: list[str] = []  # the reasons of the latest consecutive fatal failures

    async def one(article: Article, sha: str) -> tuple[ResultRow, str | None]:
        if article.article_id in problems:
            problem = InputError(problems[article.article_id])
            return ResultRow.failure(article, sha, chosen.id, ep.model, problem), None
        key = cache.key(sha, chosen.id, chosen.sha256, ep.model) if cache else ""
        hit = cache.get(key, text_sha=sha, prompt=chosen.id, model=ep.model) if cache else None
        if hit is not None:  # the offsets are the article's own, not the cache's
            hit = hit.model_copy(update={"grounding": ground(hit.record, article.text)})
            return ResultRow.success(article, hit, cached=True), None
        try:
            job = Job.prepare(article.text, chosen.id, ep, max_article_chars=opts.max_article_chars)
            extraction = await job.run(http, opts.retry, text_sha=sha, before_request=before)
        except Exception as exc:  # every article ends as a row, whatever went wrong
            if not isinstance(exc, AgreementLLMError):  # keys never leak, whatever their shape
                exc = RuntimeError(redact(f"{type(exc).__name__}: {exc}", *secrets))
            row = ResultRow.failure(article, sha, chosen.id, ep.model, exc)
            return row, _fatal(row, exc)
        if cache:
            cache.put(key, extraction)
        return ResultRow.success(article, extraction), None

    with BatchProgress(len(items) - summary.skipped, enabled=opts.progress) as bar:

        async def worker() -> None:
            for article, sha in todo:  # one iterator shared by the workers: each article once
                row, fatal = await one(article, sha)
                if store:
                    try:
                        store.append(row)
                    except ResultsWriteError as exc:
                        raise BatchStoppedError(
                            f"stopped: {exc}; free some space, then run the same command "
                            "again to resume"
                        ) from None
                if kept is not None:
                    kept[row.article_id] = row
                summary.add(row)
                bar.advance(row)
                if on_row:
                    on_row(row)
                if fatal is None:
                    fatal_run.clear()
                    continue
                fatal_run.append(fatal)
                if opts.stop_after and len(fatal_run) >= opts.stop_after:
                    where = f"the rows done are in {out}; " if out else ""
                    raise BatchStoppedError(
                        f"stopped after {len(fatal_run)} failures in a row ({fatal_run[-1]}); "
                        f"{where}fix that, then run the same command again to resume"
                    )

        try:
            async with asyncio.TaskGroup() as group:
                for _ in range(min(opts.concurrency, len(items) - summary.skipped)):
                    group.create_task(worker())
        except BaseExceptionGroup as failed:  # the first failure stopped the others
            raise failed.exceptions[0] from None
        finally:
            if client is None:  # ours: close its connections before the loop ends
                await http.close()
    summary.wall_s = time.perf_counter() - start
    rows = None if kept is None else [kept[a.article_id] for a, _ in items]
    return BatchResult(summary, out, keys, rows)


def extract_many(
    articles: Iterable[ArticleInput],
    *,
    prompt: str | None = None,
    model: str | None = None,
    endpoint: Endpoint | None = None,
    api_key: str | None = None,
    options: BatchOptions | None = None,
    on_row: Callable[[ResultRow], None] | None = None,
) -> BatchResult:
    """`aextract_many`, run to its end; works inside notebooks too (`run_sync`)."""
    return run_sync(
        aextract_many(
            articles,
            prompt=prompt,
            model=model,
            endpoint=endpoint,
            api_key=api_key,
            options=options,
            on_row=on_row,
        )
    )
