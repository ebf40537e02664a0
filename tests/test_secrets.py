"""A recognisable fake API key never reaches a cassette, a log, a report, a results file, an
exception message or a repr, on any path that could leak it."""

from __future__ import annotations

import logging
from dataclasses import replace
from pathlib import Path

import pytest
from click.testing import CliRunner

from agreement_llm import ExtractionError, extract_with_details, resolve_endpoint
from agreement_llm.cli import main
from agreement_llm.config import local_endpoint
from tests.fakeserver import FAULTS, Behaviour, FakeServer, chat_completion, faulty

KEY = "sk-test-RECOGNISABLE-SECRET-0123456789"
ROOT = Path(__file__).resolve().parent.parent


def _leaks(folder: Path) -> list[Path]:
    return [p for p in folder.rglob("*") if p.is_file() and KEY.encode() in p.read_bytes()]


def test_no_path_leaks_the_key(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    monkeypatch.setenv("OPENAI_API_KEY", KEY)
    caplog.set_level(logging.DEBUG)
    seen: list[str] = []
    refusing = Behaviour(status=401, body={"error": {"message": f"Incorrect API key: {KEY}"}})
    good = Behaviour(
        body=chat_completion(
            '{"agreements": [{"evidence": "A Corp and B City signed an MoU.", '
            '"parties": [{"name": "A Corp"}, {"name": "B City"}]}]}'
        )
    )
    with FakeServer(lambda r, n: good, max_seconds=60) as server:
        monkeypatch.setenv("OPENAI_BASE_URL", server.base_url)
        endpoint = resolve_endpoint(server="llama_cpp")
        assert KEY not in repr(endpoint)
        result = extract_with_details("A Corp and B City signed an MoU.", prompt="v1")
        seen += [repr(result), result.model_dump_json()]
        runner = CliRunner()
        cassettes, reports = tmp_path / "cassettes", tmp_path / "reports"
        out = runner.invoke(
            main,
            [
                "eval",
                "--prompts",
                "v1",
                "--articles",
                "seed_0[12]",
                "--record",
                "--base-url",
                server.base_url,
                "--server",
                "llama_cpp",
                "--model",
                "fake",
                "--cassettes",
                str(cassettes),
                "--report",
                str(reports),
            ],
        )
        assert out.exit_code == 0, out.output
        seen.append(out.output)
        batch = runner.invoke(
            main,
            [
                "extract",
                str(ROOT / "eval" / "articles" / "seed_01.txt"),
                "--out",
                str(tmp_path / "results.jsonl"),
                "--server",
                "llama_cpp",
                "--no-cache",
            ],
        )
        assert batch.exit_code == 0, batch.output
        seen.append(batch.output)
        assert (cassettes / "fake" / "v1" / "seed_01.yaml").exists()
        assert (reports / "report.html").exists()
    with FakeServer(lambda r, n: refusing, max_seconds=30) as server:
        monkeypatch.setenv("OPENAI_BASE_URL", server.base_url)
        with pytest.raises(ExtractionError) as info:
            extract_with_details("A Corp and B City signed an MoU.", prompt="v1")
        seen += [str(info.value), repr(info.value), repr(info.value.attempts)]
        failed = CliRunner().invoke(
            main,
            ["extract", str(ROOT / "eval" / "articles" / "seed_01.txt"), "--server", "llama_cpp"],
        )
        assert failed.exit_code == 1
        seen.append(failed.output)
    with FakeServer(faulty("hang past the timeout", 99), max_seconds=10) as server:
        monkeypatch.setenv("OPENAI_BASE_URL", server.base_url)
        monkeypatch.setenv("AGREEMENT_LLM_TIMEOUT", "0.3")
        from agreement_llm import RetryPolicy

        with pytest.raises(ExtractionError) as hung:
            extract_with_details(
                "A Corp and B City signed an MoU.",
                prompt="v1",
                retry=RetryPolicy(transient_attempts=1),
            )
        seen.append(str(hung.value))
    assert FAULTS  # the fault table is shared with the fault suite
    assert _leaks(tmp_path) == []
    assert not [s for s in seen if KEY in s]
    assert KEY not in caplog.text
    assert "RECOGNISABLE" not in caplog.text


def test_a_server_without_a_key_has_nothing_redacted() -> None:
    """A local server needs no key: the placeholder sent is not a secret, so a word of the
    model's output ("local_government") is never masked as one (it once read "***_government")."""
    answer = (
        '{"agreements": [{"evidence": "A Corp and B City signed an MoU.", '
        '"parties": [{"name": "A Corp", "sector": "local_government"}, {"name": "B City"}]}]}'
    )
    with FakeServer(lambda r, n: Behaviour(body=chat_completion(answer)), max_seconds=60) as fake:
        endpoint = replace(local_endpoint(fake.port), base_url=fake.base_url)
        assert endpoint.api_key is None
        result = extract_with_details(
            "A Corp and B City signed an MoU.", prompt="v1", endpoint=endpoint
        )
    raw = result.attempts[0].raw or ""
    assert "local_government" in raw
    assert "***" not in raw
