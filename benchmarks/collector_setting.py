"""What the batch's garbage-collector setting gives, measured side by side with the default.

    python benchmarks/collector_setting.py [--articles 1000] [--concurrency 64]
                                           [--latency 0.2] [--rounds 10]

Runs `extract_many` against the loopback server of `throughput.py` two ways, interleaved
round by round (the order reversed every other round): with the young-collection threshold
batches set (`collector.YOUNG_THRESHOLD`), and with Python's default (700: the setting is
switched off by making `collector.YOUNG_THRESHOLD` 700 for the run; nothing else differs).
Prints, for each, the median ratio to the ideal (with the range), the median CPU per article
and the median time in the garbage collector per run.
"""

from __future__ import annotations

import gc
import statistics
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from throughput import (  # noqa: E402
    StolenTime,
    batch_arguments,
    batch_texts,
    interpreter,
    loopback_server,
    timed,
)

from agreement_llm import collector  # noqa: E402
from agreement_llm.batch import BatchOptions, extract_many  # noqa: E402
from agreement_llm.fakeserver import fake_endpoint  # noqa: E402

SETTINGS = {
    "Python's default (700)": 700,
    f"the batch setting ({collector.YOUNG_THRESHOLD:,}, the library's)": collector.YOUNG_THRESHOLD,
}


def main() -> None:
    parser = batch_arguments(__doc__)
    parser.add_argument("--rounds", type=int, default=10)
    args = parser.parse_args()

    texts = batch_texts(args.articles)
    options = BatchOptions(concurrency=args.concurrency, cache=False)
    ideal = args.articles / args.concurrency * args.latency
    young_before = gc.get_threshold()[0]
    ratios: dict[str, list[float]] = {name: [] for name in SETTINGS}
    cpus: dict[str, list[float]] = {name: [] for name in SETTINGS}
    pauses: dict[str, list[float]] = {name: [] for name in SETTINGS}
    names = list(SETTINGS)
    with loopback_server(args.latency) as base_url, StolenTime() as stolen:
        endpoint = fake_endpoint(base_url)
        for round_ in range(args.rounds):
            for name in names if round_ % 2 == 0 else names[::-1]:
                collector.YOUNG_THRESHOLD = SETTINGS[name]
                wall, cpu, pause = timed(
                    lambda: extract_many(texts, prompt="v1", endpoint=endpoint, options=options)
                )
                ratios[name].append(ideal / wall)
                cpus[name].append(cpu)
                pauses[name].append(pause)
                assert gc.get_threshold()[0] == young_before  # each batch put it back
    print(
        f"{args.articles} articles, concurrency {args.concurrency}, server latency "
        f"{args.latency * 1000:.0f} ms: ideal {ideal:.2f} s; medians of {args.rounds} "
        f"interleaved rounds"
    )
    print(f"  on {interpreter()}")
    print(f"  {stolen}")
    for name in names:
        print(
            f"  {name}: {statistics.median(ratios[name]):.3f} of ideal "
            f"({min(ratios[name]):.3f}..{max(ratios[name]):.3f}); CPU "
            f"{statistics.median(cpus[name]) * 1000 / args.articles:.2f} ms/article; garbage "
            f"collector {statistics.median(pauses[name]) * 1000:.0f} ms per run"
        )


if __name__ == "__main__":
    main()
