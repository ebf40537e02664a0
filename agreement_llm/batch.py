"""Extracting many articles: a bounded pool of workers over the one extraction core; rate-
limited, cached, streamed to a resumable file."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path

import openai

from agreement_llm.articles import Article
from agreement_llm.config import Endpoint, build_async_client
from agreement_llm.errors import InputError
from agreement_llm.extract import Job, endpoint_for, run_sync, text_sha256
from agreement_llm.progress import BatchProgress, BatchSummary
from agreement_llm.prompts import load_prompt
from agreement_llm.results import ResultCache, ResultRow, ResultStore
from agreement_llm.retry import RetryPolicy

__all__ = ["BatchOptions", "BatchResult", "RateLimiter", "aextract_many", "extract_many"]


@dataclass(frozen=True)
class BatchOptions:
    """How a batch runs.

    `concurrency` bounds the articles in flight; `requests_per_minute` and `tokens_per_minute`
    cap the pace of requests, retries and re-asks included (None: no cap). `out` is the JSONL
    file results stream to (and resume from); a batch with one keeps no rows in memory. `cache`
    is on by default (`False` turns it off, or give a `ResultCache` of your own). `progress`
    shows a live bar.
    """

    concurrency: int = 8
    requests_per_minute: float | None = None
    tokens_per_minute: float | None = None
    out: Path | str | None = None
    cache: bool | ResultCache = True
    retry: RetryPolicy = field(default_factory=RetryPolicy)
    progress: bool = False

    def __post_init__(self) -> None:
        if isinstance(self.out, str):
            object.__setattr__(self, "out", Path(self.out))
        if self.concurrency < 1:
            raise InputError(f"concurrency must be at least 1, not {self.concurrency}")


Key = tuple[str, str, str, str]


@dataclass(repr=False)
class BatchResult:
    """The summary of a run and its rows (in input order). With `out`, the rows are read back
    from that file when asked for (the batch did not keep them): as the file is then."""

    summary: BatchSummary
    out: Path | None
    keys: list[Key]
    kept: list[ResultRow] | None = None

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
        for name, value in (("requests", requests_per_minute), ("tokens", tokens_per_minute)):
            if value is not None and value <= 0:
                raise InputError(f"{name} per minute must be positive, not {value}")
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
    items = _articles(articles)
    chosen = load_prompt(prompt)
    ep = endpoint_for(endpoint, client, model, api_key)
    cache = (
        opts.cache if isinstance(opts.cache, ResultCache) else ResultCache() if opts.cache else None
    )
    out = Path(opts.out) if opts.out is not None else None
    store = ResultStore(out) if out else None
    keys: list[Key] = [(a.article_id, sha, chosen.id, ep.model) for a, sha in items]
    done = store.start(set(keys)) if store else {}
    kept: dict[str, ResultRow] | None = None if store else {}
    todo = iter([item for item, key in zip(items, keys, strict=True) if key not in done])
    summary = BatchSummary(articles=len(items), skipped=len(done.keys() & set(keys)))
    before = limiter.acquire if limiter.active else None
    http = client or build_async_client(ep)
    start = time.perf_counter()

    async def one(article: Article, sha: str) -> ResultRow:
        key = cache.key(sha, chosen.id, chosen.sha256, ep.model) if cache else ""
        hit = cache.get(key) if cache else None
        if hit is not None:
            return ResultRow.success(article, hit, cached=True)
        try:
            job = Job.prepare(article.text, chosen.id, ep)
            extraction = await job.run(http, opts.retry, text_sha=sha, before_request=before)
        except Exception as exc:  # every article ends as a row, whatever went wrong
            return ResultRow.failure(article, sha, chosen.id, ep.model, exc)
        if cache:
            cache.put(key, extraction)
        return ResultRow.success(article, extraction)

    with BatchProgress(len(items) - summary.skipped, enabled=opts.progress) as bar:

        async def worker() -> None:
            for article, sha in todo:  # one iterator shared by the workers: each article once
                row = await one(article, sha)
                if store:
                    store.append(row)
                if kept is not None:
                    kept[row.article_id] = row
                summary.add(row)
                bar.advance(row)
                if on_row:
                    on_row(row)

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
