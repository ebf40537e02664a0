from __future__ import annotations

import json
from pathlib import Path

import pytest

from agreement_llm.errors import InputError
from agreement_llm.prompts import list_prompts, load_prompt

# Recorded prompt versions are immutable: a change is a new version. Add a line per version.
PINNED = {
    "v1": "ea2ba897a8ba",
    "v2": "117228385749",
    "v3": "4afe9980d4a5",
}


def test_recorded_versions_are_unchanged() -> None:
    found = {p.id: p.sha256[:12] for p in list_prompts()}
    for version, digest in PINNED.items():
        assert found.get(version) == digest, f"prompt {version} changed: make a new version"


def test_every_version_is_pinned() -> None:
    assert {p.id for p in list_prompts()} == set(PINNED)


def test_default_is_the_newest() -> None:
    assert load_prompt().id == list_prompts()[-1].id


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
