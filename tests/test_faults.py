"""The fault suite: a real OpenAI-compatible server on 127.0.0.1 answers by script (429, 5xx,
hangs, resets, bodies that are not JSON, output that is not JSON or breaks the schema,
truncation, no choices). extract retries what is transient, re-asks what is invalid, and gives
up with one typed error; extract_many loses and duplicates nothing, even when killed."""

from __future__ import annotations

import asyncio
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from click.testing import CliRunner
from tenacity import RetryCallState

from agreement_llm import (
    ExtractionError,
    RetryPolicy,
    aextract_with_details,
    extract_with_details,
)
from agreement_llm.articles import Article
from agreement_llm.batch import BatchOptions, extract_many
from agreement_llm.cli import main
from agreement_llm.config import Endpoint
from tests.fakeserver import (
    FAULTS,
    VALID_RECORD,
    Behaviour,
    FakeServer,
    chat_completion,
    fake_endpoint,
    fault_corpus,
    faulty,
    healthy,
    marked_faults,
)

ROOT = Path(__file__).resolve().parent.parent
TEXT = "A Corp and B City signed a memorandum of understanding on Monday."
POLICY = RetryPolicy(transient_attempts=3, reasks=1, initial_wait=0.01, max_wait=0.05, jitter=0.01)

PERSISTENT = {
    "429 with Retry-After": ("transient", 3),
    "429 without Retry-After": ("transient", 3),
    "500": ("transient", 3),
    "502": ("transient", 3),
    "503": ("transient", 3),
    "hang past the timeout": ("transient", 3),
    "reset mid-body": ("transient", 3),
    "non-JSON body": ("bad_response", 3),
    "content not JSON": ("invalid_output", 2),
    "JSON against the schema": ("invalid_output", 2),
    "truncated (length)": ("truncated", 1),
    "empty choices": ("empty_response", 3),
}


def _endpoint(server: FakeServer, kind: str = "hang past the timeout") -> Endpoint:
    """The fake server's endpoint; a request times out after 0.5 s only where the fault is a
    hang (elsewhere a loaded machine's slow answer would be one more, unscripted, fault)."""
    timeout = 0.5 if kind == "hang past the timeout" else 30.0
    return fake_endpoint(server.base_url, api_key="sk-test-FAULTS-0123456789", timeout=timeout)


@pytest.mark.parametrize("kind", sorted(FAULTS))
def test_a_single_fault_is_recovered_or_reported(kind: str) -> None:
    with FakeServer(faulty(kind, 1), max_requests=10, max_seconds=30) as server:
        if kind == "truncated (length)":  # the same request would be cut off again
            with pytest.raises(ExtractionError) as info:
                extract_with_details(
                    TEXT, prompt="v1", endpoint=_endpoint(server, kind), retry=POLICY
                )
            assert info.value.kind == "truncated"
            return
        result = extract_with_details(
            TEXT, prompt="v1", endpoint=_endpoint(server, kind), retry=POLICY
        )
    assert [p.name for p in result.record.agreements[0].parties] == ["A Corp", "B City"]
    assert len(result.attempts) == 2
    assert result.attempts[0].outcome != "ok"
    assert result.attempts[1].outcome == "ok"


def _extract(client: str, endpoint: Endpoint) -> None:
    """One extraction through the sync or the async client (the one batches use)."""
    if client == "async":
        asyncio.run(aextract_with_details(TEXT, prompt="v1", endpoint=endpoint, retry=POLICY))
    else:
        extract_with_details(TEXT, prompt="v1", endpoint=endpoint, retry=POLICY)


@pytest.mark.parametrize("client", ["sync", "async"])
@pytest.mark.parametrize("kind", sorted(FAULTS))
def test_a_persistent_fault_ends_in_one_typed_error(kind: str, client: str) -> None:
    expected_kind, expected_attempts = PERSISTENT[kind]
    with FakeServer(faulty(kind, 99), max_requests=20, max_seconds=30) as server:
        with pytest.raises(ExtractionError) as info:
            _extract(client, _endpoint(server, kind))
        assert len(server.requests) == expected_attempts
    err = info.value
    assert err.kind == expected_kind
    assert len(err.attempts) == expected_attempts
    assert "\n" not in str(err)
    assert f"after {expected_attempts} request" in str(err)
    assert "FAULTS-0123456789" not in str(err)
    if expected_kind in ("invalid_output", "truncated"):
        assert err.last_raw is not None
        assert err.usage.total_tokens > 0


def test_retry_after_is_honoured() -> None:
    wait = Behaviour(status=429, headers={"retry-after": "1"}, body={"error": "slow"})
    good = Behaviour(body=chat_completion(VALID_RECORD))
    with FakeServer(lambda r, n: wait if n == 0 else good, max_requests=5) as server:
        start = time.monotonic()
        extract_with_details(TEXT, prompt="v1", endpoint=_endpoint(server), retry=POLICY)
        assert time.monotonic() - start >= 0.95


