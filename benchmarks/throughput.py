"""Throughput of extract_many against a loopback OpenAI-compatible server with a fixed delay.

    python benchmarks/throughput.py [--articles 1000] [--concurrency 64] [--latency 0.2]
                                    [--repeats 3]

Prints, in one run: the library's wall time against the ideal (articles / concurrency x
latency) as a ratio; the same for the raw AsyncOpenAI client with asyncio.gather (the
reference), for that client on the library's HTTP client, for a bare aiohttp client (no
SDK: what the machine and server allow), and for extract_many with HTTP answered in process
after the same delay (no network: what the openai client, instructor and the library's own
work allow on one event loop); the library's CPU time per article beyond the HTTP
call (extract_many less the raw client on the library's HTTP client); each client's time in
Python's garbage collector; the interpreter they were measured on; and the prompt tokens per
article of each prompt version (article and overhead) beside a naive instructor JSON-mode
call. Each client runs `--repeats` times, interleaved; figures are medians with the range.
Targets: ratio >= 0.9 of the ideal, <= 5 ms CPU per article. The server answers synthetic
(valid) records; it runs in a separate process so its CPU is not counted.
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import json
import multiprocessing
import statistics
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from agreement_llm.fakeserver import (  # noqa: E402
    Behaviour,
    FakeServer,
    chat_completion,
    fake_endpoint,
)

RECORD = json.dumps(
    {
        "agreements": [
            {
                "evidence": "Changsha and SIC signed a strategic cooperation agreement.",
                "kind": "strategic_cooperation_agreement",
                "parties": [
                    {
                        "name": "Changsha Municipal People's Government",
                        "sector": "local_government",
                    },
                    {
                        "name": "State Information Center",
                        "short_name": "SIC",
                        "sector": "national_government",
                    },
                ],
                "areas": ["smart city development", "big data"],
            }
        ]
    }
)


def _serve(latency: float, port_box: Any, stop: Any) -> None:  # in the server's process
    with FakeServer(
        lambda req, n: Behaviour(body=chat_completion(RECORD), delay=latency),
        max_seconds=900,
        keep_requests=False,
    ) as server:
        port_box.value = server.port
        stop.wait()


@contextmanager
def loopback_server(latency: float) -> Iterator[str]:
    """The base URL of a loopback server, in a process of its own, that answers every request
    with a valid record after `latency` seconds (its CPU is not the client's)."""
    ctx = multiprocessing.get_context("spawn")
    port_box, stop = ctx.Value("i", 0), ctx.Event()
    server = ctx.Process(target=_serve, args=(latency, port_box, stop), daemon=True)
    server.start()
    while port_box.value == 0:
        time.sleep(0.05)
    try:
        yield f"http://127.0.0.1:{port_box.value}/v1"
    finally:
        stop.set()
        server.join(10)


def batch_texts(n: int) -> list[str]:
    """`n` distinct copies of a gold article."""
    text = (ROOT / "eval" / "articles" / "seed_02.txt").read_text(encoding="utf-8")
    return [f"{text}\n(copy {i})" for i in range(n)]


async def _raw(base_url: str, texts: list[str], concurrency: int, lean: bool = False) -> None:
    import openai

    from agreement_llm.http_client import lean_async_client

    http = lean_async_client() if lean else openai.DefaultAioHttpClient()
    client = openai.AsyncOpenAI(api_key="bench", base_url=base_url, max_retries=0, http_client=http)
    gate = asyncio.Semaphore(concurrency)

    async def one(text: str) -> None:
        async with gate:
            await client.chat.completions.create(
                model="m",
                messages=[{"role": "user", "content": text}],
                response_format={"type": "json_object"},
            )

    try:
        await asyncio.gather(*(one(t) for t in texts))
    finally:
        await client.close()


async def _bare(base_url: str, texts: list[str], concurrency: int) -> None:
    import aiohttp

    gate = asyncio.Semaphore(concurrency)
    async with aiohttp.ClientSession() as session:

        async def one(text: str) -> None:
            body = {"model": "m", "messages": [{"role": "user", "content": text}]}
            async with gate, session.post(f"{base_url}/chat/completions", json=body) as r:
                await r.json()

        await asyncio.gather(*(one(t) for t in texts))


class _InProcessTransport(httpx.AsyncBaseTransport):
    """Answers every request in this process after the server's delay: no sockets, no HTTP."""

    def __init__(self, latency: float) -> None:
        self.latency = latency
        self.body = json.dumps(chat_completion(RECORD)).encode()

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        await asyncio.sleep(self.latency)
        headers = {"content-type": "application/json", "content-length": str(len(self.body))}
        return httpx.Response(200, headers=headers, content=self.body, request=request)


def _in_process(texts: list[str], concurrency: int, latency: float) -> object:
    """extract_many's work with the network taken out: the library's client and loop, the
    openai client and instructor, HTTP answered from memory."""
    import openai

    from agreement_llm import eager_send
    from agreement_llm.batch import BatchOptions, aextract_many
    from agreement_llm.http_client import LeanAsyncClient

    endpoint = fake_endpoint("http://127.0.0.1:9/v1")  # never connected to

    async def run() -> object:
        http = LeanAsyncClient(
            timeout=openai.DEFAULT_TIMEOUT, transport=_InProcessTransport(latency)
        )
        client = openai.AsyncOpenAI(
            api_key="bench", base_url=endpoint.base_url, max_retries=0, http_client=http
        )
        async with client:
            options = BatchOptions(concurrency=concurrency, cache=False)
            return await aextract_many(
                texts, prompt="v1", endpoint=endpoint, client=client, options=options
            )

    return eager_send.run(run())


class CollectorClock:
    """Wall time Python's garbage collector spends while it is entered (all threads)."""

    def __init__(self) -> None:
        self.seconds = 0.0
        self._began = 0.0

    def _tick(self, phase: str, info: dict[str, int]) -> None:
        if phase == "start":
            self._began = time.perf_counter()
        else:
            self.seconds += time.perf_counter() - self._began

    def __enter__(self) -> CollectorClock:
        gc.callbacks.append(self._tick)
        return self

    def __exit__(self, *exc: object) -> None:
        gc.callbacks.remove(self._tick)


class StolenTime:
    """The share of the machine's CPU time its hypervisor took while entered (steal time, from
    Linux's /proc/stat; None elsewhere). A high share makes every figure of the run slower."""

    def __init__(self) -> None:
        self.share: float | None = None
        self._began: tuple[int, int] | None = None

    @staticmethod
    def _ticks() -> tuple[int, int] | None:
        """(stolen, all) clock ticks of every CPU since boot."""
        try:
            with open("/proc/stat", encoding="ascii") as stat:
                ticks = [int(t) for t in stat.readline().split()[1:9]]
        except (OSError, ValueError):
            return None
        # user nice system idle iowait irq softirq steal (guest time is inside user)
        return (ticks[7], sum(ticks)) if len(ticks) == 8 else None

    def __enter__(self) -> StolenTime:
        self._began = self._ticks()
        return self

    def __exit__(self, *exc: object) -> None:
        ended = self._ticks()
        if self._began and ended and ended[1] > self._began[1]:
            self.share = (ended[0] - self._began[0]) / (ended[1] - self._began[1])

    def __str__(self) -> str:
        if self.share is None:
            return "CPU time taken by a hypervisor: unknown here (no /proc/stat)"
        return (
            f"CPU time taken by the hypervisor while the clients ran (steal): {self.share:.0%} "
            "of the machine's (a high share slows every figure)"
        )


def timed(fn: Callable[[], object]) -> tuple[float, float, float]:
    """Wall, CPU and garbage-collector seconds of one call."""
    with CollectorClock() as collector:
        wall, cpu = time.perf_counter(), time.process_time()
        fn()
        wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    return wall, cpu, collector.seconds


def _median(runs: list[tuple[float, float, float]]) -> tuple[float, float, float, float, float]:
    """Median wall, fastest wall, slowest wall, median CPU, median collector time."""
    walls = [w for w, _, _ in runs]
    return (
        statistics.median(walls),
        min(walls),
        max(walls),
        statistics.median(c for _, c, _ in runs),
        statistics.median(g for _, _, g in runs),
    )


def _prompt_tokens() -> None:
    """Prompt tokens per article: each version's request vs a naive instructor JSON call."""
    import instructor

    from agreement_llm.articles import read_articles
    from agreement_llm.config import local_endpoint
    from agreement_llm.models import ArticleRecord
    from agreement_llm.prompts import list_prompts
    from agreement_llm.request import shape_request

    tokenize = _tokenizer()
    texts = [a.text for a in read_articles(ROOT / "eval" / "articles")]
    article = sum(tokenize(t) for t in texts) / len(texts)
    ep = local_endpoint()
    print(f"prompt tokens per article ({tokenize.__doc__}), mean over {len(texts)} gold articles:")
    print(f"  article text alone: {article:.0f}")
    for prompt in list_prompts():
        total = sum(
            sum(tokenize(m["content"]) for m in prompt.render(t, system_in_user=ep.system_in_user))
            for t in texts
        ) / len(texts)
        print(f"  {prompt.id}: {total:.0f} ({total - article:.0f} overhead)")
    naive = []
    for t in texts:
        kwargs: dict[str, Any] = {"messages": [{"role": "user", "content": t}]}
        from instructor.providers.openai.utils import handle_json_modes

        _, shaped = handle_json_modes(ArticleRecord, kwargs, instructor.Mode.JSON)
        shaped = shape_request(shaped, ep.style)
        naive.append(sum(tokenize(m["content"]) for m in shaped["messages"]))
    mean = sum(naive) / len(naive)
    print(
        f"  naive instructor JSON mode (schema in the system prompt): {mean:.0f} "
        f"({mean - article:.0f} overhead)"
    )


def _tokenizer() -> Any:
    try:
        import llama_cpp

        from agreement_llm.serve import model_path

        llm = llama_cpp.Llama(model_path=model_path(), vocab_only=True, verbose=False)

        def count(text: str) -> int:
            """Gemma 3 tokenizer"""
            return len(llm.tokenize(text.encode("utf-8"), add_bos=False, special=False))

        return count
    except Exception:
        from agreement_llm.limits import estimate_tokens

        def estimate(text: str) -> int:
            """estimated: llama-cpp-python not installed"""
            return estimate_tokens(text)

        return estimate


def interpreter() -> str:
    """The Python the figures were measured on (its build changes them)."""
    import platform
    import sysconfig

    flags = str(sysconfig.get_config_var("CONFIG_ARGS") or "")
    given = [f for f in ("--enable-optimizations", "--with-lto") if f in flags]
    return (
        f"{platform.python_implementation()} {platform.python_version()} ({sys.executable}; "
        f"configured {'with ' + ' '.join(given) if given else 'without --enable-optimizations'})"
    )


def batch_arguments(description: str | None) -> argparse.ArgumentParser:
    """A parser with the batch every throughput figure is measured on: --articles,
    --concurrency, --latency (seconds)."""
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument("--articles", type=int, default=1000)
    parser.add_argument("--concurrency", type=int, default=64)
    parser.add_argument("--latency", type=float, default=0.2)
    return parser


def main() -> None:
    parser = batch_arguments(__doc__)
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()

    from agreement_llm.batch import BatchOptions, extract_many

    texts = batch_texts(args.articles)
    ideal = args.articles / args.concurrency * args.latency
    options = BatchOptions(concurrency=args.concurrency, cache=False)
    with loopback_server(args.latency) as base_url:
        endpoint = fake_endpoint(base_url)
        clients: dict[str, Callable[[], object]] = {
            "extract_many": lambda: extract_many(
                texts, prompt="v1", endpoint=endpoint, options=options
            ),
            "raw AsyncOpenAI + gather": lambda: asyncio.run(
                _raw(base_url, texts, args.concurrency)
            ),
            "the same on the library's HTTP client": lambda: asyncio.run(
                _raw(base_url, texts, args.concurrency, lean=True)
            ),
            "bare aiohttp (no SDK)": lambda: asyncio.run(_bare(base_url, texts, args.concurrency)),
            "extract_many, HTTP answered in process (no network)": lambda: _in_process(
                texts, args.concurrency, args.latency
            ),
        }
        runs: dict[str, list[tuple[float, float, float]]] = {name: [] for name in clients}
        with StolenTime() as stolen:
            for _ in range(args.repeats):
                for name, run in clients.items():
                    runs[name].append(timed(run))
    n = args.articles
    print(
        f"{n} articles, concurrency {args.concurrency}, server latency "
        f"{args.latency * 1000:.0f} ms: ideal {ideal:.2f} s; median of {args.repeats} runs "
        "(range)"
    )
    print(f"  on {interpreter()}")
    print(f"  {stolen}")
    cpu: dict[str, float] = {}
    for name, timings in runs.items():
        wall, fast, slow, cpu[name], collector = _median(timings)
        target = " (target >= 0.9)" if name == "extract_many" else ""
        print(
            f"  {name}: {wall:.2f} s wall, {ideal / wall:.3f} of ideal "
            f"({ideal / slow:.3f}..{ideal / fast:.3f}){target}; "
            f"CPU {cpu[name] * 1000 / n:.2f} ms/article; garbage collector "
            f"{collector * 1000:.0f} ms ({collector / wall:.0%} of wall)"
        )
    beyond = cpu["extract_many"] - cpu["the same on the library's HTTP client"]
    print(
        f"  library CPU beyond the HTTP call (extract_many less the raw client on the same HTTP "
        f"client): {beyond * 1000 / n:.2f} ms/article (target <= 5)"
    )
    _prompt_tokens()


if __name__ == "__main__":
    main()
