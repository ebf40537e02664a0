"""Batch results: one JSON line per article, streamed as extractions finish, resumable.

A line is a `ResultRow`: the article id and text hash, the prompt version and model, and
either the extraction (record, usage, grounding) or the error. Running again over the same
file skips articles already done with the same prompt version and model, and retries the
failed ones; the file is rewritten once at the start so that every article appears once (the
failures of articles the run does not include stay as they were).

The cache (`ResultCache`) keeps extractions on disk by text, prompt version, model and schema,
so the same text is never paid for twice.
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Collection
from datetime import UTC, datetime
from functools import cache
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from agreement_llm.articles import Article
from agreement_llm.errors import InputError
from agreement_llm.extract import Extraction
from agreement_llm.llm import Attempt, ExtractionError
from agreement_llm.models import ArticleRecord

__all__ = [
    "ErrorInfo",
    "ResultCache",
    "ResultRow",
    "ResultStore",
    "default_cache_dir",
    "read_results",
]


class ErrorInfo(BaseModel):
    """Why an article has no record."""

    model_config = ConfigDict(extra="forbid")

    kind: str
    message: str
    attempts: list[Attempt] = Field(default_factory=list)


class ResultRow(BaseModel):
    """One article's outcome in a batch."""

    model_config = ConfigDict(extra="forbid")

    article_id: str
    text_sha256: str
    prompt_version: str
    model: str
    status: Literal["ok", "error"]
    source: str | None = None
    title: str | None = None
    extraction: Extraction | None = None
    error: ErrorInfo | None = None
    cached: bool = False
    finished_at: str = Field(default_factory=lambda: datetime.now(UTC).isoformat())

    @property
    def key(self) -> tuple[str, str, str, str]:
        """What identifies the work: article, text, prompt version, model."""
        return (self.article_id, self.text_sha256, self.prompt_version, self.model)

    @classmethod
    def success(
        cls, article: Article, extraction: Extraction, *, cached: bool = False
    ) -> ResultRow:
        """The row of an article that was extracted."""
        return cls(
            article_id=article.article_id,
            source=article.source,
            title=article.title,
            text_sha256=extraction.text_sha256,
            prompt_version=extraction.prompt_version,
            model=extraction.model,
            status="ok",
            extraction=extraction,
            cached=cached,
        )

    @classmethod
    def failure(
        cls, article: Article, text_sha: str, prompt: str, model: str, exc: Exception
    ) -> ResultRow:
        """The row of an article whose extraction failed."""
        if isinstance(exc, ExtractionError):
            info = ErrorInfo(kind=exc.kind, message=str(exc), attempts=exc.attempts)
        elif isinstance(exc, InputError):
            info = ErrorInfo(kind="input", message=str(exc))
        else:
            info = ErrorInfo(kind="internal", message=f"{type(exc).__name__}: {exc}")
        return cls(
            article_id=article.article_id,
            source=article.source,
            title=article.title,
            text_sha256=text_sha,
            prompt_version=prompt,
            model=model,
            status="error",
            error=info,
        )


class ResultStore:
    """A JSONL file of result rows, appended one whole line per write."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.dropped = 0  # lines that could not be read (a write cut off by a kill)

    def load(self) -> dict[tuple[str, str, str, str], ResultRow]:
        """The rows in the file, the last one winning for each key."""
        rows: dict[tuple[str, str, str, str], ResultRow] = {}
        if not self.path.exists():
            return rows
        with self.path.open(encoding="utf-8") as f:
            for line in f:
                if not line.strip():
                    continue
                try:
                    row = ResultRow.model_validate_json(line)
                except ValidationError:
                    self.dropped += 1
                    continue
                rows[row.key] = row
        return rows

    def start(
        self, run: Collection[tuple[str, str, str, str]]
    ) -> dict[tuple[str, str, str, str], ResultRow]:
        """Start a run over the keys `run`: keep the finished rows, drop the cut-off ones and
        the failed ones this run retries (failures of other work stay); return the finished
        rows."""
        rows = self.load()
        done = {k: r for k, r in rows.items() if r.status == "ok"}
        self.path.parent.mkdir(parents=True, exist_ok=True)
        tmp = self.path.with_name(self.path.name + ".tmp")
        with tmp.open("w", encoding="utf-8") as f:
            for key, row in rows.items():
                if row.status == "ok" or key not in run:
                    f.write(row.model_dump_json() + "\n")
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, self.path)
        return done

    def append(self, row: ResultRow) -> None:
        """Append one row as one write, flushed to the operating system."""
        data = (row.model_dump_json() + "\n").encode("utf-8")
        fd = os.open(self.path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
        try:
            os.write(fd, data)
        finally:
            os.close(fd)


def read_results(path: str | Path) -> list[ResultRow]:
    """The rows of a results file (last one per key), for analysis."""
    path = Path(path)
    if not path.exists():
        raise InputError(f"{path}: no such results file")
    return list(ResultStore(path).load().values())


@cache
def schema_sha256() -> str:
    """The hash of the record's JSON schema: a schema change invalidates the cache."""
    schema = json.dumps(ArticleRecord.model_json_schema(), sort_keys=True)
    return hashlib.sha256(schema.encode()).hexdigest()


def default_cache_dir() -> Path:
    """`$AGREEMENT_LLM_CACHE_DIR`, else `$XDG_CACHE_HOME/agreement-llm`, else ~/.cache/..."""
    explicit = os.environ.get("AGREEMENT_LLM_CACHE_DIR")
    if explicit:
        return Path(explicit)
    base = os.environ.get("XDG_CACHE_HOME")
    return (Path(base) if base else Path.home() / ".cache") / "agreement-llm"


class ResultCache:
    """Extractions on disk, one JSON file per key."""

    def __init__(self, root: Path | None = None) -> None:
        self.root = root or default_cache_dir()

    def key(self, text_sha: str, prompt: str, prompt_sha: str, model: str) -> str:
        """The cache key of one (text, prompt version, model, schema)."""
        raw = "|".join((text_sha, prompt, prompt_sha, model, schema_sha256()))
        return hashlib.sha256(raw.encode()).hexdigest()

    def _path(self, key: str) -> Path:
        return self.root / key[:2] / f"{key}.json"

    def get(self, key: str) -> Extraction | None:
        """The cached extraction, or None (also for an unreadable entry)."""
        path = self._path(key)
        try:
            return Extraction.model_validate_json(path.read_bytes())
        except (OSError, ValidationError):
            return None

    def put(self, key: str, extraction: Extraction) -> None:
        """Store an extraction (written to a temporary file, then renamed)."""
        path = self._path(key)
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(f".{os.getpid()}.tmp")
        tmp.write_text(extraction.model_dump_json(), encoding="utf-8")
        os.replace(tmp, path)
