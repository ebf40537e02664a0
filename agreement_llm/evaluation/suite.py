"""The eval suite: every recorded (model, prompt version) pair over every gold article, each
replayed from its cassette (or recorded when missing), scored and compared: each version
against its parent on the same model, each model against the others on the same version.

A whole eval runs on one event loop, with one client per endpoint (`replay.arun_article` for
each article)."""

from __future__ import annotations

import itertools
import json
from collections.abc import Callable, Iterable
from concurrent.futures import ProcessPoolExecutor
from contextlib import AsyncExitStack
from dataclasses import dataclass, field
from datetime import UTC, datetime
from fnmatch import fnmatch
from importlib.metadata import version as package_version
from pathlib import Path
from typing import TYPE_CHECKING

from agreement_llm.articles import Article
from agreement_llm.config import Endpoint, build_async_client, local_endpoint
from agreement_llm.errors import InputError
from agreement_llm.evaluation.cassettes import cassette_path, read_set, write_set
from agreement_llm.evaluation.gold import GoldFile, articles_for, load_gold_dir
from agreement_llm.evaluation.metrics import Comparison, Figures, compare, figures
from agreement_llm.evaluation.replay import (
    EVAL_POLICY,
    MissingCassetteError,
    RunResult,
    arun_article,
    record_command,
    run_article,
)
from agreement_llm.evaluation.scoring import ArticleScore, score_article
from agreement_llm.extract import run_sync
from agreement_llm.prompts import list_prompts, load_prompt, version_key

if TYPE_CHECKING:
    import openai

__all__ = [
    "EVAL_POLICY",
    "EvalRun",
    "MissingCassetteError",
    "RunResult",
    "VersionRun",
    "arun_article",
    "record_command",
    "recorded_models",
    "recorded_prompts",
    "run_article",
    "run_eval",
    "unrecorded_versions",
]


@dataclass
class VersionRun:
    """One (model, prompt version) pair's results, scores and figures: a column of the matrix."""

    prompt: str
    # out of the repr: every record, megabytes of text (asyncio formats the repr of a run's
    # result when it puts back the Ctrl-C handler, and a notebook shows it)
    results: list[RunResult] = field(repr=False)
    scores: list[ArticleScore] = field(repr=False)
    figures: Figures
    latency_s: dict[str, float] = field(default_factory=dict)
    model: str = ""

    @property
    def label(self) -> str:
        """`model/version`, the column's name in tables and reports."""
        return f"{self.model}/{self.prompt}"

    @property
    def failures(self) -> list[RunResult]:
        """The articles whose extraction ended in an error."""
        return [r for r in self.results if r.error is not None]

    def result(self, article_id: str) -> RunResult:
        """The result of one article."""
        return next(r for r in self.results if r.article_id == article_id)

    def tokens(self, article_id: str) -> tuple[int, int]:
        """Prompt and completion tokens used on one article (all attempts)."""
        for r in self.results:
            if r.article_id == article_id:
                return (
                    sum(a.usage.prompt_tokens for a in r.attempts),
                    sum(a.usage.completion_tokens for a in r.attempts),
                )
        return (0, 0)


@dataclass
class EvalRun:
    """A whole eval: the gold, each (model, version) column, and the comparisons."""

    golds: list[GoldFile]
    articles: dict[str, Article]
    versions: list[VersionRun]
    comparisons: list[Comparison]
    unrecorded: list[tuple[str, str]] = field(default_factory=list)
    run_at: datetime = field(default_factory=lambda: datetime.now(UTC))
    library_version: str = field(default_factory=lambda: package_version("agreement-llm"))

    @property
    def models(self) -> list[str]:
        """The models of the columns, in order."""
        return list(dict.fromkeys(v.model for v in self.versions))

    @property
    def prompts(self) -> list[str]:
        """The prompt versions of the columns, in version order (v2 before v10)."""
        return sorted({v.prompt for v in self.versions}, key=version_key)

    @property
    def model(self) -> str:
        """The models, comma-separated (one name for a one-model run)."""
        return ", ".join(self.models)

    def column(self, model: str, prompt: str) -> VersionRun | None:
        """The column of one (model, version) pair, if it was run."""
        return next((v for v in self.versions if v.model == model and v.prompt == prompt), None)


def recorded_prompts(cassettes: Path, model: str) -> list[str]:
    """The prompt versions that have cassettes for `model`, oldest first."""
    root = cassettes / model
    if not root.is_dir():
        return []
    return sorted(
        (p.name for p in root.iterdir() if p.is_dir() and any(p.glob("*.yaml"))), key=version_key
    )


