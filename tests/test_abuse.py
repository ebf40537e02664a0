"""The abuse suite of issue 22: what a demanding user does to a batch (two writers on one file,
hand-edited results, full disks, tampered caches, trickling or hostile servers, refused keys,
keys of any shape, bad folders, silly options, huge articles). Loopback only, bounded."""

from __future__ import annotations

import asyncio
import functools
import json
import logging
import os
import resource
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import openai
import pytest
from click.testing import CliRunner

from agreement_llm import ExtractionError, InputError, RetryPolicy, extract_with_details
from agreement_llm.articles import Article, read_articles, scan_articles
from agreement_llm.batch import (
    BatchOptions,
    BatchResult,
    BatchStoppedError,
    RateLimiter,
    aextract_many,
    extract_many,
)
from agreement_llm.cache import ResultCache
from agreement_llm.cli import main
from agreement_llm.grounding import ground
from agreement_llm.results import ResultsLockedError, ResultStore
from tests.fakeserver import VALID_RECORD, Behaviour, FakeServer, chat_completion, fake_endpoint

ROOT = Path(__file__).resolve().parent.parent
TEXT = "A Corp and B City signed a memorandum of understanding on Monday."
FAST = RetryPolicy(transient_attempts=2, reasks=0, initial_wait=0.01, max_wait=0.02, jitter=0.0)
GOOD = Behaviour(body=chat_completion(VALID_RECORD))


def _articles(n: int) -> list[Article]:
    return [Article(f"a{i:02d}", f"{TEXT} ({i})") for i in range(n)]


def _ids(out: Path) -> list[str]:
    return [json.loads(line)["article_id"] for line in out.read_bytes().splitlines()]


def _cli(folder: Path, out: Path, url: str, *more: str) -> list[str]:
    return [
        sys.executable,
        "-m",
        "agreement_llm.cli",
        "extract",
        str(folder),
        "--out",
        str(out),
        "--base-url",
        url,
        "--server",
        "llama_cpp",
        "--no-cache",
        *more,
    ]


def _folder(tmp_path: Path, n: int) -> Path:
    folder = tmp_path / "articles"
    folder.mkdir()
    for i in range(n):
        (folder / f"a{i:02d}.txt").write_text(f"{TEXT} ({i})")
    return folder


# 1. one writer per results file


