"""10,000 articles through the Batch API path: submit -> fake completion -> collect.

    python benchmarks/batch_api.py                 # 10,000 articles (a few minutes on 2 cores)
    python benchmarks/batch_api.py --articles 500  # to try it

Against the loopback fake of the Files and Batches endpoints (tests/fakebatch.py; its answers
are scripted test data, the same valid record for every request). Submit and collect each run
in a fresh process (forked), which reports its wall time and peak resident memory (VmHWM).
The input files are split at 4,000 requests so that the split is exercised. Prints the
figures, the requests per input file, and the rows of the results file (and duplicates).
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

TEXT = (
    "Article [#{i}]: A Corp and B City met on Monday. A and B signed an MoU, agreeing to "
    "cooperate in logistics, trade and tourism."
)


def peak_mb() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def in_child(work: Callable[[], Any]) -> tuple[float, float, Any]:
    """Run `work` in a forked process: its wall seconds, peak MB and result."""
    queue: multiprocessing.Queue[tuple[float, float, Any]] = multiprocessing.Queue()

    def main() -> None:
        start = time.perf_counter()
        result = work()
        queue.put((time.perf_counter() - start, peak_mb(), result))

    proc = multiprocessing.get_context("fork").Process(target=main)
    proc.start()
    out = queue.get(timeout=3600)
    proc.join()
    return out


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--articles", type=int, default=10_000)
    parser.add_argument("--per-file", type=int, default=4_000)
    args = parser.parse_args()

    import openai

    from agreement_llm import Article, BatchApiOptions, batch_status, collect_batch, submit_batch
    from agreement_llm.batch_state import BatchLimits
    from tests.fakebatch import FakeBatchServer
    from tests.fakes import VALID
    from tests.fakeserver import chat_completion, fake_endpoint

    answer = chat_completion(VALID)
    items = [Article(f"a{i}", TEXT.format(i=i)) for i in range(args.articles)]
    options = BatchApiOptions(limits=BatchLimits(max_requests=args.per_file))
    with tempfile.TemporaryDirectory() as tmp, FakeBatchServer(lambda _: (200, answer)) as fake:
        out = Path(tmp) / "results.jsonl"
        endpoint = fake_endpoint(fake.base_url)

        def client() -> openai.OpenAI:
            return openai.OpenAI(api_key="k", base_url=fake.base_url)

        def submit() -> list[int]:
            report = submit_batch(
                items, out=out, endpoint=endpoint, client=client(), options=options
            )
            return report.requests_per_file

        def collect() -> str:
            return str(collect_batch(out, client=client(), endpoint=endpoint, options=options))

        submit_s, submit_mb, per_file = in_child(submit)
        polls = 0
        while any(b.status != "completed" for b in batch_status(out, client=client())):
            polls += 1
        collect_s, collect_mb, summary = in_child(collect)
        keys = Counter(json.loads(x)["article_id"] for x in out.read_text().splitlines() if x)
        request_bytes = sum(len(d) for d in list(fake.files.values())[: len(per_file)])

    n = args.articles
    print(
        f"articles: {n:,}; request files uploaded: {len(per_file)} ({request_bytes / 1e6:.1f} MB)"
    )
    print(f"requests per input file: {per_file}")
    print(
        f"submit:  {submit_s:6.1f} s wall ({submit_s / n * 1000:.1f} ms/article), "
        f"peak {submit_mb:.0f} MB"
    )
    print(f"fake completion: {polls + 1} status polls per batch set (validating -> completed)")
    print(
        f"collect: {collect_s:6.1f} s wall ({collect_s / n * 1000:.1f} ms/article), "
        f"peak {collect_mb:.0f} MB"
    )
    print(f"collect: {summary}")
    dupes = sum(c - 1 for c in keys.values())
    print(
        f"rows in the results file: {sum(keys.values()):,} ({len(keys):,} articles, "
        f"{dupes} duplicates)"
    )


if __name__ == "__main__":
    main()