def recorded_models(cassettes: Path) -> list[str]:
    """The models that have cassettes for some prompt version, by name."""
    if not cassettes.is_dir():
        return []
    return sorted(p.name for p in cassettes.iterdir() if recorded_prompts(cassettes, p.name))


def unrecorded_versions(cassettes: Path, models: Iterable[str]) -> list[tuple[str, str]]:
    """(model, version) pairs of existing prompt versions with no cassette at all."""
    known = [p.id for p in list_prompts()]
    out: list[tuple[str, str]] = []
    for model in models:
        done = set(recorded_prompts(cassettes, model))
        out += [(model, v) for v in known if v not in done]
    return out


def _meta_path(cassettes: Path, model: str, result: RunResult) -> Path:
    return cassette_path(cassettes, model, result.prompt, result.article_id).with_suffix(
        ".meta.json"
    )


def _recorded_latency(cassettes: Path, result: RunResult, model: str) -> float | None:
    meta = _meta_path(cassettes, model, result)
    if meta.exists():
        value = json.loads(meta.read_text(encoding="utf-8")).get("latency_s")
        return float(value) if value is not None else None
    return None


def _write_meta(cassettes: Path, result: RunResult, model: str) -> None:
    attempts = result.attempts
    outcome = "ok" if result.extraction else (result.error.kind if result.error else "?")
    _meta_path(cassettes, model, result).write_text(
        json.dumps(
            {
                "latency_s": round(sum(a.latency_s for a in attempts), 3),
                "attempt_latencies_s": [round(a.latency_s, 3) for a in attempts],
                "outcome": outcome,
            },
            indent=2,
        )
        + "\n",
        encoding="utf-8",
    )


def _missing(
    cassettes: Path, pairs: list[tuple[str, str]], golds: list[GoldFile], articles: str
) -> None:
    """Raise one `MissingCassetteError` naming every missing cassette of `pairs`."""
    lost = [
        (m, v, cassette_path(cassettes, m, v, g.article_id))
        for m, v in pairs
        for g in golds
        if not cassette_path(cassettes, m, v, g.article_id).exists()
    ]
    if not lost:
        return
    by_model: dict[str, list[str]] = {}
    for m, v, _ in lost:
        by_model.setdefault(m, [])
        if v not in by_model[m]:
            by_model[m].append(v)
    commands = "; ".join(record_command(m, vs, articles) for m, vs in by_model.items())
    listed = ", ".join(str(p) for _, _, p in lost)
    raise MissingCassetteError(
        f"{len(lost)} missing cassette{'s' if len(lost) != 1 else ''}: {listed}; "
        f"record them against a live server with: {commands}"
    )


class _Clients:
    """One client per endpoint for a whole eval, closed at its end."""

    def __init__(self, stack: AsyncExitStack) -> None:
        self.stack = stack
        self.clients: dict[Endpoint, openai.AsyncOpenAI] = {}

    async def get(self, endpoint: Endpoint) -> openai.AsyncOpenAI:
        if endpoint not in self.clients:
            client = build_async_client(endpoint)
            self.clients[endpoint] = await self.stack.enter_async_context(client)
        return self.clients[endpoint]


async def _run_column(
    model: str,
    version: str,
    golds: list[GoldFile],
    texts: dict[str, Article],
    cassettes: Path,
    live: Endpoint | None,
    on_result: Callable[[RunResult], None] | None,
    clients: _Clients,
) -> VersionRun:
    prompt_sha = load_prompt(version).sha256
    recorded_set = read_set(cassettes, model, version)
    if live is not None:
        recorded_set = write_set(cassettes, live, version, prompt_sha)
        endpoint = live
    else:
        endpoint = recorded_set.endpoint() if recorded_set else local_endpoint().with_model(model)
    if recorded_set is not None and recorded_set.prompt_sha256 != prompt_sha:
        raise InputError(
            f"prompt version {version} changed since its cassettes for {model} were recorded; "
            "record a new prompt version instead"
        )
    client = await clients.get(endpoint)
    results: list[RunResult] = []
    latency: dict[str, float] = {}
    for gold in golds:
        fresh = not cassette_path(cassettes, model, version, gold.article_id).exists()
        result = await arun_article(
            texts[gold.article_id],
            version,
            endpoint,
            cassettes,
            client=client,
            record=live is not None,
        )
        if fresh:
            _write_meta(cassettes, result, model)
        recorded = _recorded_latency(cassettes, result, model)
        if recorded is not None:
            latency[gold.article_id] = recorded
        results.append(result)
        if on_result:
            on_result(result)
    by_id = {g.article_id: g for g in golds}
    scores = [
        score_article(
            r.article_id, by_id[r.article_id].record, r.extraction.record if r.extraction else None
        )
        for r in results
    ]
    return VersionRun(version, results, scores, figures(scores), latency, model)


