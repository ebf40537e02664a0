"""Corpora through a provider's Batch API (`/v1/files`, `/v1/batches`): half the price of live
calls at OpenAI, a rate-limit pool of its own, answers within 24 hours.

- `submit_batch`: each new article's request line is what the live path sends for it
  (`batch_replay`: the live path run with its HTTP captured); lines are split into files under
  the provider's limits, uploaded and submitted. The state beside the results file
  (`batch_state`) records every step before the next, so nothing is submitted twice.
- `batch_status`: each batch's status and counts.
- `collect_batch`: downloads the answers of finished batches, then runs each article through
  the live path again with its answers: what a live call accepts becomes a row of the results
  file (`ResultStore`, the same resume rules); what a live call would send next, the re-ask of
  invalid output or a stepwise recipe's next step, goes into a follow-up batch, as does a
  request the batch did not answer (expired, cancelled) or answered with a failure (5xx, 429,
  an unreadable body: up to `retry.transient_attempts` tries). With `live_retries`, re-asks
  and failed requests are sent live instead. Rows are appended as articles finish, so a
  collect killed half way and run again writes each row once.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import openai

from agreement_llm.batch import ArticleInput, _articles
from agreement_llm.batch_remote import (
    answer_index,
    in_flight,
    refresh,
    request_line,
    send,
)
from agreement_llm.batch_replay import Answer, Pending, Replayer
from agreement_llm.batch_state import (
    BatchInfo,
    BatchLimits,
    BatchState,
    StoredArticle,
    Workdir,
)
from agreement_llm.config import NO_KEY, Endpoint, resolve_endpoint
from agreement_llm.errors import InputError
from agreement_llm.extract import Extraction, endpoint_for, run_sync
from agreement_llm.prompts import load_prompt
from agreement_llm.results import ResultRow, ResultStore
from agreement_llm.retry import RetryPolicy

__all__ = [
    "BatchApiOptions",
    "BatchApiReport",
    "BatchLimits",
    "batch_status",
    "collect_batch",
    "submit_batch",
]


@dataclass(frozen=True)
class BatchApiOptions:
    """How batches are built and collected: the input file `limits`, the `retry` policy (its
    `reasks` bound re-asks, its `transient_attempts` the tries of a failed request), and
    `live_retries` (re-asks and failed requests sent live instead of in a follow-up batch)."""

    limits: BatchLimits = field(default_factory=BatchLimits)
    retry: RetryPolicy = field(default_factory=RetryPolicy)
    live_retries: bool = False


@dataclass
class BatchApiReport:
    """What a submit or collect did, and the batches as last seen."""

    requests_per_file: list[int] = field(default_factory=list)
    skipped: int = 0
    in_flight: int = 0
    ok: int = 0
    failed: int = 0
    live: int = 0
    batches: list[BatchInfo] = field(default_factory=list)

    def __str__(self) -> str:
        sent = sum(self.requests_per_file)
        return (
            f"{sent} requests submitted in {len(self.requests_per_file)} files, "
            f"{self.in_flight} awaiting a batch, {self.ok} rows ok, {self.failed} failed "
            f"({self.live} finished live), {self.skipped} already done"
        )


def _control_client(endpoint: Endpoint) -> openai.OpenAI:
    # the SDK's own retries apply to the few control requests (files, batches)
    return openai.OpenAI(
        api_key=endpoint.api_key or NO_KEY, base_url=endpoint.base_url, timeout=endpoint.timeout
    )


def _state_endpoint(state: BatchState, api_key: str | None) -> Endpoint:
    ep = resolve_endpoint(
        model=state.model,
        base_url=state.base_url,
        api_key=api_key,
        server=state.kind,
        style=state.style,
    )
    return dataclasses.replace(ep, system_in_user=state.system_in_user)


def _custom_id(stored: StoredArticle, prompt: str, model: str, pending: Pending) -> str:
    """Article, text hash, prompt version, model, step, generation and body hash."""
    parts = [stored.article_id, stored.sha[:12], prompt, model, pending.step]
    return "|".join([*parts, f"g{stored.gen}", pending.hash])


class _Collector:
    """Runs articles through the replay and sorts the outcomes: rows, requests, live work."""

    def __init__(
        self, state: BatchState, endpoint: Endpoint, store: ResultStore, report: BatchApiReport
    ) -> None:
        self.state = state
        self.endpoint = endpoint
        self.store = store
        self.report = report
        self.lines: list[tuple[str, bytes]] = []

    def row(self, stored: StoredArticle, outcome: Extraction | Exception) -> None:
        article = stored.article
        if isinstance(outcome, Extraction):
            row = ResultRow.success(article, outcome)
            self.report.ok += 1
        else:
            state = self.state
            row = ResultRow.failure(article, stored.sha, state.prompt, state.model, outcome)
            self.report.failed += 1
        self.store.append(row)

    async def one(
        self, replayer: Replayer, stored: StoredArticle, answers: dict[str, Answer], live: bool
    ) -> Pending | None:
        """Replay one article: write its row, or return the request it needs next."""
        try:
            outcome = await replayer.run(stored.article, stored.sha, answers, live=live)
        except Exception as exc:  # every article ends as a row, as in a live batch
            self.row(stored, exc)
            return None
        if isinstance(outcome, Pending):
            return outcome
        self.row(stored, outcome)
        return None

    def request(self, stored: StoredArticle, pending: Pending) -> str:
        custom_id = _custom_id(stored, self.state.prompt, self.state.model, pending)
        self.lines.append((custom_id, request_line(custom_id, pending.body)))
        return custom_id


def submit_batch(
    articles: Iterable[ArticleInput],
    *,
    out: str | Path,
    prompt: str | None = None,
    model: str | None = None,
    endpoint: Endpoint | None = None,
    client: openai.OpenAI | None = None,
    api_key: str | None = None,
    options: BatchApiOptions | None = None,
) -> BatchApiReport:
    """Submit the articles not yet done in `out` (nor already submitted) as batches; see the
    module's doc. Unusable articles get their error row at once. `client` (the caller's own
    `openai.OpenAI`) is used for the files and batches requests."""
    opts = options or BatchApiOptions()
    out = Path(out)
    problems: dict[str, str] = {}  # files that cannot be read: error rows, the rest runs
    items = _articles(articles, problems)
    chosen = load_prompt(prompt)
    ep = endpoint_for(endpoint, client, model, api_key)
    work = Workdir(out)
    state = work.load()
    if state is None:
        state = BatchState(
            prompt=chosen.id,
            model=ep.model,
            kind=ep.kind,
            style=ep.style,
            base_url=ep.base_url,
            system_in_user=ep.system_in_user,
        )
        work.save(state)
    elif (state.prompt, state.model) != (chosen.id, ep.model):
        raise InputError(
            f"{out}: its batches use prompt {state.prompt} and model {state.model}, not "
            f"{chosen.id} and {ep.model}: use another --out"
        )
    http = client or _control_client(ep)
    send(work, state, http)  # files a stopped submit prepared but did not send
    report = BatchApiReport()
    store = ResultStore(out)
    store.lock()  # one writer per results file, as in a live batch
    try:
        unreadable: list[ResultRow] = []
        rows = store.load()
        known = work.articles()
        new: list[StoredArticle] = []
        for article, sha in items:
            row = rows.get((article.article_id, sha, chosen.id, ep.model))
            if article.article_id in problems:  # a file that cannot be read: its error row now
                if row is None or row.status != "ok":
                    problem = InputError(problems[article.article_id])
                    unreadable.append(ResultRow.failure(article, sha, chosen.id, ep.model, problem))
                continue
            stored = known.get((article.article_id, sha))
            if (row is not None and row.status == "ok") or (stored is not None and row is None):
                report.skipped += 1
                continue
            gen = stored.gen + 1 if stored is not None else 0
            new.append(
                StoredArticle(article_id=article.article_id, sha=sha, gen=gen, **_meta(article))
            )
        if new or unreadable:
            run_keys = {(s.article_id, s.sha, chosen.id, ep.model) for s in new}
            store.start(run_keys | {r.key for r in unreadable})
            for failure in unreadable:
                store.append(failure)
                report.failed += 1
        if new:
            work.add_articles(new)
            collector = _Collector(state, ep, store, report)
            replayer = Replayer(ep, chosen.id, RetryPolicy(transient_attempts=1, reasks=0))

            async def build() -> None:
                try:
                    for stored in new:
                        pending = await collector.one(replayer, stored, {}, False)
                        if pending is not None:
                            collector.request(stored, pending)
                finally:
                    await replayer.close()

            run_sync(build())
            files = work.write_requests(state, collector.lines, opts.limits)
            report.requests_per_file = [f.requests for f in files]
            send(work, state, http)
    finally:
        store.unlock()
    report.batches = list(state.batches)
    return report


def _meta(article: Any) -> dict[str, Any]:
    return {"text": article.text, "source": article.source, "title": article.title}


def batch_status(
    out: str | Path, *, client: openai.OpenAI | None = None, api_key: str | None = None
) -> list[BatchInfo]:
    """Each batch of `out` with its status and counts, asked of the provider now (finished
    and collected batches as recorded)."""
    work = Workdir(Path(out))
    state = work.require()
    http = client or _control_client(_state_endpoint(state, api_key))
    refresh(work, state, http, download=False)
    return list(state.batches)


def collect_batch(
    out: str | Path,
    *,
    client: openai.OpenAI | None = None,
    api_key: str | None = None,
    endpoint: Endpoint | None = None,
    options: BatchApiOptions | None = None,
) -> BatchApiReport:
    """Download finished batches' answers, write the rows they make into `out`, and submit
    (or, with `options.live_retries`, run live) what is still needed; see the module's doc.
    Running it again writes nothing twice."""
    opts = options or BatchApiOptions()
    work = Workdir(Path(out))
    state = work.require()
    ep = endpoint or _state_endpoint(state, api_key)
    http = client or _control_client(ep)
    send(work, state, http)
    refresh(work, state, http, download=True)
    answers, failed = answer_index(work, state, opts.retry.transient_attempts)
    flying = in_flight(work, state)
    store = ResultStore(Path(out))
    store.lock()
    try:
        finished = set(store.load())
        report = BatchApiReport()
        collector = _Collector(state, ep, store, report)
        todo = [
            s
            for s in work.articles().values()
            if (s.article_id, s.sha, state.prompt, state.model) not in finished
        ]
        replay_policy = RetryPolicy(transient_attempts=1, reasks=opts.retry.reasks)

        async def run() -> None:
            replayer = Replayer(ep, state.prompt, replay_policy)
            live: list[StoredArticle] = []
            try:
                for stored in todo:
                    mine = answers.get((stored.article_id, stored.sha[:12], f"g{stored.gen}"), {})
                    pending = await collector.one(replayer, stored, mine, False)
                    if pending is None:
                        continue
                    custom_id = _custom_id(stored, state.prompt, state.model, pending)
                    if custom_id in flying:
                        report.in_flight += 1
                    elif opts.live_retries and (pending.reask or custom_id in failed):
                        live.append(stored)
                    else:
                        collector.request(stored, pending)
            finally:
                await replayer.close()
            if live:
                forward = httpx.AsyncClient(timeout=ep.timeout)
                online = Replayer(ep, state.prompt, opts.retry, forward=forward)
                try:
                    for stored in live:
                        mine = answers.get(
                            (stored.article_id, stored.sha[:12], f"g{stored.gen}"), {}
                        )
                        report.live += 1
                        pending = await collector.one(online, stored, mine, True)
                        assert pending is None, "a live replay sends what it needs"
                finally:
                    await online.close()

        run_sync(run())
        if collector.lines:
            files = work.write_requests(state, collector.lines, opts.limits)
            report.requests_per_file = [f.requests for f in files]
            send(work, state, http)
        report.batches = list(state.batches)
        return report
    finally:
        store.unlock()
