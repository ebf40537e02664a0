"""Throughput at the latencies users see, and memory of a long batch streamed to a file.

    python benchmarks/throughput.py            # all of it (about ten minutes)
    python benchmarks/throughput.py --quick    # 200 articles, to try it

Each figure comes from a fresh process (its own CPU time and peak resident memory), against
the loopback fake server (tests/fakeserver.py) run in a process of its own, which answers the
article numbered i after a latency drawn for i (uniform in 1-5 s, or fixed). The ideal is the
concurrency-bound one: the latencies laid on `concurrency` slots, each article to the first
free slot, with no client time at all. `extract_many` runs beside raw `AsyncOpenAI` calls under
an `asyncio.Semaphore` gathered with `asyncio.gather` (no parsing, validation or grounding),
over the same articles in the same run.
"""

from __future__ import annotations

import argparse
import asyncio
import heapq
import json
import os
import random
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

TEXT = (
    "Article [#{i}]: A Corp and B City signed a memorandum of understanding on Monday, "
    "agreeing to cooperate in logistics, trade and tourism."
)
SEED = 19


def latency(spec: str, i: int) -> float:
    """The server's latency for article `i`: `uniform:1:5` or a fixed number of seconds."""
    if spec.startswith("uniform:"):
        low, high = (float(x) for x in spec.split(":")[1:])
        return random.Random(SEED * 1_000_003 + i).uniform(low, high)
    return float(spec)


def ideal(spec: str, n: int, concurrency: int) -> float:
    """The wall time of `n` articles on `concurrency` slots with no client time."""
    slots = [0.0] * min(concurrency, n)
    for i in range(n):
        heapq.heapreplace(slots, slots[0] + latency(spec, i))
    return max(slots)


def serve(spec: str) -> None:
    """Run the fake server until stdin closes; print its base URL first."""
    from tests.fakeserver import VALID_RECORD, Behaviour, FakeServer, chat_completion

    body = chat_completion(VALID_RECORD)

    def script(request: dict[str, Any], number: int) -> Behaviour:
        text = request["messages"][-1]["content"]
        i = int(text.split("[#", 1)[1].split("]", 1)[0])
        return Behaviour(body=body, delay=latency(spec, i))

    with FakeServer(script, keep_requests=False, max_seconds=7200) as server:
        print(server.base_url, flush=True)
        sys.stdin.read()


def run(kind: str, base_url: str, n: int, concurrency: int, out: str | None) -> dict[str, float]:
    """One measured run in this process: wall time, CPU time, peak resident memory."""
    import openai  # imports before the clock starts

    from agreement_llm import BatchOptions, extract_many
    from tests.fakeserver import fake_endpoint

    articles = [TEXT.format(i=i) for i in range(n)]
    start_cpu = time.process_time()
    start = time.perf_counter()
    if kind == "extract_many":
        options = BatchOptions(concurrency=concurrency, cache=False, out=out)
        result = extract_many(
            articles, prompt="v1", endpoint=fake_endpoint(base_url), options=options
        )
        failed = sum(result.summary.failures.values())
    else:
        client = openai.AsyncOpenAI(base_url=base_url, api_key="fake-key", max_retries=0)
        failed = asyncio.run(_raw(client, articles, concurrency))
    wall = time.perf_counter() - start
    cpu = time.process_time() - start_cpu
    peak_kib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return {"wall_s": wall, "cpu_s": cpu, "peak_mib": peak_kib / 1024, "failed": failed}


async def _raw(client: Any, articles: list[str], concurrency: int) -> int:
    slots = asyncio.Semaphore(concurrency)

    async def one(text: str) -> None:
        async with slots:
            await client.chat.completions.create(
                model="fake", messages=[{"role": "user", "content": text}], max_tokens=1024
            )

    async with client:
        results = await asyncio.gather(*(one(t) for t in articles), return_exceptions=True)
    return sum(isinstance(r, BaseException) for r in results)


def measure(kind: str, spec: str, n: int, concurrency: int, stream: bool) -> dict[str, float]:
    """Start a server for `spec` and run `kind` against it in a fresh process."""
    server = subprocess.Popen(
        [sys.executable, __file__, "serve", spec],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
        cwd=ROOT,
    )
    try:
        assert server.stdout is not None
        base_url = server.stdout.readline().strip()
        with tempfile.TemporaryDirectory() as tmp:
            args = [kind, base_url, str(n), str(concurrency)]
            if stream:
                args.append(str(Path(tmp) / "results.jsonl"))
            done = subprocess.run(
                [sys.executable, __file__, "run", *args],
                capture_output=True,
                text=True,
                cwd=ROOT,
                check=True,
            )
        figures: dict[str, float] = json.loads(done.stdout.strip().splitlines()[-1])
        return figures
    finally:
        server.communicate("")  # closing stdin stops it


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--quick", action="store_true", help="200 articles and 2,000 streamed")
    parser.add_argument("--concurrency", type=int, default=64)
    opts = parser.parse_args()
    n, streamed = (200, 2_000) if opts.quick else (2_000, 20_000)
    c = opts.concurrency
    load = os.getloadavg()[0]
    print(f"{os.cpu_count()} cores, load average {load:.1f} at the start")
    print(f"{n} articles, concurrency {c}; ratio = concurrency-bound ideal / wall time")
    for spec, label in (("uniform:1:5", "latency 1-5 s"), ("0.2", "latency 200 ms")):
        best = ideal(spec, n, c)
        for kind in ("extract_many", "raw AsyncOpenAI + gather"):
            f = measure(kind if kind == "extract_many" else "raw", spec, n, c, stream=False)
            print(
                f"{label:15} {kind:26} ratio {best / f['wall_s']:.3f} "
                f"(ideal {best:.1f} s, wall {f['wall_s']:.1f} s), "
                f"CPU {f['cpu_s'] / n * 1000:.1f} ms/article, peak {f['peak_mib']:.0f} MiB, "
                f"{f['failed']:.0f} failed"
            )
    peaks = {}
    for count in (streamed // 10, streamed):
        f = measure("extract_many", "0.001", count, c, stream=True)
        peaks[count] = f["peak_mib"]
        print(
            f"latency 1 ms    extract_many to a JSONL file, {count} articles: "
            f"wall {f['wall_s']:.1f} s, CPU {f['cpu_s'] / count * 1000:.1f} ms/article, "
            f"peak {f['peak_mib']:.0f} MiB, {f['failed']:.0f} failed"
        )
    small, large = streamed // 10, streamed
    print(
        f"peak memory {large} / {small} articles: {peaks[large] / peaks[small]:.2f} (target <= 2)"
    )


if __name__ == "__main__":
    if len(sys.argv) > 1 and sys.argv[1] == "serve":
        serve(sys.argv[2])
    elif len(sys.argv) > 1 and sys.argv[1] == "run":
        kind, base_url, count, conc = sys.argv[2:6]
        out = sys.argv[6] if len(sys.argv) > 6 else None
        print(json.dumps(run(kind, base_url, int(count), int(conc), out)))
    else:
        main()