def _replay_column(
    model: str, version: str, golds: list[GoldFile], texts: dict[str, Article], cassettes: Path
) -> VersionRun:
    """One column replayed from its cassettes with a client of its own (in a worker process
    of `run_eval`'s `jobs`)."""

    async def column() -> VersionRun:
        async with AsyncExitStack() as stack:
            clients = _Clients(stack)
            return await _run_column(model, version, golds, texts, cassettes, None, None, clients)

    return run_sync(column())


def comparisons(runs: list[VersionRun]) -> list[Comparison]:
    """Each version against its parent on the same model, then each model against each other
    model on the same version (paired bootstrap over articles)."""
    out: list[Comparison] = []
    for run in runs:
        parent = load_prompt(run.prompt).manifest.parent
        older = next((r for r in runs if r.model == run.model and r.prompt == parent), None)
        if older is not None:
            c = compare(older.label, older.scores, run.label, run.scores)
            out.append(c.model_copy(update={"kind": "parent"}))
    for a, b in itertools.combinations(runs, 2):
        if a.prompt == b.prompt and a.model != b.model:
            c = compare(a.label, a.scores, b.label, b.scores)
            out.append(c.model_copy(update={"kind": "model"}))
    return out


def run_eval(
    *,
    cassettes: Path,
    gold_dir: Path,
    articles_dir: Path,
    models: list[str] | None = None,
    prompts: list[str] | None = None,
    endpoint: Endpoint | None = None,
    articles: str = "*",
    record: bool = False,
    on_result: Callable[[RunResult], None] | None = None,
    jobs: int = 1,
) -> EvalRun:
    """Score every recorded (model, version) pair of `models` x `prompts` on the gold articles
    matching `articles`.

    No `models`: every recorded model (or the endpoint's model when one is given); no
    `prompts`: every recorded version of each model. Pairs with no cassette at all are skipped
    and listed in `EvalRun.unrecorded`; a partly recorded pair, or nothing recorded at all,
    raises `MissingCassetteError` naming every missing cassette. With `record`, missing
    cassettes are recorded from `endpoint` (a live server) instead. With `jobs` > 1, that many
    processes replay the columns side by side (a recording runs one column at a time).
    """
    golds = [g for g in load_gold_dir(gold_dir) if fnmatch(g.article_id, articles)]
    if not golds:
        raise InputError(f"no gold articles match {articles!r} in {gold_dir}")
    if record and endpoint is None:
        raise InputError("recording needs the endpoint of a live server")
    texts = articles_for(golds, articles_dir)
    if models is None:
        models = [endpoint.model] if endpoint is not None else recorded_models(cassettes)
    if not models:  # nothing recorded: what recording the default local model would need
        from agreement_llm.serve import DEFAULT_LOCAL_MODEL

        models = [DEFAULT_LOCAL_MODEL]
    for version in prompts or []:
        load_prompt(version)  # an unknown version fails before any work
    wanted = [(m, v) for m in models for v in (prompts or recorded_prompts(cassettes, m))]
    if not wanted:
        raise InputError(
            f"no cassettes for model {', '.join(models)!r} under {cassettes}; name "
            "the prompt versions with --prompts and record them with --record"
        )
    if record:
        pairs = wanted
    else:
        pairs = [(m, v) for m, v in wanted if v in recorded_prompts(cassettes, m)]
        _missing(cassettes, pairs or wanted, golds, articles)
    live = endpoint if record else None

    async def columns() -> list[VersionRun]:  # one at a time: a cassette patches httpx
        async with AsyncExitStack() as stack:
            clients = _Clients(stack)
            return [
                await _run_column(m, v, golds, texts, cassettes, live, on_result, clients)
                for m, v in pairs
            ]

    if jobs > 1 and live is None and len(pairs) > 1:
        runs = []
        with ProcessPoolExecutor(max_workers=min(jobs, len(pairs))) as pool:
            replays = [pool.submit(_replay_column, m, v, golds, texts, cassettes) for m, v in pairs]
            for replay in replays:
                runs.append(replay.result())
                if on_result is not None:
                    for result in runs[-1].results:
                        on_result(result)
    else:
        runs = run_sync(columns())
    unrecorded = [
        p for p in unrecorded_versions(cassettes, models) if not prompts or p[1] in prompts
    ]
    return EvalRun(golds, texts, runs, comparisons(runs), unrecorded)
