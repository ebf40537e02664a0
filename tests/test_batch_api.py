"""The Batch API path against a loopback fake of the Files and Batches endpoints
(`tests/fakebatch.py`, whose answers are scripted test data)."""

from __future__ import annotations

import hashlib
import json
import subprocess
import sys
from collections import Counter
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import httpx
import openai
import pytest
from click.testing import CliRunner

from agreement_llm import (
    AgreementLLMError,
    Article,
    BatchApiOptions,
    batch_status,
    collect_batch,
    extract_with_details,
    read_results,
    submit_batch,
)
from agreement_llm.articles import UnreadableArticle
from agreement_llm.batch_state import BatchLimits
from agreement_llm.cli import main
from agreement_llm.retry import RetryPolicy
from tests.fakebatch import FakeBatchServer
from tests.fakes import VALID
from tests.fakeserver import chat_completion, fake_endpoint

TEXT = "A Corp and B City met on Monday. A and B signed an MoU. Talks went on."


def articles(n: int) -> list[Article]:
    return [Article(f"a{i}", f"{TEXT} Item {i}.") for i in range(n)]


def ok(_line: dict[str, Any]) -> tuple[int, Any]:
    return 200, chat_completion(VALID)


def reasked(line: dict[str, Any]) -> bool:
    return len(line["body"]["messages"]) > 2


def lines_of(out: Path) -> Counter[str]:
    keys = [json.loads(x)["article_id"] for x in out.read_text().splitlines() if x.strip()]
    return Counter(keys)


def run_to_end(server: FakeBatchServer, out: Path, options: BatchApiOptions | None = None) -> int:
    """Collect until nothing is in flight; the number of collects."""
    client = openai.OpenAI(api_key="k", base_url=server.base_url)
    for n in range(1, 30):
        report = collect_batch(
            out, client=client, endpoint=fake_endpoint(server.base_url), options=options
        )
        if not report.in_flight and not report.requests_per_file:
            return n
    raise AssertionError("batches never finished")


def submit(
    server: FakeBatchServer, out: Path, items: Sequence[Article | UnreadableArticle], **kw: Any
) -> Any:
    client = openai.OpenAI(api_key="k", base_url=server.base_url)
    return submit_batch(
        items, out=out, endpoint=fake_endpoint(server.base_url), client=client, **kw
    )


def test_request_line_is_what_a_live_call_sends(tmp_path: Path) -> None:
    sent: list[dict[str, Any]] = []

    def handler(request: httpx.Request) -> httpx.Response:
        sent.append(json.loads(request.content))
        return httpx.Response(200, json=chat_completion(VALID))

    live = openai.OpenAI(
        api_key="k",
        base_url="http://127.0.0.1:1/v1",
        max_retries=0,
        http_client=httpx.Client(transport=httpx.MockTransport(handler)),
    )
    item = articles(1)[0]
    for prompt in ("v1", "v2"):
        sent.clear()
        endpoint = fake_endpoint("http://127.0.0.1:1/v1")
        extract_with_details(item.text, prompt=prompt, endpoint=endpoint, client=live)
        with FakeBatchServer(ok) as server:
            submit(server, tmp_path / f"{prompt}.jsonl", [item], prompt=prompt)
            (data,) = server.files.values()
        (line,) = [json.loads(x) for x in data.splitlines()]
        assert line["body"] == sent[0]
        assert line["url"] == "/v1/chat/completions"
        assert line["method"] == "POST"
        article_id, sha, version, model, step, gen, _ = line["custom_id"].split("|")
        assert (article_id, version, model, step, gen) == ("a0", prompt, "fake", "record", "g0")
        assert sha == hashlib.sha256(item.text.encode()).hexdigest()[:12]


