"""The command line: every command through click's CliRunner; user errors are one line."""

from __future__ import annotations

import csv
import io
import json
import re
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from agreement_llm.cli import main
from tests.fakeserver import Behaviour, FakeServer, chat_completion, healthy


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


GEMMA = "gemma3-270m-q4-k-m"  # the model whose cassettes are committed
ROOT = Path(__file__).resolve().parent.parent


def test_eval_names_a_missing_cassette_and_the_command_to_record_it(tmp_path: Path) -> None:
    code, out = _run(
        "eval", "--prompts", "v1", "--articles", "seed_01", "--cassettes", str(tmp_path)
    )
    assert code == 1
    assert "missing cassette" in out
    assert "v1/seed_01.yaml" in out
    assert "--prompts v1 --articles seed_01 --record" in out


def test_the_missing_cassette_error_names_every_missing_cassette(tmp_path: Path) -> None:
    shutil.copytree(ROOT / "cassettes" / GEMMA / "v1", tmp_path / GEMMA / "v1")
    for article in ("seed_02", "seed_04"):
        (tmp_path / GEMMA / "v1" / f"{article}.yaml").unlink()
    code, out = _run("eval", "--articles", "seed_0*", "--cassettes", str(tmp_path))
    assert code == 1
    assert "2 missing cassettes" in out
    assert "v1/seed_02.yaml" in out
    assert "v1/seed_04.yaml" in out
    assert f"agreement-llm eval --model {GEMMA} --prompts v1 --articles seed_0* --record" in out


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
        "eval",
        "--model",
        GEMMA,
        "--prompts",
        "v1",
        "--articles",
        "seed_0[1-3]",
        "--report",
        str(tmp_path),
    )
    assert code == 0, out
    assert "micro" in out
    assert (tmp_path / "report.json").exists()
    code, out = _run(
        "eval",
        "--models",
        GEMMA,
        "--prompts",
        "v1",
        "v2",
        "--articles",
        "seed_0[1-3]",
        "--fail-under",
        "0.99",
    )
    assert code == 1
    assert f"micro F1 under 0.99: {GEMMA}/v1 0.000, {GEMMA}/v2" in out


def test_record_against_an_unreachable_server_is_one_line(tmp_path: Path) -> None:
    code, out = _run(
        "eval",
        "--record",
        "--model",
        "test-model",
        "--prompts",
        "v1",
        "--articles",
        "seed_01",
        "--base-url",
        "http://127.0.0.1:9/v1",
        "--server",
        "llama_cpp",
        "--cassettes",
        str(tmp_path),
    )
    assert code == 1
    assert "Traceback" not in out
    assert "recording v1 seed_01 got no answer" in out
    assert not list(tmp_path.rglob("*.yaml"))


def _two_models(tmp_path: Path) -> Path:
    """Cassettes of two models: gemma's committed v1 and v2, and test-model's v1 recorded from
    a fake llama.cpp server through the CLI (another model, another server)."""
    cassettes = tmp_path / "cassettes"
    for version in ("v1", "v2"):
        shutil.copytree(ROOT / "cassettes" / GEMMA / version, cassettes / GEMMA / version)
    with FakeServer(healthy(), max_requests=10) as server:
        code, out = _run(
            "eval",
            "--record",
            "--model",
            "test-model",
            "--prompts",
            "v1",
            "--articles",
            "seed_0[12]",
            "--base-url",
            server.base_url,
            "--server",
            "llama_cpp",
            "--cassettes",
            str(cassettes),
        )
    assert code == 0, out
    return cassettes


