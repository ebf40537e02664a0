"""Wall time to replay and score all gold articles x all recorded prompt versions.

Runs `agreement-llm eval` in a fresh process (cold start included), then prints the figures:

    python benchmarks/eval_replay.py [--repeat N]
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    sys.path.insert(0, str(ROOT))
    from agreement_llm.evaluation.suite import recorded_prompts

    versions = recorded_prompts(ROOT / "cassettes", "gemma3-270m-q4-k-m")
    articles = len(list((ROOT / "eval" / "gold").glob("*.json")))
    runs = articles * len(versions)
    times = []
    for _ in range(args.repeat):
        start = time.perf_counter()
        subprocess.run(
            [sys.executable, "-m", "agreement_llm.cli", "eval"],
            cwd=ROOT,
            check=True,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        times.append(time.perf_counter() - start)
    best, worst = min(times), max(times)
    print(f"versions: {', '.join(versions)}; articles: {articles}; article-versions: {runs}")
    print(f"wall time, cold process, best of {args.repeat}: {best:.2f} s (worst {worst:.2f} s)")
    print(f"per article-version: {1000 * best / max(runs, 1):.1f} ms")


if __name__ == "__main__":
    main()
