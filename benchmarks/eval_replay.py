"""Wall time to replay and score the whole matrix: every recorded model x prompt version x gold
article, from cassettes, in a fresh process (cold start included). Prints the figures, with the
process's CPU time (user + system), which other work on the machine distorts less than wall:

    python benchmarks/eval_replay.py [--repeat N]
"""

from __future__ import annotations

import argparse
import resource
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    from agreement_llm.evaluation import recorded_models, recorded_prompts

    cassettes = ROOT / "cassettes"
    columns = [
        f"{m}/{v}" for m in recorded_models(cassettes) for v in recorded_prompts(cassettes, m)
    ]
    articles = len(list((ROOT / "eval" / "gold").glob("*.json")))
    runs = articles * len(columns)
    command = [sys.executable, "-c", "from agreement_llm.cli import main; main()", "eval"]
    times, cpu = [], []
    for _ in range(args.repeat):
        used = resource.getrusage(resource.RUSAGE_CHILDREN)
        start = time.perf_counter()
        subprocess.run(command, cwd=ROOT, check=True, capture_output=True)
        times.append(time.perf_counter() - start)
        now = resource.getrusage(resource.RUSAGE_CHILDREN)
        cpu.append(now.ru_utime - used.ru_utime + now.ru_stime - used.ru_stime)
    best, worst = min(times), max(times)
    print(f"columns: {', '.join(columns)}; articles: {articles}; replays: {runs}")
    print(f"wall time, cold process, best of {args.repeat}: {best:.2f} s (worst {worst:.2f} s)")
    print(f"CPU time (user + system), best of {args.repeat}: {min(cpu):.2f} s")
    print(f"per replayed article: {1000 * best / max(runs, 1):.1f} ms")


if __name__ == "__main__":
    main()
