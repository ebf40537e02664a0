"""The eval suite: every prompt version over every gold article, each replayed from its cassette
(or recorded when missing), scored and compared."""

from __future__ import annotations

import itertools
import json
from collections.abc import Callable
from dataclasses import dataclass, field
from fnmatch import fnmatch
from pathlib import Path

from agreement_llm.articles import Article
from agreement_llm.config import Endpoint
from agreement_llm.errors import AgreementLLMError, InputError
from agreement_llm.evaluation.cassettes import (
    cassette_path,
    check_cassette,
    make_vcr,
    read_set,
    write_set,
)
from agreement_llm.evaluation.gold import GoldFile, articles_for, load_gold_dir
from agreement_llm.evaluation.metrics import Comparison, Figures, compare, figures
from agreement_llm.evaluation.scoring import ArticleScore, score_article
from agreement_llm.extract import Extraction, extract_with_details
from agreement_llm.llm import ExtractionError
from agreement_llm.prompts import load_prompt
from agreement_llm.retry import RetryPolicy

__all__ = [
    "EVAL_POLICY",
    "EvalRun",
    "MissingCassetteError",
    "RunResult",
    "VersionRun",
    "recorded_prompts",
    "run_article",
    "run_eval",
]


# Replays must make the same requests as the recording did, so the eval's retry policy is fixed:
# one re-ask of invalid output, no waiting on transient errors (a cassette does not have them).
EVAL_POLICY = RetryPolicy(transient_attempts=3, reasks=1, initial_wait=0.0, jitter=0.0)


class MissingCassetteError(AgreementLLMError):
    """A replay needs a cassette that has not been recorded."""


@dataclass(frozen=True)
class RunResult:
    """What one prompt version made of one article: an extraction or the error it ended in."""

    article_id: str
    prompt: str
    extraction: Extraction | None
    error: ExtractionError | None


def record_command(prompt: str, article_id: str) -> str:
    """The command that records one missing cassette."""
    return f"agreement-llm eval --prompts {prompt} --articles {article_id} --record"


def run_article(
    article: Article,
    prompt: str,
    endpoint: Endpoint,
    cassettes: Path,
    *,
    record: bool = False,
) -> RunResult:
    """Run one prompt version on one article through its cassette.

    Replays the cassette; with `record`, records it first when it is missing (an existing
    cassette is never overwritten).
    """
    path = cassette_path(cassettes, endpoint.model, prompt, article.article_id)
    if not path.exists() and not record:
        raise MissingCassetteError(
            f"missing cassette {path}; record it against a live server with: "
            f"{record_command(prompt, article.article_id)}"
        )
    if path.exists():
        check_cassette(path)
    mode = "none" if path.exists() else "once"
    with make_vcr(mode).use_cassette(str(path)) as cassette:
        try:
            extraction = extract_with_details(
                article.text, prompt=prompt, endpoint=endpoint, retry=EVAL_POLICY
            )
        except ExtractionError as exc:
            result = RunResult(article.article_id, prompt, None, exc)
            attempts = exc.attempts
        else:
            result = RunResult(article.article_id, prompt, extraction, None)
            attempts = extraction.attempts
        unmatched = len(attempts) - cassette.play_count  # requests no recording answered
        if mode == "none" and (not cassette.all_played or unmatched > 0):
            raise InputError(
                f"cassette {path} does not hold the requests this code makes now (the prompt, "
                "schema or request shape changed since it was recorded); record a new prompt "
                "version instead of editing a recorded one"
            )
    return result


@dataclass
class VersionRun:
    """One prompt version's results, scores and figures."""

    prompt: str
    results: list[RunResult]
    scores: list[ArticleScore]
    figures: Figures
    latency_s: dict[str, float] = field(default_factory=dict)

    @property
    def failures(self) -> list[RunResult]:
        """The articles whose extraction ended in an error."""
        return [r for r in self.results if r.error is not None]

    def tokens(self, article_id: str) -> tuple[int, int]:
        """Prompt and completion tokens used on one article (all attempts)."""
        for r in self.results:
            if r.article_id == article_id:
                attempts = (
                    r.extraction.attempts if r.extraction else (r.error.attempts if r.error else [])
                )
                return (
                    sum(a.usage.prompt_tokens for a in attempts),
                    sum(a.usage.completion_tokens for a in attempts),
                )
        return (0, 0)