def test_lifecycle_collect_twice_and_resubmit_skip(tmp_path: Path) -> None:
    out = tmp_path / "r.jsonl"
    with FakeBatchServer(ok) as server:
        report = submit(server, out, articles(3))
        assert report.requests_per_file == [3]
        client = openai.OpenAI(api_key="k", base_url=server.base_url)
        seen = [batch_status(out, client=client)[0].status for _ in range(3)]
        assert seen == ["in_progress", "finalizing", "completed"]
        assert run_to_end(server, out) == 1
        assert lines_of(out) == {"a0": 1, "a1": 1, "a2": 1}
        rows = read_results(out)
        assert all(r.status == "ok" and r.extraction for r in rows)
        before = out.read_bytes()
        assert run_to_end(server, out) == 1
        assert out.read_bytes() == before
        again = submit(server, out, articles(4))
        assert again.skipped == 3
        assert again.requests_per_file == [1]
        run_to_end(server, out)
        assert lines_of(out) == {"a0": 1, "a1": 1, "a2": 1, "a3": 1}
        assert server.uploads == 2


def test_collect_before_the_end_writes_nothing(tmp_path: Path) -> None:
    out = tmp_path / "r.jsonl"
    with FakeBatchServer(ok) as server:
        submit(server, out, articles(2))
        client = openai.OpenAI(api_key="k", base_url=server.base_url)
        report = collect_batch(out, client=client, endpoint=fake_endpoint(server.base_url))
        assert report.in_flight == 2
        assert not report.requests_per_file
        assert out.read_text() == ""


def test_invalid_answer_is_reasked_in_a_follow_up_batch(tmp_path: Path) -> None:
    out = tmp_path / "r.jsonl"

    def answer(line: dict[str, Any]) -> tuple[int, Any]:
        return 200, chat_completion(VALID if reasked(line) else '{"agreements": "no"}')

    with FakeBatchServer(answer) as server:
        submit(server, out, articles(2))
        run_to_end(server, out)
        assert len(server.batches) == 2
        assert server.live == 0
        (row0, _row1) = sorted(read_results(out), key=lambda r: r.article_id)
        assert row0.status == "ok"
        assert row0.extraction is not None
        outcomes = [a.outcome for a in row0.extraction.attempts]
        assert outcomes == ["invalid_output", "ok"]


def test_invalid_answers_past_the_reasks_end_as_error_rows(tmp_path: Path) -> None:
    out = tmp_path / "r.jsonl"
    with FakeBatchServer(lambda _: (200, chat_completion('{"agreements": 1}'))) as server:
        submit(server, out, articles(1))
        run_to_end(server, out, BatchApiOptions(retry=RetryPolicy(reasks=1)))
        (row,) = read_results(out)
        assert row.status == "error"
        assert row.error is not None
        assert row.error.kind == "invalid_output"
        assert len(server.batches) == 2


def test_live_retries_send_reasks_live(tmp_path: Path) -> None:
    out = tmp_path / "r.jsonl"

    def answer(line: dict[str, Any]) -> tuple[int, Any]:
        return 200, chat_completion(VALID if reasked(line) else "not json")

    with FakeBatchServer(answer) as server:
        submit(server, out, articles(2))
        run_to_end(server, out, BatchApiOptions(live_retries=True))
        assert len(server.batches) == 1
        assert server.live == 2
        assert all(r.status == "ok" for r in read_results(out))


@pytest.mark.parametrize("end", ["expired", "cancelled", "failed"])
def test_unfinished_requests_are_resubmitted(tmp_path: Path, end: str) -> None:
    out = tmp_path / "r.jsonl"
    with FakeBatchServer(ok, ends=[end], partial=1) as server:
        submit(server, out, articles(3))
        run_to_end(server, out)
        assert lines_of(out) == {"a0": 1, "a1": 1, "a2": 1}
        assert all(r.status == "ok" for r in read_results(out))
        second = json.loads(
            server.files[server.batches["batch-2"]["input_file_id"]].split(b"\n")[0]
        )
        assert second["custom_id"].split("|")[0] in (["a0"] if end == "failed" else ["a1", "a2"])
        assert server.batches["batch-2"]["request_counts"]["total"] == (3 if end == "failed" else 2)


