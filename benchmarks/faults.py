"""The reliability matrix: each fault kind, once and persistent, against extract; then a mixed
corpus through extract_many twice. Prints the figures for the README's reliability section.

    python benchmarks/faults.py
"""

from __future__ import annotations

import json
import sys
import tempfile
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from agreement_llm import ExtractionError, RetryPolicy, extract_with_details  # noqa: E402
from agreement_llm.articles import Article  # noqa: E402
from agreement_llm.batch import BatchOptions, extract_many  # noqa: E402
from agreement_llm.config import Endpoint  # noqa: E402
from tests.fakeserver import (  # noqa: E402
    FAULTS,
    FakeServer,
    fake_endpoint,
    fault_corpus,
    faulty,
    healthy,
    marked_faults,
)

TEXT = "A Corp and B City signed a memorandum of understanding."
POLICY = RetryPolicy(transient_attempts=3, reasks=1, initial_wait=0.01, max_wait=0.05, jitter=0.01)


def _endpoint(server: FakeServer) -> Endpoint:
    return fake_endpoint(server.base_url, timeout=0.5)


def _outcome(kind: str, times: int) -> str:
    with FakeServer(faulty(kind, times), max_seconds=60) as server:
        try:
            result = extract_with_details(
                TEXT, prompt="v1", endpoint=_endpoint(server), retry=POLICY
            )
        except ExtractionError as exc:
            return f"error {exc.kind} after {len(exc.attempts)} requests"
        return f"record after {len(result.attempts)} requests"


def main() -> None:
    print(f"{'fault':28} {'once':34} persistent")
    for kind in sorted(FAULTS):
        print(f"{kind:28} {_outcome(kind, 1):34} {_outcome(kind, 99)}")
    articles = [Article(aid, text) for aid, text in fault_corpus(TEXT, 20)]
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "results.jsonl"
        options = BatchOptions(concurrency=8, out=out, cache=False, retry=POLICY)
        with FakeServer(marked_faults(), max_seconds=300) as server:
            first = extract_many(articles, prompt="v1", endpoint=_endpoint(server), options=options)
        failed = len(first.failed)  # rows are read back from the file: before the second run
        with FakeServer(healthy()) as server:
            second = extract_many(
                articles, prompt="v1", endpoint=_endpoint(server), options=options
            )
            retried = len(server.requests)
        ids = [json.loads(line)["article_id"] for line in out.read_text().splitlines()]
        records = sum(r.status == "ok" for r in second.rows)
    dupes = sum(n - 1 for n in Counter(ids).values() if n > 1)
    lost = len({a.article_id for a in articles} - set(ids))
    print(f"\nmixed corpus: {len(articles)} articles in; first run {first.summary}")
    print(
        f"second run (server healthy): {retried} requests for {failed} failures; {second.summary}"
    )
    print(f"results file: {len(ids)} rows, {dupes} duplicates, {lost} lost, {records} records")


if __name__ == "__main__":
    main()