def test_a_second_writer_is_refused_at_once_naming_the_file_and_the_holder(
    tmp_path: Path,
) -> None:
    folder = _folder(tmp_path, 12)
    out = tmp_path / "results.jsonl"
    env = {**os.environ, "AGREEMENT_LLM_CACHE_DIR": str(tmp_path / "cache")}
    with FakeServer(lambda r, n: Behaviour(body=GOOD.body, delay=0.3), max_seconds=120) as server:
        first = subprocess.Popen(
            _cli(folder, out, server.base_url, "--concurrency", "1"),
            cwd=ROOT,
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        lock = out.with_name(out.name + ".lock")
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and not (lock.exists() and lock.read_text().strip()):
            time.sleep(0.05)
        start = time.monotonic()
        with FakeServer(lambda r, n: GOOD) as other:  # the second's requests, counted apart
            second = subprocess.run(
                _cli(folder, out, other.base_url), cwd=ROOT, env=env, capture_output=True, text=True
            )
            sent_by_second = other.count
        took = time.monotonic() - start
        first.kill()  # a dead holder: its lock goes with it
        first.wait(30)
        done = len(_ids(out))
        third = subprocess.run(
            _cli(folder, out, server.base_url), cwd=ROOT, env=env, capture_output=True, text=True
        )
    assert second.returncode == 1
    lines = second.stderr.strip().splitlines()
    assert lines == [
        f"Error: {out} is being written by another process (PID {first.pid}); "
        "wait for it to finish, or write to another file"
    ]
    assert took < 30  # at once: no request waited for (the first takes ~4 s)
    assert sent_by_second == 0
    assert done < 12
    assert third.returncode == 0, third.stderr
    assert sorted(_ids(out)) == [f"a{i:02d}" for i in range(12)]


def test_a_lock_file_left_by_a_dead_process_does_not_block(tmp_path: Path) -> None:
    out = tmp_path / "results.jsonl"
    out.with_name(out.name + ".lock").write_text("999999\n")  # no OS lock held on it
    with FakeServer(lambda r, n: GOOD) as server:
        ep = fake_endpoint(server.base_url)
        result = extract_many(
            _articles(2), prompt="v1", endpoint=ep, options=BatchOptions(out=out, cache=False)
        )
    assert result.summary.extracted == 2


def test_the_lock_is_held_for_the_run_and_released_after(tmp_path: Path) -> None:
    out = tmp_path / "results.jsonl"
    holder = ResultStore(out)
    holder.lock()
    with FakeServer(lambda r, n: GOOD) as server:
        ep = fake_endpoint(server.base_url)
        with pytest.raises(ResultsLockedError, match=rf"PID {os.getpid()}\)"):
            extract_many(_articles(2), prompt="v1", endpoint=ep, options=BatchOptions(out=out))
        assert server.count == 0
        holder.unlock()
        extract_many(_articles(2), prompt="v1", endpoint=ep, options=BatchOptions(out=out))
    ResultStore(out).lock()  # released by the batch


# 2. resume never deletes what it cannot read


def test_rows_with_fields_of_the_users_own_count_as_done_and_keep_them(tmp_path: Path) -> None:
    out = tmp_path / "results.jsonl"
    articles = _articles(5)
    options = BatchOptions(out=out, cache=False)
    with FakeServer(lambda r, n: GOOD) as server:
        ep = fake_endpoint(server.base_url)
        extract_many(articles, prompt="v1", endpoint=ep, options=options)
        rows = [json.loads(line) for line in out.read_text().splitlines()]
        out.write_text("".join(json.dumps({**r, "reviewed_by": "ana"}) + "\n" for r in rows))
        before = server.count
        second = extract_many(articles, prompt="v1", endpoint=ep, options=options)
        assert server.count == before
    assert second.summary.skipped == 5
    assert all(json.loads(line)["reviewed_by"] == "ana" for line in out.read_text().splitlines())


def test_an_invalid_utf8_line_is_set_aside_counted_and_reported(tmp_path: Path) -> None:
    out = tmp_path / "results.jsonl"
    articles = _articles(3)
    options = BatchOptions(out=out, cache=False)
    with FakeServer(lambda r, n: GOOD) as server:
        ep = fake_endpoint(server.base_url)
        extract_many(articles[:2], prompt="v1", endpoint=ep, options=options)
        bad = b'{"article_id": "a02", "note": "caf\xe9"}\n'
        with out.open("ab") as f:
            f.write(bad)
        second = extract_many(articles, prompt="v1", endpoint=ep, options=options)
    assert sorted(_ids(out)) == ["a00", "a01", "a02"]
    assert out.with_name(out.name + ".unreadable").read_bytes() == bad
    assert second.notes == [
        f"1 lines of {out} could not be read; they are kept in "
        f"{out.with_name(out.name + '.unreadable')} and their articles run again"
    ]


# 3. disk full / read-only


def _limit_file_size(limit: int) -> None:  # runs in the child before exec
    resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))
    signal.signal(signal.SIGXFSZ, signal.SIG_IGN)


def test_a_full_disk_stops_with_one_line_and_loses_no_answer(tmp_path: Path) -> None:
    n = 20
    folder = _folder(tmp_path, n)
    out = tmp_path / "results.jsonl"
    env = {**os.environ, "AGREEMENT_LLM_CACHE_DIR": str(tmp_path / "cache")}
    with FakeServer(lambda r, n: GOOD, max_seconds=120) as server:
        full = subprocess.run(
            _cli(folder, out, server.base_url, "--concurrency", "2"),
            cwd=ROOT,
            env=env,
            capture_output=True,
            text=True,
            timeout=120,
            preexec_fn=lambda: _limit_file_size(12_000),
        )
        lines = out.read_bytes().splitlines()
        assert all(json.loads(line)["status"] == "ok" for line in lines)  # each row whole
        rescue = out.with_name(out.name + ".rescue")
        kept = len(lines) + len(rescue.read_bytes().splitlines())
        paid_first = server.count
        resumed = subprocess.run(
            _cli(folder, out, server.base_url), cwd=ROOT, env=env, capture_output=True, text=True
        )
        paid_second = server.count - paid_first
    assert full.returncode == 1
    assert "Traceback" not in full.stderr
    errors = [x for x in full.stderr.splitlines() if x.startswith("Error:")]
    assert len(errors) == 1
    assert "stopped:" in errors[0]
    assert "File too large" in errors[0]
    assert "run the same command again to resume" in errors[0]
    assert 0 < len(lines) < n
    assert resumed.returncode == 0, resumed.stderr
    assert "rows saved from an earlier full disk were merged" in resumed.stderr
    ids = _ids(out)
    assert sorted(ids) == [f"a{i:02d}" for i in range(n)]  # none lost, none twice
    assert kept == len(lines) + 1  # the answer that did not fit was kept aside
    assert paid_second == n - kept  # every answer received was kept: none paid twice
    assert not rescue.exists()