def test_eval_scores_two_models_side_by_side_and_exports(tmp_path: Path) -> None:
    cassettes = _two_models(tmp_path)
    common = ["--articles", "seed_0[12]", "--cassettes", str(cassettes)]
    code, out = _run("eval", "--models", GEMMA, "test-model", "--format", "json", *common)
    assert code == 0, out
    data = json.loads(out[out.index("{") : out.rindex("}") + 1])
    assert [(m["model"], m["prompt"]) for m in data["matrix"]] == [
        (GEMMA, "v1"),
        (GEMMA, "v2"),
        ("test-model", "v1"),
    ]
    unrecorded = out[out.index("not recorded (each command records them all):") :]
    assert re.search(r"^  test-model: v2-v\d+$", unrecorded, re.MULTILINE)  # a run of versions
    assert re.search(r"agreement-llm eval --model test-model --prompts v2( v\d+)* --record", out)
    code, out = _run("eval", *common)  # every recorded model: the comparisons of both kinds
    assert code == 0, out
    assert f"version vs parent: micro F1 {GEMMA}/v2 - {GEMMA}/v1" in out
    assert f"model vs model: micro F1 test-model/v1 - {GEMMA}/v1" in out
    assert "Errors by class" in out
    code, out = _run("eval", "--format", "csv", "--prompts", "v1", *common)
    assert code == 0, out
    rows = list(csv.DictReader(io.StringIO(out[out.index("model,") :])))
    micro = {r["model"]: r for r in rows if r["field"] == "micro"}
    assert micro.keys() == {GEMMA, "test-model"}
    assert float(micro["test-model"]["f1_low"]) <= float(micro["test-model"]["f1"])
    code, out = _run("eval", "--format", "markdown", "--prompts", "v1", *common)
    assert code == 0, out
    assert f"| version | {GEMMA} | test-model |" in out
    # the summary: F1, detection, failures, values not found, tokens, recorded seconds
    summary = next(line for line in out.splitlines() if line.startswith(f"| {GEMMA} / v1 |"))
    cells = [c.strip() for c in summary.strip("|").split("|")]
    assert cells[1:3] == ["0.000", "0.000"]  # gemma v1 finds nothing right
    assert cells[3].isdigit()  # failed extractions
    assert cells[4].endswith("%")
    assert float(cells[5]) > 500  # prompt tokens per article


def _dev_01_of(tmp_path: Path, columns: list[tuple[str, str]]) -> Path:
    """A cassettes folder with the committed dev_01 recordings of these (model, version)s."""
    cassettes = tmp_path / "cassettes"
    for model, version in columns:
        folder = cassettes / model / version
        folder.mkdir(parents=True)
        for path in (ROOT / "cassettes" / model / version).glob("dev_01.*"):
            shutil.copy(path, folder / path.name)
    return cassettes


def test_eval_matrix_rows_are_in_version_order_whichever_model_comes_first(
    tmp_path: Path,
) -> None:
    # the first model has only v4, the second v1 and v3: rows are v1, v3, v4 (not v4, v1, v3)
    cassettes = _dev_01_of(
        tmp_path,
        [
            ("qwen2.5-coder-0.5b-q4-k-m", "v4"),
            ("qwen2.5-coder-1.5b-q4-k-m", "v1"),
            ("qwen2.5-coder-1.5b-q4-k-m", "v3"),
        ],
    )
    code, out = _run("eval", "--articles", "dev_01", "--cassettes", str(cassettes))
    assert code == 0, out
    rows = [line.split()[1] for line in out.splitlines() if re.match(r"│ v\d+ ", line)]
    assert rows[:3] == ["v1", "v3", "v4"]


def test_eval_tables_fit_the_terminal_whatever_the_number_of_columns(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # five columns at 80 characters: the per-field and error tables are split, none cut short,
    # and the cost table folds its model names
    monkeypatch.setenv("COLUMNS", "80")
    model = "qwen2.5-coder-1.5b-q4-k-m"
    cassettes = _dev_01_of(tmp_path, [(model, v) for v in ("v1", "v2", "v3", "v4", "v5")])
    code, out = _run("eval", "--articles", "dev_01", "--cassettes", str(cassettes))
    assert code == 0, out
    fields = out[out.index("F1 per field") : out.index("version vs parent")]
    assert "…" not in fields
    assert fields.count("F1 per field") >= 2
    errors = out[out.index("Errors by class") : out.index("Cost (tokens")]
    assert "…" not in errors
    cost = out[out.index("Cost (tokens") : out.index("not recorded")]  # commands: one line
    assert "…" not in cost  # each row's model folded, its version whole
    assert [line.split("│")[2].strip() for line in cost.splitlines() if "│ v" in line] == [
        "v1",
        "v2",
        "v3",
        "v4",
        "v5",
    ]
    assert all(len(line) <= 80 for line in (fields + errors + cost).splitlines())


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
