"""The public API: the names the README uses, and the papercuts fixed (api_key, a str `out`,
the article's source and title kept in rows and frames, a batch to a file keeps no rows)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

import agreement_llm
from agreement_llm import (
    Article,
    BatchOptions,
    ConfigError,
    extract,
    extract_many,
    read_results,
    to_frames,
)
from tests.fakeserver import FakeServer, fake_endpoint, healthy

ROOT = Path(__file__).resolve().parent.parent
TEXT = "A Corp and B City signed a memorandum of understanding on Monday."


def test_every_name_the_readme_imports_from_the_package_is_there() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    names = set()
    groups = re.findall(r"from agreement_llm import \(([^)]*)\)", readme)
    groups += re.findall(r"^\s*from agreement_llm import ([\w, ]+)$", readme, flags=re.M)
    for group in groups:
        names |= {n.strip() for n in group.replace("\n", ",").split(",") if n.strip()}
    assert names, "the README imports nothing from agreement_llm"
    missing = sorted(n for n in names if not hasattr(agreement_llm, n))
    assert missing == []
    assert set(agreement_llm.__all__) >= names


def test_extract_takes_an_api_key(monkeypatch: pytest.MonkeyPatch) -> None:
    with FakeServer(healthy()) as server:
        monkeypatch.setenv("OPENAI_BASE_URL", server.base_url)
        monkeypatch.setenv("AGREEMENT_LLM_SERVER", "openai")  # a server that needs a key
        monkeypatch.setenv("AGREEMENT_LLM_STYLE", "json_object_schema")
        with pytest.raises(ConfigError, match="pass api_key"):
            extract(TEXT, prompt="v1")
        record = extract(TEXT, prompt="v1", api_key="sk-test-KEY0123456789")
        assert len(server.requests) == 1
    assert record.agreements


def test_a_batch_to_a_file_named_by_a_str_keeps_source_and_title_and_no_rows(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    articles = [
        Article(f"a{i}", f"{TEXT} ({i})", source=f"https://example.org/{i}", title=f"Title {i}")
        for i in range(3)
    ]
    with FakeServer(healthy()) as server:
        result = extract_many(
            articles,
            prompt="v1",
            endpoint=fake_endpoint(server.base_url),
            options=BatchOptions(out="results.jsonl", cache=False),
        )
    assert result.out == Path("results.jsonl")
    assert result.kept is None  # streamed to the file, not held
    rows = result.rows  # read back from the file, in input order
    assert [r.article_id for r in rows] == ["a0", "a1", "a2"]
    assert [(r.source, r.title) for r in rows] == [
        (f"https://example.org/{i}", f"Title {i}") for i in range(3)
    ]
    assert sorted(read_results("results.jsonl"), key=lambda r: r.article_id) == rows
    frame = to_frames(rows).agreements
    assert list(frame["source"]) == [f"https://example.org/{i}" for i in range(3)]
    assert list(frame["article_title"]) == [f"Title {i}" for i in range(3)]
