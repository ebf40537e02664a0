from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from agreement_llm.errors import InputError
from agreement_llm.prompts import (
    default_version,
    list_prompts,
    load_prompt,
    new_version,
    pin_versions,
    read_pins,
    set_default_version,
)

ROOT = Path(__file__).resolve().parent.parent


def _recorded() -> set[str]:
    return {p.parent.name for p in (ROOT / "cassettes").glob("*/*/*.yaml")}


def test_recorded_versions_are_unchanged() -> None:
    """Recorded prompt versions are immutable (a change is a new version); their hashes are
    pinned in prompts/PINNED.json by `agreement-llm prompts pin`."""
    pins = read_pins()
    found = {p.id: p.sha256 for p in list_prompts()}
    for version, digest in pins.items():
        assert found.get(version) == digest, f"prompt {version} changed: make a new version"


def test_every_recorded_version_is_pinned() -> None:
    assert _recorded() <= set(read_pins()), "run: agreement-llm prompts pin"


def test_the_default_is_the_one_prompts_default_names(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("AGREEMENT_LLM_PROMPT")
    assert default_version() == (ROOT / "prompts" / "DEFAULT").read_text().strip()
    assert load_prompt().id == default_version()


def test_the_environment_names_the_default_first(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AGREEMENT_LLM_PROMPT", "v2")
    assert load_prompt().id == "v2"
    assert load_prompt("v1").id == "v1"  # an argument wins


def _two_versions(root: Path) -> None:
    for n in (1, 2):
        parent = {"parent": f"v{n - 1}"} if n > 1 else {}
        _version(root, f"v{n}", {"id": f"v{n}", "date": "2026-01-01", "description": "d", **parent})


def test_without_a_pointer_the_default_is_the_newest(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("AGREEMENT_LLM_PROMPT")
    _two_versions(tmp_path)
    assert load_prompt(root=tmp_path).id == "v2"
    set_default_version("v1", tmp_path)
    assert load_prompt(root=tmp_path).id == "v1"
    new_version("v3", "v2", "newer", tmp_path)
    assert load_prompt(root=tmp_path).id == "v1"  # a new folder does not move the default
    with pytest.raises(InputError, match="unknown prompt version 'v9'"):
        set_default_version("v9", tmp_path)


def test_new_version_copies_every_file_and_sets_parent_and_date(tmp_path: Path) -> None:
    _two_versions(tmp_path)
    (tmp_path / "v2" / "step_parties.md").write_text("a second step {article}")
    folder = new_version("v3", "v2", "why it changed", tmp_path)
    assert sorted(p.name for p in folder.iterdir()) == [
        "manifest.json",
        "step_parties.md",
        "system.md",
        "user.md",
    ]
    assert (folder / "step_parties.md").read_text() == "a second step {article}"
    manifest = load_prompt("v3", tmp_path).manifest
    assert (manifest.parent, manifest.description) == ("v2", "why it changed")
    assert manifest.date.isoformat() == json.loads((folder / "manifest.json").read_text())["date"]
    with pytest.raises(InputError, match="exists already"):
        new_version("v3", "v2", "again", tmp_path)


def test_manifests_chain_to_existing_parents() -> None:
    ids = {p.id for p in list_prompts()}
    for p in list_prompts():
        assert p.manifest.parent is None or p.manifest.parent in ids


def test_render_puts_the_article_in_the_user_message() -> None:
    messages = load_prompt("v1").render("ARTICLE TEXT")
    assert messages[0]["role"] == "system"
    assert "ARTICLE TEXT" in messages[1]["content"]


def test_unknown_version_names_the_known_ones() -> None:
    with pytest.raises(InputError, match="unknown prompt version 'v99'; known: v1"):
        load_prompt("v99")


def _version(root: Path, name: str, manifest: object, user: str = "{article}") -> None:
    folder = root / name
    folder.mkdir(parents=True)
    (folder / "manifest.json").write_text(json.dumps(manifest))
    (folder / "system.md").write_text("sys")
    (folder / "user.md").write_text(user)


@pytest.mark.parametrize(
    ("manifest", "user", "message"),
    [
        ({"id": "v1", "date": "2026-01-01"}, "{article}", "field description: Field required"),
        ({"id": "v1", "date": "soon", "description": "d"}, "{article}", "field date"),
        (
            {"id": "v2", "date": "2026-01-01", "description": "d"},
            "{article}",
            "differs from its folder name",
        ),
        (
            {"id": "v1", "date": "2026-01-01", "description": "d", "temperature": 1},
            "{article}",
            "field temperature: Extra inputs",
        ),
        (
            {"id": "v1", "date": "2026-01-01", "description": "d"},
            "no placeholder",
            "has no {article} placeholder",
        ),
    ],
)
def test_malformed_versions_name_file_and_field(
    tmp_path: Path, manifest: object, user: str, message: str
) -> None:
    _version(tmp_path, "v1", manifest, user)
    with pytest.raises(InputError, match=message.replace("{", r"\{").replace("}", r"\}")):
        list_prompts(tmp_path)


def test_versions_sort_by_number(tmp_path: Path) -> None:
    for n in (10, 2, 1):
        _version(tmp_path, f"v{n}", {"id": f"v{n}", "date": "2026-01-01", "description": "d"})
    assert [p.id for p in list_prompts(tmp_path)] == ["v1", "v2", "v10"]


def test_pinning_refuses_a_changed_version(tmp_path: Path) -> None:
    first, second = tmp_path / "first", tmp_path / "second"
    _two_versions(first)
    assert pin_versions(["v1"], first) == {"v1": load_prompt("v1", first).sha256}
    shutil.copytree(first, second)  # the same versions later, v1 edited after its recording
    (second / "v1" / "system.md").write_text("edited after recording")
    with pytest.raises(InputError, match="changed since it was pinned"):
        pin_versions(["v1"], second)
    assert pin_versions(["v2"], second).keys() == {"v1", "v2"}
