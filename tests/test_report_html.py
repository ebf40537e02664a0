"""The eval report: report.json holds every figure; report.html renders in headless Chromium at
two widths, and its filters show the articles they name."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest
from PIL import Image

from agreement_llm.evaluation.analysis import ERROR_CLASSES, classify, error_summary
from agreement_llm.evaluation.report import write_reports
from agreement_llm.evaluation.suite import EvalRun, run_eval

ROOT = Path(__file__).resolve().parent.parent

GEMMA = "gemma3-270m-q4-k-m"  # the model whose cassettes these tests replay


@pytest.fixture(scope="module")
def run() -> EvalRun:
    return run_eval(
        models=[GEMMA],
        cassettes=ROOT / "cassettes",
        gold_dir=ROOT / "eval" / "gold",
        articles_dir=ROOT / "eval" / "articles",
    )


def _chromium() -> str:
    found = shutil.which("chromium") or shutil.which("chromium-browser")
    if found is None:
        if os.environ.get("CI"):
            pytest.fail("chromium is not installed (CI installs Debian's chromium)")
        pytest.skip("chromium is not installed")
    return found


def test_report_json_holds_every_figure(run: EvalRun, tmp_path: Path) -> None:
    json_path, _ = write_reports(run, tmp_path)
    data = json.loads(json_path.read_text(encoding="utf-8"))
    assert [c["label"] for c in data["columns"]] == [v.label for v in run.versions]
    first = data["columns"][0]
    assert set(first["articles"]) == {g.article_id for g in run.golds}
    assert first["micro"]["f1"] == pytest.approx(run.versions[0].figures.micro.f1)
    assert first["totals"]["cost_usd"] == 0.0  # a local model
    assert first["totals"]["prompt_tokens"] > 0
    assert data["library_version"]
    assert data["run_at"]
    assert "{article}" in data["prompts"]["v1"]["files"]["user.md"]
    assert sum(first["errors"]["counts"].values()) == sum(
        first["fields"][f]["fp"] + first["fields"][f]["fn"] for f in first["fields"]
    ) - sum(1 for s in run.versions[0].scores for slot in s.slots if slot.outcome == "fp+fn")
    failed = [a for a in first["articles"].values() if a["error"]]
    assert failed
    assert all(a["raw_output"] for a in failed)
    assert data["comparisons"][0]["resamples"] == 10_000


def test_every_error_is_classed_and_failures_are_invalid_output(run: EvalRun) -> None:
    for v in run.versions:
        summary = error_summary(v)
        assert set(summary.counts) == set(ERROR_CLASSES)
        misses = sum(1 for s in v.scores for slot in s.slots if slot.outcome != "tp")
        assert sum(summary.counts.values()) == misses
        for r in v.failures:
            slots = next(s for s in v.scores if s.article_id == r.article_id).slots
            assert {classify(slot, r) for slot in slots} == {"output invalid"}
        assert [w[1] for w in summary.worst] == sorted(w[1] for w in summary.worst)
    v2 = run.versions[1]
    assert error_summary(v2).counts["hallucinated"] > 0  # gemma invents values in v2


def test_a_failed_extraction_reads_once_as_failed(run: EvalRun, tmp_path: Path) -> None:
    html = write_reports(run, tmp_path)[1].read_text(encoding="utf-8")
    assert "extraction failed: extraction failed" not in html
    assert "extraction failed (invalid_output) after 2 requests" in html
    assert "Raw model output" in html


def _chrome(chromium: str, profile: Path, *args: str) -> subprocess.CompletedProcess[str]:
    flags = [
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--hide-scrollbars",
        f"--user-data-dir={profile}",
    ]
    return subprocess.run(
        [chromium, *flags, *args], check=True, capture_output=True, text=True, timeout=120
    )


def test_report_html_renders_and_filters_in_headless_chromium(run: EvalRun, tmp_path: Path) -> None:
    chromium = _chromium()
    _, html_path = write_reports(run, tmp_path)
    profile = tmp_path / "profile"
    dom = _chrome(chromium, profile, "--dump-dom", html_path.as_uri()).stdout
    assert '<table id="matrix">' in dom
    assert f"<th>{GEMMA}</th>" in dom
    assert f"{len(run.golds)} of {len(run.golds)} articles shown" in dom
    failed = {r.article_id for v in run.versions for r in v.failures}
    dom = _chrome(chromium, profile, "--dump-dom", html_path.as_uri() + "#filter=failures").stdout
    assert f"{len(failed)} of {len(run.golds)} articles shown" in dom
    shown = re.findall(r'<details class="art" id="a-([^"]+)"(?![^>]*hidden)', dom)
    assert set(shown) == failed
    for width in (1400, 420):  # a desktop window, and a phone
        shot = tmp_path / f"report-{width}.png"  # looked at by hand too
        _chrome(
            chromium,
            profile,
            f"--screenshot={shot}",
            f"--window-size={width},1000",
            html_path.as_uri(),
        )
        with Image.open(shot) as image:
            assert image.size == (width, 1000)
            pixels = image.convert("L")
            # the page is drawn: dark text covers part of it, and nothing runs off the right
            # edge (no horizontal scroll bar is drawn, and the right margin is blank)
            dark = sum(pixels.histogram()[:128])
            assert dark > width * 10
            margin = pixels.crop((width - 6, 0, width, 1000))
            lowest, _ = margin.getextrema()
            assert isinstance(lowest, int)
            assert lowest > 200, f"content cut at the right edge at {width}px"