def test_error_file_lines_and_unreadable_bodies(tmp_path: Path) -> None:
    out = tmp_path / "r.jsonl"
    tries: Counter[str] = Counter()

    def answer(line: dict[str, Any]) -> tuple[int, Any]:
        article = line["body"]["messages"][-1]["content"].split("Item ")[-1][:1]
        tries[article] += 1
        if article == "0" and tries[article] == 1:
            return 500, {"error": {"message": "overloaded"}}
        if article == "1":
            return 400, {"error": {"message": "bad request"}}
        if article == "2":
            return 200, {"not": "a completion"}
        return 200, chat_completion(VALID)

    with FakeBatchServer(answer) as server:
        submit(server, out, articles(4))
        run_to_end(server, out, BatchApiOptions(retry=RetryPolicy(transient_attempts=2)))
        rows = {r.article_id: r for r in read_results(out)}
        assert rows["a0"].status == "ok"
        assert rows["a3"].status == "ok"
        assert rows["a1"].error is not None
        assert rows["a1"].error.kind == "http_error"
        assert rows["a2"].error is not None
        assert rows["a2"].error.kind == "bad_response"
        assert tries == {"0": 2, "1": 1, "2": 2, "3": 1}
        assert lines_of(out) == {"a0": 1, "a1": 1, "a2": 1, "a3": 1}


def test_input_over_the_limits_is_split(tmp_path: Path) -> None:
    with FakeBatchServer(ok) as server:
        by_count = submit(
            server,
            tmp_path / "a.jsonl",
            articles(5),
            options=BatchApiOptions(limits=BatchLimits(max_requests=2)),
        )
        assert by_count.requests_per_file == [2, 2, 1]
        size = len(next(iter(server.files.values())).splitlines()[0]) + 1
        by_size = submit(
            server,
            tmp_path / "b.jsonl",
            articles(5),
            options=BatchApiOptions(limits=BatchLimits(max_bytes=3 * size)),
        )
        assert by_size.requests_per_file == [3, 2]
        assert all(len(data) <= 3 * size for data in list(server.files.values())[3:])
        run_to_end(server, tmp_path / "b.jsonl")
        assert len(lines_of(tmp_path / "b.jsonl")) == 5


def test_stepwise_recipe_runs_one_batch_per_step(tmp_path: Path) -> None:
    out = tmp_path / "r.jsonl"
    step1 = {
        "agreements": [
            {
                "evidence": "A and B signed an MoU.",
                "title": None,
                "kind": "memorandum_of_understanding",
                "status": "signed",
                "count": None,
                "parties": [
                    {"name": "A Corp", "short_name": None, "sector": "company", "country": None},
                    {"name": "B City", "short_name": None, "sector": "other", "country": None},
                ],
                "signed_on": {"year": None, "month": None, "day": None, "weekday": None},
                "place": None,
                "areas": [],
                "establishes": [],
                "value": None,
                "duration": None,
            }
        ]
    }

    def answer(line: dict[str, Any]) -> tuple[int, Any]:
        cue = line["body"]["messages"][-1]["content"]
        content = step1 if "step 1" in cue else {"people": []}
        return 200, chat_completion(json.dumps(content))

    with FakeBatchServer(answer) as server:
        submit(server, out, articles(2), prompt="v3")
        run_to_end(server, out)
        steps = [
            {
                json.loads(x)["custom_id"].split("|")[4]
                for x in server.files[b["input_file_id"]].splitlines()
            }
            for b in server.batches.values()
        ]
        assert steps == [{"agreements"}, {"people"}]
        rows = read_results(out)
        assert len(rows) == 2
        assert all(r.status == "ok" for r in rows)
        assert rows[0].extraction is not None
        assert rows[0].extraction.record.agreements


KILLER = """
import os, signal, sys, openai
from agreement_llm import collect_batch
from agreement_llm.results import ResultStore
from tests.fakeserver import fake_endpoint
real, written = ResultStore.append, []
def append(self, row):
    real(self, row)
    written.append(row)
    if len(written) == 3:
        os.kill(os.getpid(), signal.SIGKILL)
ResultStore.append = append
url = sys.argv[2]
collect_batch(sys.argv[1], client=openai.OpenAI(api_key="k", base_url=url),
              endpoint=fake_endpoint(url))
"""


