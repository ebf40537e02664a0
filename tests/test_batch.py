"""extract_many: every article ends as a row, results stream and resume, the cache saves
tokens, frames are tidy. The server is a scripted transport (synthetic answers)."""

from __future__ import annotations

import asyncio
import json
import time
from pathlib import Path

import httpx
import openai
import pytest

from agreement_llm.articles import Article
from agreement_llm.batch import (
    BatchOptions,
    BatchResult,
    RateLimiter,
    aextract_many,
    extract_many,
)
from agreement_llm.config import Endpoint
from agreement_llm.errors import InputError
from agreement_llm.frames import to_frames
from agreement_llm.prompts import estimate_tokens, load_prompt
from agreement_llm.results import ResultCache, ResultRow, ResultStore, read_results
from agreement_llm.retry import RetryPolicy
from tests.fakes import VALID, completion
from tests.fakeserver import FakeServer, Script, fake_endpoint, faulty, healthy

ENDPOINT = fake_endpoint("http://127.0.0.1:1/v1", api_key="sk-test-FAKEKEY0123456789").with_model(
    "test-model"
)
FAST = RetryPolicy(transient_attempts=2, reasks=0, initial_wait=0.0, jitter=0.0)


class Server:
    """Answers VALID, or 400 for articles that contain FAIL; counts requests per article."""

    def __init__(self) -> None:
        self.seen: list[str] = []
        self.at: list[float] = []  # when each request came
        self.fail = True

    def __call__(self, request: httpx.Request) -> httpx.Response:
        body = json.loads(request.content)
        user = body["messages"][-1]["content"]
        self.seen.append(user)
        self.at.append(time.perf_counter())
        if self.fail and "FAIL" in user:
            return httpx.Response(400, json={"error": {"message": "bad request"}})
        return completion(VALID)

    def client(self) -> openai.AsyncOpenAI:
        transport = httpx.MockTransport(self)
        return openai.AsyncOpenAI(
            api_key="sk-test-FAKEKEY0123456789",
            base_url="http://127.0.0.1:1/v1",
            max_retries=0,
            http_client=httpx.AsyncClient(transport=transport),
        )


def _articles(n: int, fail: set[int] | None = None) -> list[Article]:
    return [
        Article(
            f"a{i}",
            f"Article {i}: A Corp and B City signed an MoU."
            + (" FAIL" if i in (fail or set()) else ""),
        )
        for i in range(n)
    ]


async def _run(server: Server, articles: list[Article], **kw: object) -> BatchResult:
    options = BatchOptions(concurrency=3, retry=FAST, **kw)  # type: ignore[arg-type]
    return await aextract_many(
        articles, prompt="v1", endpoint=ENDPOINT, client=server.client(), options=options
    )


def test_every_article_ends_as_a_record_or_an_error(tmp_path: Path) -> None:
    server = Server()
    out = tmp_path / "results.jsonl"
    result = asyncio.run(_run(server, _articles(6, fail={2, 4}), out=out, cache=False))
    rows = result.rows
    assert [r.article_id for r in rows] == [f"a{i}" for i in range(6)]
    assert [r.status for r in rows] == ["ok", "ok", "error", "ok", "error", "ok"]
    assert rows[2].error is not None
    assert rows[2].error.kind == "http_error"
    lines = out.read_text().splitlines()
    assert sorted(json.loads(line)["article_id"] for line in lines) == [f"a{i}" for i in range(6)]
    summary = result.summary
    assert (summary.extracted, sum(summary.failures.values())) == (4, 2)


def test_a_second_run_retries_only_the_failures_and_writes_no_duplicate(tmp_path: Path) -> None:
    server = Server()
    out = tmp_path / "results.jsonl"
    articles = _articles(5, fail={1})
    asyncio.run(_run(server, articles, out=out, cache=False))
    assert len(server.seen) == 5
    server.fail = False
    server.seen.clear()
    result = asyncio.run(_run(server, articles, out=out, cache=False))
    assert len(server.seen) == 1
    assert "Article 1" in server.seen[0]
    assert result.summary.skipped == 4
    ids = [json.loads(line)["article_id"] for line in out.read_text().splitlines()]
    assert sorted(ids) == [f"a{i}" for i in range(5)]
    assert all(json.loads(line)["status"] == "ok" for line in out.read_text().splitlines())


