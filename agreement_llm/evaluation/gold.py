"""Gold files: loading them, and checking that they are honest (valid, explicit, grounded)."""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from agreement_llm.articles import Article, read_article
from agreement_llm.errors import InputError
from agreement_llm.evaluation.scoring import count_slots
from agreement_llm.grounding import FoldedText, Match, grounded_values, locate
from agreement_llm.models import Agreement, ArticleRecord, Money, PartialDate, Party, Person

__all__ = ["GoldFile", "Problem", "check_gold_dir", "gold_stats", "load_gold", "load_gold_dir"]


class GoldFile(BaseModel):
    """One gold file: an article's hand-labelled record and the labeller's notes."""

    model_config = ConfigDict(extra="forbid")

    article_id: str = Field(min_length=1)
    record: ArticleRecord
    notes: str


@dataclass(frozen=True)
class Problem:
    """One thing wrong with a gold file."""

    file: str
    field: str
    value: str
    message: str

    def __str__(self) -> str:
        value = f" = {self.value!r}" if self.value else ""
        return f"{self.file}: {self.field}{value}: {self.message}"


def load_gold(path: Path) -> GoldFile:
    """Read and validate one gold file; `InputError` names the file and field on failure."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError) as exc:
        raise InputError(f"{path}: cannot read: {exc}") from None
    except json.JSONDecodeError as exc:
        raise InputError(f"{path}: not JSON ({exc.msg}, line {exc.lineno})") from None
    try:
        return GoldFile.model_validate(data)
    except ValidationError as exc:
        err = exc.errors()[0]
        where = ".".join(str(p) for p in err["loc"])
        raise InputError(f"{path}: field {where}: {err['msg']}") from None


def load_gold_dir(gold_dir: Path, pattern: str = "*") -> list[GoldFile]:
    """Every gold file in `gold_dir` whose article id matches the glob `pattern`, sorted by id."""
    return [load_gold(p) for p in sorted(gold_dir.glob(f"{pattern}.json"))]


_EXPLICIT: dict[str, type[BaseModel]] = {
    "record": ArticleRecord,
    "agreements": Agreement,
    "parties": Party,
    "people": Person,
    "signed_on": PartialDate,
    "published_on": PartialDate,
    "value": Money,
}


def _missing_keys(node: Any, model: type[BaseModel], path: str) -> list[tuple[str, str]]:
    """Fields that a gold file leaves to a default instead of writing out."""
    if not isinstance(node, dict):
        return []
    out = [
        (f"{path}.{name}", "field missing: gold writes every field out")
        for name in model.model_fields
        if name not in node
    ]
    for key, value in node.items():
        sub = _EXPLICIT.get(key)
        if sub is None:
            continue
        items = value if isinstance(value, list) else [value]
        for i, item in enumerate(items):
            where = f"{path}.{key}[{i}]" if isinstance(value, list) else f"{path}.{key}"
            out += _missing_keys(item, sub, where)
    return out


def check_file(path: Path, articles_dir: Path) -> list[Problem]:
    """Every problem of one gold file (empty when it is honest)."""
    name = path.name
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        return [Problem(name, "(file)", "", f"not readable JSON: {exc}")]
    try:
        gold = GoldFile.model_validate(data)
    except ValidationError as exc:
        return [
            Problem(
                name,
                ".".join(str(p) for p in e["loc"]) or "(top level)",
                "" if isinstance(e.get("input"), dict | list) else str(e.get("input", "")),
                e["msg"],
            )
            for e in exc.errors()
        ]
    problems = [
        Problem(name, field, "", msg)
        for field, msg in _missing_keys(data.get("record"), ArticleRecord, "record")
    ]
    if gold.article_id != path.stem:
        problems.append(
            Problem(
                name, "article_id", gold.article_id, f"differs from the file name {path.stem!r}"
            )
        )
    try:
        article = read_article(articles_dir / f"{gold.article_id}.txt")
    except InputError as exc:
        return [*problems, Problem(name, "article_id", gold.article_id, f"article: {exc}")]
    text = FoldedText.of(article.text)
    for gv in grounded_values(gold.record):
        span = locate(gv.value, text, verbatim=gv.verbatim)
        if span.status is not Match.exact:
            what = "not verbatim in the article" if gv.verbatim else "not found in the article"
            problems.append(Problem(name, f"record.{gv.path}", gv.value, what))
    return problems


def check_gold_dir(gold_dir: Path, articles_dir: Path) -> tuple[list[Path], list[Problem]]:
    """Check every gold file in `gold_dir`; also flag articles that have no gold file."""
    files = sorted(gold_dir.glob("*.json"))
    problems = [p for f in files for p in check_file(f, articles_dir)]
    labelled = {f.stem for f in files}
    for article in sorted(articles_dir.glob("*.txt")):
        if article.stem not in labelled:
            problems.append(Problem(article.name, "(file)", "", "article has no gold file"))
    return files, problems


def gold_stats(golds: list[GoldFile]) -> dict[str, Any]:
    """Size of the gold set: articles, agreements, parties, people by role, slots."""
    roles: Counter[str] = Counter()
    agreements = parties = 0
    for gold in golds:
        agreements += len(gold.record.agreements)
        for ag in gold.record.agreements:
            parties += len(ag.parties)
            roles.update(p.role.value for p in ag.people)
    return {
        "articles": len(golds),
        "agreements": agreements,
        "parties": parties,
        "people": dict(sorted(roles.items())),
        "slots": sum(count_slots(g.record) for g in golds),
    }


def articles_for(golds: list[GoldFile], articles_dir: Path) -> dict[str, Article]:
    """The article of each gold file, by id."""
    return {g.article_id: read_article(articles_dir / f"{g.article_id}.txt") for g in golds}