def test_a_short_write_is_completed_not_taken_as_done(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    out = tmp_path / "results.jsonl"
    real_write = os.write

    def short(fd: int, data: bytes | memoryview) -> int:
        return real_write(fd, bytes(data[:7]))  # the kernel may write less than asked

    with FakeServer(lambda r, n: GOOD) as server:
        ep = fake_endpoint(server.base_url)
        monkeypatch.setattr(os, "write", short)
        extract_many(_articles(3), prompt="v1", endpoint=ep, options=BatchOptions(out=out))
        monkeypatch.undo()
    assert sorted(_ids(out)) == ["a00", "a01", "a02"]


def test_a_cache_that_cannot_be_written_is_a_warning_not_a_stop(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("")
    cache = ResultCache(blocker / "cache")  # cannot be created: a file is in the way
    with FakeServer(lambda r, n: GOOD) as server:
        ep = fake_endpoint(server.base_url)
        with caplog.at_level(logging.WARNING, logger="agreement_llm"):
            result = extract_many(
                _articles(3), prompt="v1", endpoint=ep, options=BatchOptions(cache=cache)
            )
    assert result.summary.extracted == 3
    assert "3 results could not be written to the cache" in result.notes
    assert "the batch goes on" in caplog.text


# 4. cache entries are checked


def test_a_cache_entry_of_another_model_is_ignored_and_reported(tmp_path: Path) -> None:
    cache = ResultCache(tmp_path / "cache")
    articles = _articles(1)
    with FakeServer(lambda r, n: GOOD) as server:
        ep = fake_endpoint(server.base_url)
        extract_many(articles, prompt="v1", endpoint=ep, options=BatchOptions(cache=cache))
        [entry] = (tmp_path / "cache").rglob("*.json")
        data = json.loads(entry.read_text())
        entry.write_text(json.dumps({**data, "model": "another-model"}))
        again = extract_many(articles, prompt="v1", endpoint=ep, options=BatchOptions(cache=cache))
        assert server.count == 2  # asked again, not served the wrong model's record
    assert again.summary.cached == 0
    assert "1 cache entries did not match their key and were ignored" in again.notes


def test_grounding_is_recomputed_from_the_article_on_a_hit(tmp_path: Path) -> None:
    cache = ResultCache(tmp_path / "cache")
    articles = _articles(1)
    with FakeServer(lambda r, n: GOOD) as server:
        ep = fake_endpoint(server.base_url)
        extract_many(articles, prompt="v1", endpoint=ep, options=BatchOptions(cache=cache))
        [entry] = (tmp_path / "cache").rglob("*.json")
        data = json.loads(entry.read_text())
        data["grounding"]["spans"] = []  # a cache tampered with, or of an older grounding
        entry.write_text(json.dumps(data))
        again = extract_many(articles, prompt="v1", endpoint=ep, options=BatchOptions(cache=cache))
    [row] = again.rows
    assert row.cached
    assert row.extraction is not None
    expected = ground(row.extraction.record, articles[0].text)
    assert row.extraction.grounding == expected
    assert expected.spans


def test_the_cache_is_private_to_the_user(tmp_path: Path) -> None:
    root = tmp_path / "cache"
    with FakeServer(lambda r, n: GOOD) as server:
        ep = fake_endpoint(server.base_url)
        extract_many(
            _articles(1), prompt="v1", endpoint=ep, options=BatchOptions(cache=ResultCache(root))
        )
    [entry] = root.rglob("*.json")
    assert root.stat().st_mode & 0o777 == 0o700
    assert entry.parent.stat().st_mode & 0o777 == 0o700
    assert entry.stat().st_mode & 0o777 == 0o600


# 5. a deadline per request


@pytest.mark.parametrize("client", ["sync", "async"])
def test_a_trickling_server_does_not_hold_a_request_past_the_timeout(client: str) -> None:
    trickle = Behaviour(body=chat_completion(VALID_RECORD), trickle=0.05)  # ~25 s a body
    with FakeServer(lambda r, n: trickle, max_seconds=120) as server:
        ep = fake_endpoint(server.base_url, timeout=1.0)
        start = time.monotonic()
        run = (
            functools.partial(extract_with_details, TEXT, prompt="v1", endpoint=ep, retry=FAST)
            if client == "sync"
            else functools.partial(asyncio.run, _aextract(ep))
        )
        with pytest.raises(ExtractionError) as info:
            run()
        took = time.monotonic() - start
    assert info.value.kind == "transient"
    assert len(info.value.attempts) == 2
    assert "within the 1 s timeout" in str(info.value)
    assert took < 12  # two deadlines of 1 s, with room for a loaded machine


async def _aextract(ep: object) -> None:
    from agreement_llm import aextract_with_details

    await aextract_with_details(TEXT, prompt="v1", endpoint=ep, retry=FAST)  # type: ignore[arg-type]


# 6. size caps


def test_an_answer_above_the_size_limit_is_refused_as_bad_response() -> None:
    huge = Behaviour(body=chat_completion("[" + "1," * 1_500_000 + "1]"))  # ~3 MB
    with (
        FakeServer(lambda r, n: huge, max_seconds=60) as server,
        pytest.raises(ExtractionError) as info,
    ):
        extract_with_details(TEXT, prompt="v1", endpoint=fake_endpoint(server.base_url), retry=FAST)
    assert info.value.kind == "bad_response"
    assert "larger than 2,000,000 bytes" in str(info.value)


def test_a_record_with_more_items_than_the_prompt_allows_is_refused() -> None:
    one = json.loads(VALID_RECORD)["agreements"][0]
    many = chat_completion(json.dumps({"agreements": [one] * 60}))
    with (
        FakeServer(lambda r, n: Behaviour(body=many)) as server,
        pytest.raises(ExtractionError) as info,
    ):
        extract_with_details(TEXT, prompt="v1", endpoint=fake_endpoint(server.base_url), retry=FAST)
    assert info.value.kind == "bad_response"
    assert "a list of 60 items, above the prompt's max_items=8" in str(info.value)
    assert info.value.attempts[-1].outcome == "bad_response"


# 7. typed errors only


def _no_message() -> dict[str, object]:
    body = chat_completion(VALID_RECORD)
    del body["choices"][0]["message"]
    return body


@pytest.mark.parametrize(
    ("body", "kind", "says"),
    [
        (_no_message(), "bad_response", "the answer's choice 0 has no message"),
        (chat_completion(None), "empty_response", "the model returned no content"),
        (chat_completion("   "), "empty_response", "the model returned no content"),
        ({"choices": [{"message": {"content": VALID_RECORD}}]}, None, None),  # sparse but fine
    ],
    ids=["no message", "content null", "content blank", "sparse"],
)
def test_what_the_server_does_is_a_typed_error_that_says_it(
    body: dict[str, object], kind: str | None, says: str | None
) -> None:
    with FakeServer(lambda r, n: Behaviour(body=body)) as server:
        ep = fake_endpoint(server.base_url)
        if kind is None:
            result = extract_with_details(TEXT, prompt="v1", endpoint=ep, retry=FAST)
            assert result.record.agreements
            return
        with pytest.raises(ExtractionError) as info:
            extract_with_details(TEXT, prompt="v1", endpoint=ep, retry=FAST)
    assert info.value.kind == kind
    assert says is not None
    assert says in str(info.value)
    assert len(info.value.attempts) == 2
    assert all(a.error == says for a in info.value.attempts)


# 8. batches stop early on fatal errors


def test_a_refused_key_stops_the_batch_after_a_short_run(tmp_path: Path) -> None:
    refused = Behaviour(status=401, body={"error": {"message": "invalid api key"}})
    out = tmp_path / "results.jsonl"
    with FakeServer(lambda r, n: refused) as server:
        ep = fake_endpoint(server.base_url)
        options = BatchOptions(out=out, cache=False, concurrency=4, retry=FAST, stop_after=5)
        with pytest.raises(BatchStoppedError) as info:
            extract_many(_articles(200), prompt="v1", endpoint=ep, options=options)
        sent = server.count
    message = str(info.value)
    assert "\n" not in message
    assert message.startswith("stopped after 5 failures in a row (HTTP 401: the API key was")
    assert f"the rows done are in {out}" in message
    assert "again to resume" in message
    assert sent <= 5 + 4  # the run, and the requests already in flight (cancelled)
    assert 5 <= len(_ids(out)) <= sent  # the run's rows (and any that landed meanwhile)


def test_a_dead_server_stops_the_batch_quickly() -> None:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]  # closed when the block ends: nothing listens there
    ep = fake_endpoint(f"http://127.0.0.1:{port}/v1", timeout=5)
    start = time.monotonic()
    with pytest.raises(BatchStoppedError, match=r"cannot connect to llama_cpp:fake@127\.0\.0\.1"):
        extract_many(
            _articles(40),
            prompt="v1",
            endpoint=ep,
            options=BatchOptions(cache=False, concurrency=2, retry=FAST, stop_after=3),
        )
    assert time.monotonic() - start < 30


def test_a_long_retry_after_is_shown_and_capped(caplog: pytest.LogCaptureFixture) -> None:
    wait = Behaviour(status=429, headers={"retry-after": "600"}, body={"error": "slow down"})
    policy = RetryPolicy(transient_attempts=2, reasks=0, max_retry_after=6.0)
    with (
        FakeServer(lambda r, n: wait if n == 0 else GOOD) as server,
        caplog.at_level(logging.WARNING, logger="agreement_llm"),
    ):
        start = time.monotonic()
        extract_with_details(
            TEXT, prompt="v1", endpoint=fake_endpoint(server.base_url), retry=policy
        )
        took = time.monotonic() - start
    assert 5.5 <= took < 60
    assert "waiting 6 s (capped from 600 s) before retrying" in caplog.text


# 9. keys never leak, whatever their shape


def test_a_key_of_any_shape_is_redacted_everywhere(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    key = "hunter2.corp/Key+42"  # nothing like sk-...
    echo = Behaviour(status=400, body={"error": {"message": f"bad request for key {key}"}})
    out = tmp_path / "results.jsonl"

    async def run(url: str) -> BatchResult:
        async with openai.AsyncOpenAI(api_key=key, base_url=url, max_retries=0) as client:
            return await aextract_many(
                [TEXT],
                prompt="v1",
                client=client,
                options=BatchOptions(out=out, cache=False, retry=FAST),
            )

    with FakeServer(lambda r, n: echo) as server, caplog.at_level(logging.DEBUG):
        result = asyncio.run(run(server.base_url))
    [row] = result.rows
    assert row.error is not None
    assert row.error.attempts
    assert "bad request for key ***" in row.error.message
    assert key not in out.read_text()
    assert key not in caplog.text


# 10. one bad file does not stop a folder


def test_bad_files_become_error_rows_and_the_rest_run(tmp_path: Path) -> None:
    folder = tmp_path / "in"
    (folder / "sub").mkdir(parents=True)
    (folder / "good.txt").write_text(TEXT)
    (folder / "binary.txt").write_bytes(b"\x89PNG\x00\x01")
    (folder / "latin1.txt").write_bytes("Caf\xe9 and B City signed.".encode("latin-1"))
    (folder / "utf16.txt").write_bytes(("\ufeff" + TEXT + " (16)").encode("utf-16-le"))
    (folder / "utf32.txt").write_bytes(("\ufeff" + TEXT + " (32)").encode("utf-32-be"))
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    (elsewhere / "linked.txt").write_text(TEXT + " (linked)")
    (folder / "sub" / "link").symlink_to(elsewhere, target_is_directory=True)
    (folder / "sub" / "loop").symlink_to(folder, target_is_directory=True)  # back up: a loop
    out = tmp_path / "results.jsonl"
    with FakeServer(lambda r, n: GOOD) as server:
        result = CliRunner().invoke(
            main,
            [
                "extract",
                str(folder),
                "--out",
                str(out),
                "--base-url",
                server.base_url,
                "--server",
                "llama_cpp",
                "--no-cache",
            ],
        )
        sent = server.count
    rows = {json.loads(x)["article_id"]: json.loads(x) for x in out.read_text().splitlines()}
    assert result.exit_code == 1
    assert sent == 4
    assert {k for k, r in rows.items() if r["status"] == "ok"} == {
        "good",
        "utf16",
        "utf32",
        "linked",
    }
    assert rows["binary"]["error"]["message"] == f"{folder / 'binary.txt'}: binary file, not text"
    assert "latin1.txt: not UTF-8 text (byte 3)" in rows["latin1"]["error"]["message"]
    assert rows["binary"]["error"]["kind"] == "input"
    assert "2 files could not be read: binary, latin1" in result.output


def test_a_folder_scan_names_each_bad_file_and_reads_the_rest(tmp_path: Path) -> None:
    (tmp_path / "a.txt").write_text(TEXT)
    (tmp_path / "b.txt").write_bytes(b"\xff\xfeA\x00\x00\xd8")  # UTF-16 BOM, broken surrogate
    scan = scan_articles(tmp_path)
    assert [a.article_id for a in scan.articles] == ["a"]
    assert [u.article_id for u in scan.unreadable] == ["b"]
    assert "not UTF-16 text" in scan.summary
    with pytest.raises(InputError, match="1 file could not be read"):
        read_articles(tmp_path)


# 11. option values


@pytest.mark.parametrize("value", ["nan", "inf", "-inf", "0", "-3"])
@pytest.mark.parametrize("option", ["--rpm", "--tpm"])
def test_non_finite_or_non_positive_rates_are_refused(
    tmp_path: Path, option: str, value: str
) -> None:
    article = tmp_path / "a.txt"
    article.write_text(TEXT)
    result = CliRunner().invoke(
        main,
        [
            "extract",
            str(article),
            "--out",
            str(tmp_path / "r.jsonl"),
            option,
            value,
            "--base-url",
            "http://127.0.0.1:9/v1",
        ],
    )
    assert result.exit_code == 1
    [line] = result.output.strip().splitlines()
    assert "per minute must be positive and finite" in line
    with pytest.raises(InputError):
        BatchOptions(requests_per_minute=float(value))
    with pytest.raises(InputError):
        BatchOptions(tokens_per_minute=float(value))
    with pytest.raises(InputError):
        RateLimiter(float(value))


# 12. huge input


def test_a_huge_article_is_refused_before_any_request(tmp_path: Path) -> None:
    huge = TEXT + " filler" * 40_000  # ~290,000 characters, context unknown
    out = tmp_path / "results.jsonl"
    with FakeServer(lambda r, n: GOOD) as server:
        ep = fake_endpoint(server.base_url)
        assert ep.context_tokens is None
        with pytest.raises(InputError, match="article too long: 2"):
            extract_with_details(huge, prompt="v1", endpoint=ep, retry=FAST)
        result = extract_many(
            [Article("huge", huge), Article("small", TEXT)],
            prompt="v1",
            endpoint=ep,
            options=BatchOptions(out=out, cache=False),
        )
        small = extract_many(
            [Article("mid", TEXT * 40)],
            prompt="v1",
            endpoint=ep,
            options=BatchOptions(cache=False, max_article_chars=1_000),
        )
        assert server.count == 1  # only the small article was sent
    huge_row, small_row = result.rows
    assert huge_row.error is not None
    assert huge_row.error.kind == "input"
    assert "above the limit of 200,000" in huge_row.error.message
    assert small_row.status == "ok"
    assert small.rows[0].error is not None
    assert "limit of 1,000" in small.rows[0].error.message