def test_a_run_over_other_articles_keeps_the_failures_it_does_not_retry(tmp_path: Path) -> None:
    server = Server()
    out = tmp_path / "results.jsonl"
    articles = _articles(4, fail={1})
    asyncio.run(_run(server, articles[:2], out=out, cache=False))
    asyncio.run(_run(server, articles[2:], out=out, cache=False))  # a1 is not in this run
    rows = {r.article_id: r for r in read_results(out)}
    assert sorted(rows) == ["a0", "a1", "a2", "a3"]
    assert rows["a1"].status == "error"
    assert rows["a1"].error is not None
    assert rows["a1"].error.kind == "http_error"


def test_a_results_file_reads_back_into_frames(tmp_path: Path) -> None:
    server = Server()
    out = tmp_path / "results.jsonl"
    asyncio.run(_run(server, _articles(3, fail={0}), out=out, cache=False))
    rows = read_results(out)
    assert sorted(r.article_id for r in rows) == ["a0", "a1", "a2"]
    assert list(to_frames(rows).agreements["article_id"]) in (["a1", "a2"], ["a2", "a1"])
    with pytest.raises(InputError, match="no such results file"):
        read_results(tmp_path / "nope.jsonl")


def test_a_line_cut_off_by_a_kill_is_set_aside_and_redone(tmp_path: Path) -> None:
    server = Server()
    out = tmp_path / "results.jsonl"
    articles = _articles(3)
    asyncio.run(_run(server, articles[:2], out=out, cache=False))
    with out.open("a") as f:
        f.write('{"article_id": "a2", "text_sha')  # the process died mid-write
    store = ResultStore(out)
    assert len(store.load()) == 2
    assert store.unreadable == 1
    server.seen.clear()
    asyncio.run(_run(server, articles, out=out, cache=False))
    assert len(server.seen) == 1
    assert (tmp_path / "results.jsonl.unreadable").read_text().startswith('{"article_id": "a2"')
    ids = sorted(json.loads(line)["article_id"] for line in out.read_text().splitlines())
    assert ids == ["a0", "a1", "a2"]


def test_changing_the_prompt_version_redoes_the_work(tmp_path: Path) -> None:
    server = Server()
    out = tmp_path / "results.jsonl"
    articles = _articles(2)
    asyncio.run(_run(server, articles, out=out, cache=False))
    server.seen.clear()
    options = BatchOptions(concurrency=2, retry=FAST, out=out, cache=False)
    asyncio.run(
        aextract_many(
            articles, prompt="v2", endpoint=ENDPOINT, client=server.client(), options=options
        )
    )
    assert len(server.seen) == 2


def test_the_cache_saves_every_token_the_second_time(tmp_path: Path) -> None:
    server = Server()
    cache = ResultCache(tmp_path / "cache")
    first = asyncio.run(_run(server, _articles(3), cache=cache))
    assert len(server.seen) == 3
    server.seen.clear()
    second = asyncio.run(_run(server, _articles(3), cache=cache))
    assert server.seen == []
    assert all(r.cached for r in second.rows)
    assert second.summary.prompt_tokens == 0
    records = [
        [r.extraction.record.model_dump() for r in run.rows if r.extraction]
        for run in (first, second)
    ]
    assert records[0] == records[1]


def test_cache_off_asks_again(tmp_path: Path) -> None:
    server = Server()
    asyncio.run(_run(server, _articles(2), cache=False))
    asyncio.run(_run(server, _articles(2), cache=False))
    assert len(server.seen) == 4


