"""The eval report: report.json holds every figure; report.html renders in headless Chromium."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path

import pytest

from agreement_llm.config import local_endpoint
from agreement_llm.evaluation.report import write_reports
from agreement_llm.evaluation.suite import EvalRun, run_eval

ROOT = Path(__file__).resolve().parent.parent

GEMMA = "gemma3-270m-q4-k-m"  # the model whose cassettes these tests replay


@pytest.fixture(scope="module")
def run() -> EvalRun:
    return run_eval(
        endpoint=local_endpoint(model=GEMMA),
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
    assert [v["prompt"] for v in data["versions"]] == [v.prompt for v in run.versions]
    first = data["versions"][0]
    assert set(first["articles"]) == {g.article_id for g in run.golds}
    assert first["micro"]["f1"] == pytest.approx(run.versions[0].figures.micro.f1)
    if len(run.versions) > 1:
        assert data["comparisons"][0]["resamples"] == 10_000


def test_report_html_renders_in_headless_chromium(run: EvalRun, tmp_path: Path) -> None:
    chromium = _chromium()
    _, html_path = write_reports(run, tmp_path)
    profile = tmp_path / "profile"
    flags = [
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        f"--user-data-dir={profile}",
    ]
    dom = subprocess.run(
        [chromium, *flags, "--dump-dom", html_path.as_uri()],
        check=True,
        capture_output=True,
        text=True,
        timeout=120,
    ).stdout
    assert '<table id="comparison">' in dom
    assert "<td>micro</td>" in dom
    assert dom.count("<details>") == len(run.golds)
    shot = tmp_path / "report.png"
    subprocess.run(
        [chromium, *flags, f"--screenshot={shot}", "--window-size=1280,1600", html_path.as_uri()],
        check=True,
        capture_output=True,
        timeout=120,
    )
    assert shot.stat().st_size > 10_000
