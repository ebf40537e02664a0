"""The gold set passes its checker, and the checker fails broken gold where it should."""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from agreement_llm.cli import main
from agreement_llm.evaluation.gold import check_gold_dir, load_gold_dir

ROOT = Path(__file__).resolve().parent.parent
GOLD, ARTICLES = ROOT / "eval" / "gold", ROOT / "eval" / "articles"


def test_every_article_has_gold_and_all_gold_passes() -> None:
    files, problems = check_gold_dir(GOLD, ARTICLES)
    assert len(files) == 23
    assert [str(p) for p in problems] == []


def test_gold_records_notes_with_both_passes() -> None:
    for gold in load_gold_dir(GOLD):
        assert gold.notes.strip(), gold.article_id
        assert "Second pass" in gold.notes, gold.article_id


def test_gold_check_command_prints_statistics() -> None:
    result = CliRunner().invoke(
        main, ["gold", "check", "--gold-dir", str(GOLD), "--articles-dir", str(ARTICLES)]
    )
    assert result.exit_code == 0, result.output
    assert "23 articles" in result.output
    assert "slots" in result.output
    assert "23 gold files OK" in result.output


@pytest.fixture
def broken(tmp_path: Path) -> tuple[Path, Path, dict[str, Any]]:
    gold_dir, articles_dir = tmp_path / "gold", tmp_path / "articles"
    gold_dir.mkdir()
    articles_dir.mkdir()
    shutil.copy(ARTICLES / "seed_01.txt", articles_dir)
    data = json.loads((GOLD / "seed_01.json").read_text(encoding="utf-8"))
    return gold_dir, articles_dir, data


def _check(gold_dir: Path, articles_dir: Path, data: dict[str, Any]) -> list[str]:
    (gold_dir / "seed_01.json").write_text(json.dumps(data), encoding="utf-8")
    return [str(p) for p in check_gold_dir(gold_dir, articles_dir)[1]]


def test_a_missing_field_is_named(broken: tuple[Path, Path, dict[str, Any]]) -> None:
    gold_dir, articles_dir, data = broken
    del data["record"]["agreements"][0]["place"]
    assert _check(gold_dir, articles_dir, data) == [
        "seed_01.json: record.agreements[0].place: field missing: gold writes every field out"
    ]


def test_an_ungrounded_name_is_named(broken: tuple[Path, Path, dict[str, Any]]) -> None:
    gold_dir, articles_dir, data = broken
    data["record"]["agreements"][0]["parties"][0]["name"] = "Ministry of Magic"
    assert _check(gold_dir, articles_dir, data) == [
        "seed_01.json: record.agreements[0].parties[0].name = 'Ministry of Magic': "
        "not found in the article"
    ]


def test_a_bad_enum_is_named(broken: tuple[Path, Path, dict[str, Any]]) -> None:
    gold_dir, articles_dir, data = broken
    data["record"]["agreements"][0]["kind"] = "treaty"
    problems = _check(gold_dir, articles_dir, data)
    assert len(problems) == 1
    assert problems[0].startswith("seed_01.json: record.agreements.0.kind = 'treaty': Input should")


def test_month_13_is_named(broken: tuple[Path, Path, dict[str, Any]]) -> None:
    gold_dir, articles_dir, data = broken
    data["record"]["agreements"][0]["signed_on"]["month"] = 13
    assert _check(gold_dir, articles_dir, data) == [
        "seed_01.json: record.agreements.0.signed_on.month = '13': "
        "Input should be less than or equal to 12"
    ]


def test_evidence_must_be_verbatim(broken: tuple[Path, Path, dict[str, Any]]) -> None:
    gold_dir, articles_dir, data = broken
    data["record"]["agreements"][0]["evidence"] = data["record"]["agreements"][0][
        "evidence"
    ].upper()
    problems = _check(gold_dir, articles_dir, data)
    assert len(problems) == 1
    assert "not verbatim in the article" in problems[0]


def test_a_missing_article_and_an_unlabelled_one(broken: tuple[Path, Path, dict[str, Any]]) -> None:
    gold_dir, articles_dir, data = broken
    shutil.copy(ARTICLES / "seed_02.txt", articles_dir)
    data["article_id"] = "seed_99"
    problems = _check(gold_dir, articles_dir, data)
    assert "seed_01.json: article_id = 'seed_99': differs from the file name 'seed_01'" in problems
    assert any("seed_99.txt: no such file" in p for p in problems)
    assert "seed_02.txt: (file): article has no gold file" in problems


def test_the_command_exits_non_zero_on_broken_gold(
    broken: tuple[Path, Path, dict[str, Any]],
) -> None:
    gold_dir, articles_dir, data = broken
    data["record"]["agreements"][0]["people"][0]["role"] = "boss"
    (gold_dir / "seed_01.json").write_text(json.dumps(data), encoding="utf-8")
    result = CliRunner().invoke(
        main, ["gold", "check", "--gold-dir", str(gold_dir), "--articles-dir", str(articles_dir)]
    )
    assert result.exit_code == 1
    assert "people.0.role = 'boss'" in result.output


def test_gold_new_writes_a_skeleton_from_an_extraction_that_check_then_reads(
    tmp_path: Path,
) -> None:
    from tests.fakeserver import FakeServer, healthy

    article = tmp_path / "inbox" / "release.txt"
    article.parent.mkdir()
    article.write_text("A Corp and B City signed a memorandum of understanding.")
    results = tmp_path / "results.jsonl"
    with FakeServer(healthy(), max_requests=5) as server:
        made = CliRunner().invoke(
            main,
            [
                "extract",
                str(article),
                "--out",
                str(results),
                "--base-url",
                server.base_url,
                "--server",
                "llama_cpp",
                "--no-cache",
            ],
        )
    assert made.exit_code == 0, made.output
    gold_dir, articles_dir = tmp_path / "gold", tmp_path / "articles"
    dirs = ["--gold-dir", str(gold_dir), "--articles-dir", str(articles_dir)]
    new = CliRunner().invoke(main, ["gold", "new", str(article), "--from", str(results), *dirs])
    assert new.exit_code == 0, new.output
    data = json.loads((gold_dir / "release.json").read_text(encoding="utf-8"))
    assert data["record"]["agreements"]  # pre-filled from the extraction
    assert "place" in data["record"]["agreements"][0]  # every field written out
    assert (articles_dir / "release.txt").exists()
    again = CliRunner().invoke(main, ["gold", "new", str(article), *dirs])
    assert again.exit_code == 1
    assert "exists already" in again.output
    check = CliRunner().invoke(main, ["gold", "check", *dirs])
    assert "1 articles" in check.output