def test_extract_many_sync_and_plain_strings(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    server = Server()
    monkeypatch.setattr("agreement_llm.batch.build_async_client", lambda ep: server.client())
    result = extract_many(
        ["A Corp and B City signed an MoU.", "A and B signed an MoU."],
        prompt="v1",
        endpoint=ENDPOINT,
        options=BatchOptions(cache=False, retry=FAST),
    )
    assert [r.status for r in result.rows] == ["ok", "ok"]
    assert len(result.rows[0].article_id) == 16


def test_a_failure_that_stops_the_batch_still_writes_the_answers_already_in(
    tmp_path: Path,
) -> None:
    out = tmp_path / "results.jsonl"

    def stop_at_failure(row: ResultRow) -> None:
        if row.status == "error":
            raise RuntimeError("the caller stops the batch")

    server = Server()
    options = BatchOptions(concurrency=1, retry=FAST, out=out, cache=False)
    with pytest.raises(RuntimeError, match="the caller stops"):
        asyncio.run(
            aextract_many(
                _articles(6, fail={3}),
                prompt="v1",
                endpoint=ENDPOINT,
                client=server.client(),
                options=options,
                on_row=stop_at_failure,
            )
        )
    assert len(server.seen) == 4  # nothing more was asked after the failure
    written = {row.article_id: row.status for row in read_results(out)}
    assert written == {"a0": "ok", "a1": "ok", "a2": "ok", "a3": "error"}


@pytest.mark.parametrize(
    "script",
    [healthy(delay=0.02), faulty("500", 10**6)],
    ids=["raised finishing an answer", "raised in a slot, at a failure"],
)
def test_a_batch_that_fails_stops_all_its_slots(script: Script) -> None:
    """The caller's loop and client go on after the batch raised: no slot of it sends more."""

    stopped: list[ResultRow] = []

    def stop(row: ResultRow) -> None:  # once: a slot left running would send on, unhindered
        if not stopped:
            stopped.append(row)
            raise RuntimeError("the caller stops the batch")

    texts = [f"A Corp and B City signed an MoU ({i})." for i in range(40)]
    with FakeServer(script) as server:
        endpoint = fake_endpoint(server.base_url)
        client = openai.AsyncOpenAI(
            api_key=endpoint.api_key, base_url=endpoint.base_url, max_retries=0
        )
        options = BatchOptions(concurrency=4, cache=False, retry=FAST)
        loop = asyncio.new_event_loop()
        try:
            run = aextract_many(
                texts, prompt="v1", endpoint=endpoint, client=client, options=options, on_row=stop
            )
            with pytest.raises(RuntimeError, match="the caller stops"):
                loop.run_until_complete(run)
            # a request written just before the stop may still be on its way to the server
            loop.run_until_complete(asyncio.sleep(0.2))
            sent = len(server.requests)
            loop.run_until_complete(asyncio.sleep(0.3))
            loop.run_until_complete(client.close())
        finally:
            loop.close()
        assert 0 < len(server.requests) == sent < len(texts)


def test_duplicate_ids_are_refused() -> None:
    from agreement_llm.errors import InputError

    with pytest.raises(InputError, match="article id 'x' appears twice"):
        extract_many([Article("x", "t"), Article("x", "u")], endpoint=ENDPOINT)


def test_frames_are_tidy_and_join_by_ids(tmp_path: Path) -> None:
    server = Server()
    result = asyncio.run(_run(server, _articles(3, fail={1}), cache=False))
    frames = to_frames(result.rows)
    assert list(frames.agreements["agreement_id"]) == ["a0#0", "a2#0"]
    assert len(frames.parties) == 4
    assert set(frames.parties["agreement_id"]) <= set(frames.agreements["agreement_id"])
    assert list(frames.agreements["kind"]) == ["memorandum_of_understanding"] * 2
    written = frames.write(tmp_path / "out.parquet")
    assert [p.name for p in written] == [
        "out_agreements.parquet",
        "out_parties.parquet",
        "out_people.parquet",
    ]
    csv = frames.write(tmp_path / "out.csv")
    assert csv[1].read_text().splitlines()[0].startswith("agreement_id,article_id,party_index")


def test_the_request_budget_waits_for_what_the_minute_allows(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    now = [1000.0]
    slept: list[float] = []

    async def sleep(seconds: float) -> None:
        slept.append(seconds)
        now[0] += seconds

    monkeypatch.setattr("agreement_llm.batch.time.monotonic", lambda: now[0])
    monkeypatch.setattr("agreement_llm.batch.asyncio.sleep", sleep)
    limiter = RateLimiter(requests_per_minute=120)  # 2 per second, bursts of 120

    async def take(n: int) -> None:
        for _ in range(n):
            await limiter.acquire(10)

    asyncio.run(take(120))
    assert slept == []
    asyncio.run(take(1))
    assert slept == [pytest.approx(0.5)]


class Budget(RateLimiter):
    """A rate limiter that keeps what it was asked for."""

    def __init__(self) -> None:
        super().__init__(requests_per_minute=10**6, tokens_per_minute=10**9)
        self.asked: list[int] = []

    async def acquire(self, tokens: int) -> None:
        self.asked.append(tokens)
        await super().acquire(tokens)


def test_the_rate_limiter_counts_every_request_and_the_prompt_overhead(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    budget = Budget()
    monkeypatch.setattr("agreement_llm.batch.RateLimiter", lambda *a: budget)
    bad = json.dumps({"published_on": None, "agreements": [{"kind": "nonsense"}]})
    replies = iter(
        [httpx.Response(503, json={"error": "busy"}), completion(bad), completion(VALID)]
    )
    transport = httpx.MockTransport(lambda request: next(replies))
    client = openai.AsyncOpenAI(
        api_key="sk-test-FAKEKEY0123456789",
        base_url="http://127.0.0.1:1/v1",
        max_retries=0,
        http_client=httpx.AsyncClient(transport=transport),
    )
    policy = RetryPolicy(transient_attempts=2, reasks=1, initial_wait=0.0, jitter=0.0)
    options = BatchOptions(cache=False, retry=policy, requests_per_minute=10**6)
    text = "A and B signed an MoU."
    result = asyncio.run(
        aextract_many([text], prompt="v1", endpoint=ENDPOINT, client=client, options=options)
    )
    assert [r.status for r in result.rows] == ["ok"]
    # a transient failure, its retry and the re-ask: three requests, three counted
    assert len(budget.asked) == 3
    # each counts the system prompt and the schema, not only the article and the answer budget
    prompt = load_prompt("v1")
    article_only = estimate_tokens(text) + prompt.manifest.settings.max_tokens
    assert min(budget.asked) > article_only + estimate_tokens(prompt.system)
    assert budget.asked[2] > budget.asked[0]  # the re-ask carries the failed answer


def test_interrupting_a_batch_started_inside_a_running_loop_stops_it(tmp_path: Path) -> None:
    """As in a notebook: the batch runs on its own thread; an interrupt stops that thread too."""
    import signal
    import threading

    out = tmp_path / "results.jsonl"
    texts = [f"A Corp and B City signed an MoU ({i})." for i in range(400)]

    async def cell(endpoint: Endpoint) -> None:  # a loop is running, as in Jupyter
        options = BatchOptions(concurrency=2, cache=False, out=out, retry=FAST)
        timer = threading.Timer(0.5, lambda: signal.raise_signal(signal.SIGINT))
        timer.start()
        try:
            with pytest.raises(KeyboardInterrupt):
                extract_many(texts, prompt="v1", endpoint=endpoint, options=options)
            at_raise.append(out.read_text())
        finally:
            timer.cancel()

    at_raise: list[str] = []
    with FakeServer(healthy(delay=0.02)) as server:
        endpoint = fake_endpoint(server.base_url)
        loop = asyncio.new_event_loop()  # run_until_complete leaves SIGINT to Python, as IPython
        # Ctrl-C raises KeyboardInterrupt, as in a kernel (a background job ignores SIGINT)
        previous = signal.signal(signal.SIGINT, signal.default_int_handler)
        try:
            loop.run_until_complete(cell(endpoint))
        finally:
            signal.signal(signal.SIGINT, previous)
            loop.close()
        batch = [t for t in threading.enumerate() if t.name == "agreement-llm"]
        assert not [t for t in batch if t.is_alive()]
        time.sleep(0.1)  # a request written just before the stop may still be in the socket
        sent = len(server.requests)
        time.sleep(0.3)
        assert len(server.requests) == sent < len(texts)  # nothing more goes out
    assert out.read_text() == at_raise[0]  # stopped when the interrupt is raised
    ids = [json.loads(line)["article_id"] for line in out.read_text().splitlines()]
    assert 0 < len(ids) < len(texts)
    assert len(ids) == len(set(ids))


def test_a_batch_given_its_own_client_takes_the_endpoint_from_that_client(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # as extract does: the client's URL says which server it is; its key is its own
    for name in ("OPENAI_API_KEY", "OPENAI_BASE_URL", "AGREEMENT_LLM_SERVER"):
        monkeypatch.delenv(name, raising=False)
    server = Server()
    result = asyncio.run(
        aextract_many(
            _articles(2),
            model="own-model",
            client=server.client(),
            options=BatchOptions(cache=False, retry=FAST),
        )
    )
    assert [r.status for r in result.rows] == ["ok", "ok"]
    assert {r.model for r in result.rows} == {"own-model"}
    assert len(server.seen) == 2
