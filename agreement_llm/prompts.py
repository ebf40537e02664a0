"""Versioned prompts: each version is a folder under `prompts/` with a manifest and its texts.

A version folder holds `manifest.json` (id, date, description, parent, generation settings),
`system.md` and `user.md`; `user.md` contains `{article}` where the article text goes. A
version's content hash covers all three files, so a recorded version can be pinned. Text that
cannot fit the model's context is refused here, before any token is spent.
"""

from __future__ import annotations

import hashlib
import json
import os
from dataclasses import dataclass
from datetime import date
from functools import cache
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from agreement_llm.config import Endpoint
from agreement_llm.errors import InputError
from agreement_llm.examples import Example, dump, parse_examples

__all__ = [
    "Prompt",
    "PromptManifest",
    "Step",
    "check_fits",
    "estimate_tokens",
    "list_prompts",
    "load_prompt",
    "prompts_dir",
    "write_examples",
]

_FILES = ("manifest.json", "system.md", "user.md")
_EXAMPLES = "examples.json"  # optional: worked examples (`agreement_llm.examples`)


class GenerationSettings(BaseModel):
    """Sampling settings that belong to a prompt version."""

    model_config = ConfigDict(extra="forbid")

    max_tokens: int = Field(default=1024, ge=16)
    temperature: float = Field(default=0.0, ge=0.0, le=2.0)
    max_items: int | None = Field(default=None, ge=1)
    max_string: int | None = Field(default=None, ge=8)


class Step(BaseModel):
    """One call of a `stepwise` recipe: which answer it asks for, the one-line cue that
    follows the article, and its output budget."""

    model_config = ConfigDict(extra="forbid")

    name: Literal["agreements", "sentences", "people", "signs_for"]
    cue: str = Field(min_length=1)
    max_tokens: int = Field(ge=16)


class PromptManifest(BaseModel):
    """A prompt version's manifest.

    `recipe` says how the record is obtained: `single` (one call, the whole record) or
    `stepwise` (one call per entry of `steps`, assembled in code; `agreement_llm.recipes`).
    `rules` names the optional rules a stepwise version applies beyond the base set, so that a
    new rule is a new version and a recorded version's results never change.
    """

    model_config = ConfigDict(extra="forbid")

    id: str = Field(pattern=r"^v[0-9]+[a-z0-9_-]*$")
    date: date
    description: str = Field(min_length=1)
    parent: str | None = None
    recipe: Literal["single", "stepwise"] = "single"
    steps: list[Step] = Field(default_factory=list)
    rules: list[
        Literal[
            "people_are_persons",
            "roles_from_the_text",
            "phrases_not_identifiers",
            "short_values_are_words",
            "sectors_from_names",
            "dates_from_evidence",
            "counts_from_text",
            "witnesses_from_the_text",
            "names_as_written",
            "several_documents",
            "status_from_text",
            "partners_from_lists",
            "areas_of_lists",
            "names_without_titles",
            "persons_have_names",
            "documents_one_by_one",
            "parties_from_titles",
            "people_in_their_sentence",
            "roles_not_from_headlines",
            "after_signing_is_signed",
            "evidence_not_the_headline",
            "dates_from_context",
            "areas_from_the_text",
            "documents_named_with_parties",
            "titles_from_the_text",
            "state_owned_groups",
            "collective_parties",
            "weekdays_need_the_articles_date",
            "areas_of_cooperation",
            "sentences_past_abbreviations",
            "people_of_the_next_sentence",
            "people_once",
            "names_after_titles",
            "witnesses_as_written",
            "areas_named",
            "numbers_as_written",
            "dates_of_reports",
            "attendees_at_each",
            "titles_are_not_names",
            "governments_in_full",
            "one_place",
            "parties_between",
            "parties_of_the_sentence",
            "not_the_masthead",
            "sides_from_summaries",
            "organizations_in_titles",
            "earlier_documents",
            "people_in_titles",
        ]
    ] = Field(default_factory=list)
    settings: GenerationSettings = Field(default_factory=GenerationSettings)
    examples: int = Field(default=0, ge=0, le=4)

    @model_validator(mode="after")
    def _steps_fit_the_recipe(self) -> PromptManifest:
        names = [step.name for step in self.steps]
        if self.recipe == "single" and names:
            raise ValueError("a single-call recipe has no steps")
        if self.recipe == "stepwise" and (not names or names[0] != "agreements"):
            raise ValueError("a stepwise recipe starts with the step 'agreements'")
        if len(set(names)) != len(names):
            raise ValueError("a step appears twice")
        if any(s.name == "sentences" and "{sentence}" not in s.cue for s in self.steps):
            raise ValueError("the cue of the step 'sentences' names the {sentence} it asks about")
        if any(s.name == "signs_for" and "{people}" not in s.cue for s in self.steps):
            raise ValueError("the cue of the step 'signs_for' names the {people} it asks about")
        if "signs_for" in names and names.index("signs_for") < names.index("people"):
            raise ValueError("the step 'signs_for' follows the step 'people'")
        if self.rules and self.recipe != "stepwise":
            raise ValueError("rules apply to a stepwise recipe")
        if self.examples and self.recipe != "stepwise":
            raise ValueError("examples open the first step of a stepwise recipe")
        return self

    @property
    def max_tokens(self) -> int:
        """The largest output budget of one call."""
        return max([self.settings.max_tokens, *(step.max_tokens for step in self.steps)])


