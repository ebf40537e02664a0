"""The command line: every command through click's CliRunner; user errors are one line."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from agreement_llm.cli import main
from tests.fakeserver import Behaviour, FakeServer, chat_completion


def _run(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(main, list(args))
    return result.exit_code, result.output


def test_prompts_lists_versions_with_hash_and_description() -> None:
    code, out = _run("prompts")
    assert code == 0
    first = out.splitlines()[0].split("\t")
    assert first[0] == "v1"
    assert len(first[2]) == 12
    assert "baseline" in first[3]


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"", "article text is empty"),
        (b"   \n", "only white space"),
        (b"\x89PNG\r\n\x1a\n\x00\x00", "binary file, not text"),
        (b"caf\xe9 au lait", "not UTF-8 text (byte 3)"),
    ],
)
def test_bad_files_are_one_clear_line(tmp_path: Path, content: bytes, message: str) -> None:
    path = tmp_path / "article.txt"
    path.write_bytes(content)
    code, out = _run("extract", str(path), "--base-url", "http://127.0.0.1:9/v1")
    assert code == 1
    assert message in out
    assert "Traceback" not in out
    assert len(out.strip().splitlines()) == 1


def test_a_missing_file_is_named(tmp_path: Path) -> None:
    code, out = _run("extract", str(tmp_path / "nope.txt"))
    assert code == 1
    assert "nope.txt: no such file" in out


def test_no_key_for_openai_is_one_line(tmp_path: Path) -> None:
    path = tmp_path / "a.txt"
    path.write_text("Two firms signed an MoU.")
    code, out = _run("extract", str(path))
    assert code == 1
    assert out.strip() == (
        "Error: no API key: set OPENAI_API_KEY, pass api_key=..., or point "
        "OPENAI_BASE_URL at another server (or use --local for the bundled "
        "model)"
    )


def test_unreachable_server_is_one_line(tmp_path: Path) -> None:
    path = tmp_path / "a.txt"
    path.write_text("Two firms signed an MoU.")
    code, out = _run(
        "extract",
        str(path),
        "--base-url",
        "http://127.0.0.1:9/v1",
        "--server",
        "llama_cpp",
        "--attempts",
        "1",
    )
    assert code == 1
    assert "extraction failed (transient)" in out
    assert "APIConnectionError" in out
    assert len(out.strip().splitlines()) == 1


def test_unknown_prompt_version(tmp_path: Path) -> None:
    path = tmp_path / "a.txt"
    path.write_text("Two firms signed an MoU.")
    code, out = _run("extract", str(path), "--prompt", "v42", "--base-url", "http://127.0.0.1:9/v1")
    assert code == 1
    assert "unknown prompt version 'v42'" in out


def test_eval_names_a_missing_cassette_and_the_command_to_record_it(tmp_path: Path) -> None:
    code, out = _run(
        "eval", "--prompts", "v1", "--articles", "seed_01", "--cassettes", str(tmp_path)
    )
    assert code == 1
    assert "missing cassette" in out
    assert "agreement-llm eval --prompts v1 --articles seed_01 --record" in out


def test_eval_with_no_cassettes_at_all(tmp_path: Path) -> None:
    code, out = _run("eval", "--cassettes", str(tmp_path))
    assert code == 1
    assert "no cassettes for model" in out


def test_eval_rejects_versions_without_the_flag() -> None:
    code, out = _run("eval", "v1")
    assert code == 2
    assert "name prompt versions after --prompts" in out


def test_eval_replays_and_fails_under_a_threshold(tmp_path: Path) -> None:
    code, out = _run(
        "eval", "--prompts", "v1", "--articles", "seed_0[1-3]", "--report", str(tmp_path)
    )
    assert code == 0, out
    assert "micro" in out
    assert (tmp_path / "report.json").exists()
    code, out = _run("eval", "--prompts", "v1", "--articles", "seed_0[1-3]", "--fail-under", "0.99")
    assert code == 1
    assert "micro F1 under 0.99: v1" in out


def test_extract_out_streams_rows_and_summarises(tmp_path: Path) -> None:
    from tests.fakeserver import FakeServer, healthy

    folder = tmp_path / "articles"
    folder.mkdir()
    for i in range(2):
        (folder / f"a{i}.txt").write_text(f"A Corp and B City signed a memorandum ({i}).")
    (folder / "notes.md").write_text("not an article")
    (folder / "page.html").write_text(
        "<html><body><p>A Corp and B City signed a memorandum.</p></body></html>"
    )
    out = tmp_path / "results.parquet"
    with FakeServer(healthy()) as server:
        code, text = _run(
            "extract",
            str(folder),
            "--out",
            str(out),
            "--base-url",
            server.base_url,
            "--server",
            "llama_cpp",
            "--no-cache",
        )
    assert code == 0, text
    assert "3 articles: 3 extracted" in text
    assert len((tmp_path / "results.jsonl").read_text().splitlines()) == 3
    assert (tmp_path / "results_parties.parquet").exists()


def test_a_folder_without_articles(tmp_path: Path) -> None:
    code, out = _run("extract", str(tmp_path), "--base-url", "http://127.0.0.1:9/v1")
    assert code == 1
    assert "no articles in this folder (.txt, .html, .htm)" in out


@pytest.mark.parametrize(
    ("option", "message"),
    [
        (["--concurrency", "0"], "concurrency must be at least 1"),
        (["--rpm", "-5"], "requests per minute must be positive"),
    ],
)
def test_bad_batch_options_are_one_line(tmp_path: Path, option: list[str], message: str) -> None:
    article = tmp_path / "a.txt"
    article.write_text("A Corp and B City signed an MoU.")
    code, out = _run(
        "extract",
        str(article),
        "--out",
        str(tmp_path / "r.jsonl"),
        "--base-url",
        "http://127.0.0.1:9/v1",
        *option,
    )
    assert code == 1
    assert message in out
    assert "Traceback" not in out


@pytest.mark.parametrize("batch", [False, True], ids=["one by one", "with --out"])
@pytest.mark.parametrize(
    ("behaviour", "option", "requests"),
    [
        (Behaviour(status=500, body={"error": "down"}), ["--attempts", "2"], 2),
        (Behaviour(body=chat_completion("{not json")), ["--reasks", "0"], 1),
        (Behaviour(body=chat_completion("{not json")), ["--reasks", "1"], 2),
    ],
    ids=["--attempts 2 on a 500", "--reasks 0 on bad JSON", "--reasks 1 on bad JSON"],
)
def test_retry_options_bound_the_requests(
    tmp_path: Path, batch: bool, behaviour: Behaviour, option: list[str], requests: int
) -> None:
    article = tmp_path / "a.txt"
    article.write_text("A Corp and B City signed an MoU.")
    out = ["--out", str(tmp_path / "r.jsonl"), "--no-cache"] if batch else []
    with FakeServer(lambda req, n: behaviour) as server:
        code, text = _run(
            "extract",
            str(article),
            "--base-url",
            server.base_url,
            "--server",
            "llama_cpp",
            *out,
            *option,
        )
    assert code == 1, text
    assert server.count == requests


@pytest.mark.parametrize(
    ("option", "message"),
    [
        (["--attempts", "0"], "'--attempts': 0 is not in the range x>=1"),
        (["--reasks", "-1"], "'--reasks': -1 is not in the range x>=0"),
    ],
)
def test_bad_retry_options_are_one_line(tmp_path: Path, option: list[str], message: str) -> None:
    article = tmp_path / "a.txt"
    article.write_text("A Corp and B City signed an MoU.")
    code, out = _run("extract", str(article), "--base-url", "http://127.0.0.1:9/v1", *option)
    assert code == 2
    assert message in out
