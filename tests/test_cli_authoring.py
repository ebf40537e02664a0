"""The authoring commands `prompts new`, `prompts default` and `prompts pin` through click's
CliRunner, on a temporary copy of two prompt versions: what they print, the files they write,
and a bad call is a non-zero exit with one line (no traceback) that writes nothing."""

from __future__ import annotations

import json
import shutil
from datetime import date
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from agreement_llm import prompts
from agreement_llm.cli import main

ROOT = Path(__file__).resolve().parent.parent


def _copy_of_two_versions(folder: Path) -> Path:
    for version in ("v1", "v2"):
        shutil.copytree(ROOT / "prompts" / version, folder / version)
    return folder


@pytest.fixture
def versions(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A prompts folder with v1 and v2 (no DEFAULT, no PINNED.json) that the commands use."""
    folder = _copy_of_two_versions(tmp_path / "prompts")
    monkeypatch.setattr(prompts, "prompts_dir", lambda: folder)
    monkeypatch.delenv("AGREEMENT_LLM_PROMPT")  # the default is the folder's, not the tests'
    return folder


def _run(*args: str) -> Result:
    return CliRunner().invoke(main, list(args))


def _one_line_error(result: Result, message: str) -> None:
    assert result.exit_code == 1
    assert "Traceback" not in result.output
    assert result.output.strip().splitlines() == [result.output.strip()]
    assert result.output.startswith("Error: ")
    assert message in result.output


def _files(folder: Path) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): p.read_bytes() for p in folder.rglob("*") if p.is_file()}


def test_new_copies_the_parent_and_says_how_to_record(versions: Path) -> None:
    result = _run("prompts", "new", "v3", "--from", "v2", "-m", "shorter system prompt")
    assert result.exit_code == 0, result.output
    assert result.output.splitlines() == [
        f"created {versions / 'v3'} from v2; edit it, then record it with:",
        "  agreement-llm eval --model MODEL --prompts v3 --record",
    ]
    parent, child = _files(versions / "v2"), _files(versions / "v3")
    assert child.keys() == parent.keys()
    assert {k: v for k, v in child.items() if k != "manifest.json"} == {
        k: v for k, v in parent.items() if k != "manifest.json"
    }
    manifest = json.loads(child["manifest.json"])
    expected = json.loads(parent["manifest.json"]) | {
        "id": "v3",
        "parent": "v2",
        "date": date.today().isoformat(),
        "description": "shorter system prompt",
    }
    assert manifest == expected
    listed = _run("prompts", "list")
    assert listed.exit_code == 0
    assert listed.output.splitlines()[-1].startswith("v3\t")
    assert "shorter system prompt (from v2)" in listed.output


def test_new_from_an_unknown_parent_is_one_line_and_writes_nothing(versions: Path) -> None:
    before = _files(versions)
    result = _run("prompts", "new", "v3", "--from", "v9", "-m", "why")
    _one_line_error(result, "unknown prompt version 'v9'; known: v1, v2")
    assert _files(versions) == before


def test_new_over_an_existing_version_is_one_line_and_writes_nothing(versions: Path) -> None:
    before = _files(versions)
    result = _run("prompts", "new", "v2", "--from", "v1", "-m", "why")
    _one_line_error(result, "prompt version v2 exists already")
    assert _files(versions) == before


def test_default_shows_then_sets_the_default(versions: Path) -> None:
    shown = _run("prompts", "default")
    assert shown.exit_code == 0
    assert shown.output == "v2\t(the newest; no prompts/DEFAULT)\n"
    chosen = _run("prompts", "default", "v1")
    assert chosen.exit_code == 0
    assert chosen.output == "default prompt version: v1\n"
    assert (versions / "DEFAULT").read_text(encoding="utf-8") == "v1\n"
    assert _run("prompts", "default").output == "v1\t(prompts/DEFAULT)\n"


def test_default_of_an_unknown_version_is_one_line_and_keeps_the_default(versions: Path) -> None:
    (versions / "DEFAULT").write_text("v1\n", encoding="utf-8")
    result = _run("prompts", "default", "v9")
    _one_line_error(result, "unknown prompt version 'v9'")
    assert (versions / "DEFAULT").read_text(encoding="utf-8") == "v1\n"


def test_pin_writes_the_hashes_it_prints(versions: Path) -> None:
    result = _run("prompts", "pin", "v1", "v2")
    assert result.exit_code == 0, result.output
    pins = json.loads((versions / "PINNED.json").read_text(encoding="utf-8"))
    assert pins == {v: prompts.load_prompt(v, versions).sha256 for v in ("v1", "v2")}
    assert result.output.splitlines() == [f"pinned {v} {pins[v][:12]}" for v in ("v1", "v2")]


def test_pin_without_versions_pins_the_recorded_ones(versions: Path, tmp_path: Path) -> None:
    cassettes = tmp_path / "cassettes"
    (cassettes / "some-model" / "v2").mkdir(parents=True)
    (cassettes / "some-model" / "v2" / "seed_01.yaml").write_text("interactions: []\n")
    result = _run("prompts", "pin", "--cassettes", str(cassettes))
    assert result.exit_code == 0, result.output
    assert result.output.splitlines() == [
        f"pinned v2 {prompts.load_prompt('v2', versions).sha256[:12]}"
    ]
    assert json.loads((versions / "PINNED.json").read_text(encoding="utf-8")).keys() == {"v2"}


def test_pin_of_a_changed_version_is_one_line_and_keeps_the_pins(
    versions: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert _run("prompts", "pin", "v1").exit_code == 0
    later = tmp_path / "later"  # the same folder in a later run, v1 edited after its recording
    shutil.copytree(versions, later)
    (later / "v1" / "system.md").write_text("edited after recording", encoding="utf-8")
    monkeypatch.setattr(prompts, "prompts_dir", lambda: later)
    pinned = (later / "PINNED.json").read_bytes()
    result = _run("prompts", "pin", "v1", "v2")
    _one_line_error(result, "prompt version v1 changed since it was pinned")
    assert (later / "PINNED.json").read_bytes() == pinned  # v2 is not pinned either