@dataclass(frozen=True)
class Prompt:
    """A loaded prompt version."""

    manifest: PromptManifest
    system: str
    user: str
    sha256: str
    examples: tuple[Example, ...] = ()

    @property
    def id(self) -> str:
        """The version id, e.g. `v1`."""
        return self.manifest.id

    def render(
        self, article: str, *, system_in_user: bool = False, step: Step | None = None
    ) -> list[dict[str, str]]:
        """The chat messages for one article (and one step of a stepwise recipe, whose cue
        takes the place of `{step}` after the article).

        With `system_in_user`, the system text opens the user message instead (for chat
        templates without a system role, such as Gemma's).
        """
        user = self.user.replace("{article}", article)
        if step is not None:
            user = user.replace("{step}", step.cue)
        if system_in_user:
            return [{"role": "user", "content": f"{self.system.rstrip()}\n\n{user}"}]
        return [{"role": "system", "content": self.system}, {"role": "user", "content": user}]


@cache
def prompts_dir() -> Path:
    """The folder the prompt versions are read from (the packaged copy, else the repo's)."""
    packaged = Path(__file__).parent / "_prompts"
    if packaged.is_dir():
        return packaged
    return Path(__file__).resolve().parent.parent / "prompts"


def version_key(name: str) -> tuple[int, str]:
    """The sort key that puts prompt versions in numeric order (v2 before v10)."""
    digits = "".join(c for c in name if c.isdigit())
    return (int(digits) if digits else 0, name)


def _read(folder: Path) -> Prompt:
    missing = [name for name in _FILES if not (folder / name).is_file()]
    if missing:
        raise InputError(f"{folder}: prompt version is missing {', '.join(missing)}")
    raw = {name: (folder / name).read_bytes() for name in _FILES}
    if (folder / _EXAMPLES).is_file():
        raw[_EXAMPLES] = (folder / _EXAMPLES).read_bytes()
    digest = hashlib.sha256()
    for name in raw:
        digest.update(name.encode() + b"\0" + raw[name] + b"\0")
    try:
        manifest = PromptManifest.model_validate(json.loads(raw["manifest.json"]))
    except json.JSONDecodeError as exc:
        raise InputError(
            f"{folder / 'manifest.json'}: not JSON ({exc.msg}, line {exc.lineno})"
        ) from None
    except ValidationError as exc:
        err = exc.errors()[0]
        where = ".".join(str(p) for p in err["loc"]) or "(top level)"
        raise InputError(f"{folder / 'manifest.json'}: field {where}: {err['msg']}") from None
    if manifest.id != folder.name:
        raise InputError(
            f"{folder / 'manifest.json'}: field id: {manifest.id!r} differs from "
            f"its folder name {folder.name!r}"
        )
    user = raw["user.md"].decode("utf-8")
    if "{article}" not in user:
        raise InputError(f"{folder / 'user.md'}: has no {{article}} placeholder")
    if manifest.recipe == "stepwise" and "{step}" not in user:
        raise InputError(f"{folder / 'user.md'}: a stepwise recipe needs a {{step}} placeholder")
    examples = parse_examples(raw[_EXAMPLES], folder / _EXAMPLES) if _EXAMPLES in raw else ()
    return Prompt(manifest, raw["system.md"].decode("utf-8"), user, digest.hexdigest(), examples)


@cache
def _load_all(root: Path) -> dict[str, Prompt]:
    if not root.is_dir():
        raise InputError(f"{root}: prompts folder not found")
    found = {p.name: _read(p) for p in root.iterdir() if p.is_dir() and not p.name.startswith(".")}
    return dict(sorted(found.items(), key=lambda kv: version_key(kv[0])))


def list_prompts(root: Path | None = None) -> list[Prompt]:
    """Every prompt version, oldest first."""
    return list(_load_all(root or prompts_dir()).values())


def load_prompt(version: str | None = None, root: Path | None = None) -> Prompt:
    """The prompt version named (`"v1"`), or the default when `version` is None:
    `$AGREEMENT_LLM_PROMPT` when set, else the one `prompts/DEFAULT` names (see
    `set_default_version`), else the newest."""
    versions = _load_all(root or prompts_dir())
    if not versions:
        raise InputError("no prompt versions found")
    if version is None:
        version = os.environ.get("AGREEMENT_LLM_PROMPT") or default_version(root)
        if version is None:  # no prompts/DEFAULT: the newest version
            return next(reversed(versions.values()))
    try:
        return versions[version]
    except KeyError:
        raise InputError(
            f"unknown prompt version {version!r}; known: {', '.join(versions)}"
        ) from None