def test_collect_killed_half_way_then_run_again(tmp_path: Path, root: Path) -> None:
    out = tmp_path / "r.jsonl"
    with FakeBatchServer(ok) as server:
        submit(server, out, articles(6))
        client = openai.OpenAI(api_key="k", base_url=server.base_url)
        while batch_status(out, client=client)[0].status != "completed":
            pass
        proc = subprocess.run(
            [sys.executable, "-c", KILLER, str(out), server.base_url],
            cwd=root,
            timeout=120,
            capture_output=True,
        )
        assert proc.returncode == -9, proc.stderr.decode()[-2000:]
        assert sum(lines_of(out).values()) == 3
        run_to_end(server, out)
        assert lines_of(out) == {f"a{i}": 1 for i in range(6)}
        assert len(server.batches) == 1


def test_cli_submit_status_collect(tmp_path: Path) -> None:
    folder = tmp_path / "articles"
    folder.mkdir()
    for item in articles(2):
        (folder / f"{item.article_id}.txt").write_text(item.text)
    out = tmp_path / "r.jsonl"
    runner = CliRunner()
    with FakeBatchServer(ok) as server:
        common = ["--base-url", server.base_url]
        result = runner.invoke(
            main,
            ["batch", "submit", str(folder), "--out", str(out), "--server", "llama_cpp", *common],
        )
        assert result.exit_code == 0, result.output
        for _ in range(3):
            result = runner.invoke(main, ["batch", "status", "--out", str(out)])
            assert result.exit_code == 0, result.output
        assert "\tcompleted\t2\t2\t0\tno" in result.output
        result = runner.invoke(main, ["batch", "collect", "--out", str(out)])
        assert result.exit_code == 0, result.output
        assert lines_of(out) == {"a0": 1, "a1": 1}
        result = runner.invoke(main, ["batch", "status", "--out", str(tmp_path / "none.jsonl")])
        assert result.exit_code == 1
        assert "submit first" in result.output


def test_a_stop_while_creating_a_batch_does_not_create_it_twice(tmp_path: Path) -> None:
    out = tmp_path / "r.jsonl"

    def lost(response: httpx.Response) -> None:
        if response.request.method == "POST" and response.request.url.path.endswith("/batches"):
            raise KeyboardInterrupt  # the process stopped before it recorded the batch

    with FakeBatchServer(ok) as server:
        hooked = openai.OpenAI(
            api_key="k",
            base_url=server.base_url,
            http_client=httpx.Client(event_hooks={"response": [lost]}),
        )
        with pytest.raises(KeyboardInterrupt):
            submit_batch(
                articles(2), out=out, endpoint=fake_endpoint(server.base_url), client=hooked
            )
        assert len(server.batches) == 1
        report = submit(server, out, articles(2))
        assert report.skipped == 2
        assert len(server.batches) == 1
        assert [b.id for b in report.batches] == ["batch-1"]
        run_to_end(server, out)
        assert lines_of(out) == {"a0": 1, "a1": 1}


def test_an_unreadable_file_is_an_error_row_and_the_rest_is_submitted(tmp_path: Path) -> None:
    out = tmp_path / "r.jsonl"
    bad = UnreadableArticle("bad", tmp_path / "bad.txt", "bad.txt: binary file", "0" * 64)
    with FakeBatchServer(ok) as server:
        report = submit(server, out, [*articles(2), bad])
        assert report.requests_per_file == [2]
        assert report.failed == 1
        run_to_end(server, out)
    rows = {r.article_id: r for r in read_results(out)}
    assert rows["bad"].status == "error"
    assert rows["bad"].error is not None
    assert "binary file" in rows["bad"].error.message
    assert [rows["a0"].status, rows["a1"].status] == ["ok", "ok"]


def test_collect_takes_the_results_file_for_one_writer(tmp_path: Path) -> None:
    from agreement_llm.results import ResultStore

    out = tmp_path / "r.jsonl"
    with FakeBatchServer(ok) as server:
        submit(server, out, articles(1))
        holder = ResultStore(out)
        holder.lock()  # another process writing the same results file
        try:
            with pytest.raises(AgreementLLMError, match=r"r\.jsonl"):
                run_to_end(server, out)
        finally:
            holder.unlock()
        run_to_end(server, out)
    assert lines_of(out) == {"a0": 1}