def test_backoff_grows_with_jitter_and_is_capped() -> None:
    policy = RetryPolicy(initial_wait=1.0, max_wait=8.0, jitter=0.5)
    wait = policy.transient().wait
    state = RetryCallState(retry_object=policy.transient(), fn=None, args=(), kwargs={})
    waits = []
    for attempt in range(1, 7):
        state.attempt_number = attempt
        waits.append(wait(state))
    assert 1.0 <= waits[0] <= 1.5
    assert 2.0 <= waits[1] <= 2.5
    assert all(w <= 8.0 + 0.5 for w in waits)
    assert waits[-1] >= 8.0


def test_the_cli_reports_a_persistent_fault_in_one_line(tmp_path: Path) -> None:
    article = tmp_path / "a.txt"
    article.write_text(TEXT)
    with FakeServer(faulty("429 with Retry-After", 99), max_requests=20) as server:
        result = CliRunner().invoke(
            main, ["extract", str(article), "--base-url", server.base_url, "--server", "llama_cpp"]
        )
    assert result.exit_code == 1
    lines = result.output.strip().splitlines()
    assert len(lines) == 1
    assert lines[0].startswith("Error: extraction failed (transient) after 5 requests")


def _corpus() -> list[Article]:
    return [Article(aid, text) for aid, text in fault_corpus(TEXT, 6)]


def test_a_mixed_corpus_loses_nothing_and_a_second_run_retries_only_failures(
    tmp_path: Path,
) -> None:
    out = tmp_path / "results.jsonl"
    articles = _corpus()
    options = BatchOptions(concurrency=6, out=out, cache=False, retry=POLICY)
    with FakeServer(marked_faults(), max_seconds=120) as server:
        first = extract_many(articles, prompt="v1", endpoint=_endpoint(server), options=options)
    ids = [json.loads(line)["article_id"] for line in out.read_text().splitlines()]
    assert sorted(ids) == sorted(a.article_id for a in articles)  # none lost, none twice
    failed = {r.article_id for r in first.failed}
    truncated_once = f"f{sorted(FAULTS).index('truncated (length)')}x1"  # not retried by design
    assert failed == {a.article_id for a in articles if a.article_id.endswith("x99")} | {
        truncated_once
    }
    with FakeServer(healthy()) as server:
        # a healthy server, and a timeout long enough that a loaded machine adds no retries
        patient = fake_endpoint(server.base_url, api_key="sk-test-FAULTS-0123456789", timeout=30)
        second = extract_many(articles, prompt="v1", endpoint=patient, options=options)
        retried = len(server.requests)
    assert retried == len(failed)
    assert second.summary.skipped == len(articles) - len(failed)
    rows = [json.loads(line) for line in out.read_text().splitlines()]
    assert sorted(r["article_id"] for r in rows) == sorted(a.article_id for a in articles)
    assert all(r["status"] == "ok" for r in rows)


@pytest.mark.parametrize("how", [signal.SIGKILL, signal.SIGINT], ids=["killed", "ctrl-c"])
def test_a_run_stopped_mid_way_resumes_to_every_article_exactly_once(
    tmp_path: Path, how: signal.Signals
) -> None:
    folder = tmp_path / "articles"
    folder.mkdir()
    n = 40
    for i in range(n):
        (folder / f"a{i:02d}.txt").write_text(f"{TEXT} ({i})")
    out = tmp_path / "results.jsonl"
    env = {**os.environ, "AGREEMENT_LLM_CACHE_DIR": str(tmp_path / "cache")}
    with FakeServer(healthy(delay=0.15), max_seconds=120) as server:
        cmd = [
            sys.executable,
            "-m",
            "agreement_llm.cli",
            "extract",
            str(folder),
            "--out",
            str(out),
            "--base-url",
            server.base_url,
            "--server",
            "llama_cpp",
            "--concurrency",
            "4",
            "--no-cache",
        ]
        proc = subprocess.Popen(
            cmd,
            cwd=ROOT,
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            text=True,
            # as from a terminal: a background job (CI, say) would pass SIGINT on ignored
            preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL),
        )
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if out.exists() and len(out.read_text().splitlines()) >= 12:
                break
            time.sleep(0.02)
        proc.send_signal(how)
        _, err = proc.communicate(timeout=60)
        done_at_kill = len(out.read_text().splitlines())
        if how is signal.SIGINT:  # Ctrl-C: a clean stop that says how to go on
            assert proc.returncode == 130, err
            assert f"interrupted: {done_at_kill} articles are in {out}" in err
            assert "run the same command again to resume" in err
            assert "Traceback" not in err
        assert 12 <= done_at_kill < n
        before = len(server.requests)
        resumed = subprocess.run(
            cmd, cwd=ROOT, env=env, capture_output=True, text=True, timeout=120
        )
        assert resumed.returncode == 0, resumed.stderr
        assert len(server.requests) - before == n - done_at_kill
    rows = [json.loads(line) for line in out.read_text().splitlines()]
    assert sorted(r["article_id"] for r in rows) == [f"a{i:02d}" for i in range(n)]
    assert all(r["status"] == "ok" for r in rows)