def estimate_tokens(text: str) -> int:
    """An upper-leaning estimate of a text's token count: 1 per 4 ASCII chars, 1 per other char.

    CJK text runs about one token per character; English about four characters per token.
    """
    ascii_chars = len(text) if text.isascii() else len(text.encode("ascii", "ignore"))
    return (ascii_chars + 3) // 4 + (len(text) - ascii_chars)


def check_fits(messages: list[dict[str, str]], max_tokens: int, endpoint: Endpoint) -> None:
    """Raise `InputError` when the prompt plus the output budget exceeds the model's context."""
    if endpoint.context_tokens is None:
        return
    needed = sum(estimate_tokens(m["content"]) + 4 for m in messages)
    if needed + max_tokens > endpoint.context_tokens:
        raise InputError(
            f"article too long: about {needed} prompt tokens plus {max_tokens} for the answer "
            f"exceed the model's context of {endpoint.context_tokens} tokens; split the article"
        )


DEFAULT_FILE = "DEFAULT"
PINS_FILE = "PINNED.json"


def default_version(root: Path | None = None) -> str | None:
    """The version `prompts/DEFAULT` names, or None when there is no such file."""
    path = (root or prompts_dir()) / DEFAULT_FILE
    if not path.is_file():
        return None
    return path.read_text(encoding="utf-8").strip() or None


def set_default_version(version: str, root: Path | None = None) -> Prompt:
    """Make `version` the default of `extract` (writes `prompts/DEFAULT`); it must exist."""
    folder = root or prompts_dir()
    prompt = load_prompt(version, folder)
    (folder / DEFAULT_FILE).write_text(version + "\n", encoding="utf-8")
    return prompt


def new_version(
    version: str,
    parent: str,
    description: str,
    root: Path | None = None,
    *,
    today: date | None = None,
) -> Path:
    """Scaffold version `version` from `parent`: a copy of every file of the parent's folder,
    with the manifest's id, parent, date and description set. Returns the new folder."""
    folder = root or prompts_dir()
    load_prompt(parent, folder)  # the parent exists and is valid
    target = folder / version
    if target.exists():
        raise InputError(f"{target}: prompt version {version} exists already")
    manifest = json.loads((folder / parent / "manifest.json").read_text(encoding="utf-8"))
    manifest.update(
        id=version,
        parent=parent,
        date=(today or date.today()).isoformat(),
        description=description,
    )
    try:
        PromptManifest.model_validate(manifest)
    except ValidationError as exc:
        err = exc.errors()[0]
        where = ".".join(str(p) for p in err["loc"]) or "(top level)"
        raise InputError(f"new version {version!r}: field {where}: {err['msg']}") from None
    target.mkdir()
    for path in sorted((folder / parent).iterdir()):
        if path.is_file() and path.name != "manifest.json":
            (target / path.name).write_bytes(path.read_bytes())
    (target / "manifest.json").write_text(
        json.dumps(manifest, indent=2, ensure_ascii=False) + "\n", encoding="utf-8"
    )
    _load_all.cache_clear()
    return target


def read_pins(root: Path | None = None) -> dict[str, str]:
    """The pinned content hash of each recorded version (`prompts/PINNED.json`)."""
    path = (root or prompts_dir()) / PINS_FILE
    if not path.is_file():
        return {}
    pins: dict[str, str] = json.loads(path.read_text(encoding="utf-8"))
    return pins


def pin_versions(versions: list[str], root: Path | None = None) -> dict[str, str]:
    """Pin the content hash of each version in `prompts/PINNED.json` (a recorded version must
    not change: its cassettes would no longer replay). A pinned version whose files changed is
    refused. Returns every pin."""
    folder = root or prompts_dir()
    pins = read_pins(folder)
    for version in versions:
        digest = load_prompt(version, folder).sha256
        if pins.get(version, digest) != digest:
            raise InputError(
                f"prompt version {version} changed since it was pinned ({pins[version][:12]}, "
                f"now {digest[:12]}); restore it and make a new version instead"
            )
        pins[version] = digest
    ordered = dict(sorted(pins.items(), key=lambda kv: version_key(kv[0])))
    (folder / PINS_FILE).write_text(json.dumps(ordered, indent=2) + "\n", encoding="utf-8")
    return ordered


def write_examples(version: str, examples: list[Example], root: Path | None = None) -> Path:
    """Write `version`'s worked examples (`examples.json`); a pinned (recorded) version is
    refused. Returns the file written."""
    folder = root or prompts_dir()
    load_prompt(version, folder)
    if version in read_pins(folder):
        raise InputError(f"prompt version {version} is recorded (pinned); make a new version")
    target = folder / version / _EXAMPLES
    target.write_text(dump(examples), encoding="utf-8")
    _load_all.cache_clear()
    return target