@dataclass
class EvalRun:
    """A whole eval: the gold, each version's run, and the comparisons between versions."""

    model: str
    golds: list[GoldFile]
    articles: dict[str, Article]
    versions: list[VersionRun]
    comparisons: list[Comparison]


def recorded_prompts(cassettes: Path, model: str) -> list[str]:
    """The prompt versions that have cassettes for `model`, oldest first."""
    root = cassettes / model
    if not root.is_dir():
        return []
    names = [p.name for p in root.iterdir() if p.is_dir() and any(p.glob("*.yaml"))]
    return sorted(names, key=lambda n: (int("".join(c for c in n if c.isdigit()) or 0), n))


def _recorded_latency(cassettes: Path, result: RunResult, model: str) -> float | None:
    meta = cassette_path(cassettes, model, result.prompt, result.article_id).with_suffix(
        ".meta.json"
    )
    if meta.exists():
        value = json.loads(meta.read_text(encoding="utf-8")).get("latency_s")
        return float(value) if value is not None else None
    return None


def _write_meta(cassettes: Path, result: RunResult, model: str) -> None:
    meta = cassette_path(cassettes, model, result.prompt, result.article_id).with_suffix(
        ".meta.json"
    )
    attempts = (
        result.extraction.attempts
        if result.extraction
        else (result.error.attempts if result.error else [])
    )
    meta.write_text(
        json.dumps(
            {
                "latency_s": round(sum(a.latency_s for a in attempts), 3),
                "attempt_latencies_s": [round(a.latency_s, 3) for a in attempts],
                "outcome": "ok"
                if result.extraction
                else (result.error.kind if result.error else "?"),
            },
            indent=2,
        )
        + "\n",
        encoding="utf-8",
    )


def run_eval(
    *,
    endpoint: Endpoint,
    cassettes: Path,
    gold_dir: Path,
    articles_dir: Path,
    prompts: list[str] | None = None,
    articles: str = "*",
    record: bool = False,
    on_result: Callable[[RunResult], None] | None = None,
) -> EvalRun:
    """Run each prompt version over each gold article matching `articles` and score it.

    With no `prompts`, every version that has cassettes for the endpoint's model is run.
    """
    golds = [g for g in load_gold_dir(gold_dir) if fnmatch(g.article_id, articles)]
    if not golds:
        raise InputError(f"no gold articles match {articles!r} in {gold_dir}")
    texts = articles_for(golds, articles_dir)
    versions = prompts or recorded_prompts(cassettes, endpoint.model)
    if not versions:
        raise InputError(
            f"no cassettes for model {endpoint.model!r} under {cassettes}; name "
            "the prompt versions with --prompts and record them with --record"
        )
    for version in versions:
        load_prompt(version)  # an unknown version fails before any work
    runs: list[VersionRun] = []
    for version in versions:
        results: list[RunResult] = []
        latency: dict[str, float] = {}
        prompt_sha = load_prompt(version).sha256
        recorded_set = read_set(cassettes, endpoint.model, version)
        if record:
            recorded_set = write_set(cassettes, endpoint, version, prompt_sha)
            version_endpoint = endpoint
        else:
            version_endpoint = recorded_set.endpoint() if recorded_set else endpoint
        if recorded_set is not None and recorded_set.prompt_sha256 != prompt_sha:
            raise InputError(
                f"prompt version {version} changed since its cassettes for "
                f"{endpoint.model} were recorded; record a new prompt version instead"
            )
        for gold in golds:
            path = cassette_path(cassettes, endpoint.model, version, gold.article_id)
            fresh = not path.exists()
            result = run_article(
                texts[gold.article_id], version, version_endpoint, cassettes, record=record
            )
            if fresh:
                _write_meta(cassettes, result, endpoint.model)
            recorded = _recorded_latency(cassettes, result, endpoint.model)
            if recorded is not None:
                latency[gold.article_id] = recorded
            results.append(result)
            if on_result:
                on_result(result)
        by_id = {g.article_id: g for g in golds}
        scores = [
            score_article(
                r.article_id,
                by_id[r.article_id].record,
                r.extraction.record if r.extraction else None,
            )
            for r in results
        ]
        runs.append(VersionRun(version, results, scores, figures(scores), latency))
    comparisons = [
        compare(a.prompt, a.scores, b.prompt, b.scores) for a, b in itertools.pairwise(runs)
    ]
    return EvalRun(endpoint.model, golds, texts, runs, comparisons)
