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

import contextlib
import errno
import fcntl
import hashlib
import json
import os
import tempfile
from collections.abc import Collection
from datetime import UTC, datetime
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from agreement_llm.articles import Article
from agreement_llm.cache import ResultCache, default_cache_dir
from agreement_llm.errors import AgreementLLMError, InputError
from agreement_llm.extract import Extraction
from agreement_llm.llm import Attempt, ExtractionError

__all__ = [
    "ErrorInfo",
    "ResultCache",
    "ResultRow",
    "ResultStore",
    "ResultsLockedError",
    "ResultsWriteError",
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


class ResultsWriteError(AgreementLLMError):
    """The results file cannot be written (disk full, read-only, file size limit)."""


class ResultsLockedError(AgreementLLMError):
    """Another process is writing the same results file."""


def _write_all(fd: int, data: bytes) -> None:
    """Write all of `data` (a short write is continued, not taken as done)."""
    view = memoryview(data)
    while view:
        written = os.write(fd, view)
        if written <= 0:
            raise OSError(errno.ENOSPC, "no bytes written")
        view = view[written:]


def _parse_row(line: bytes) -> ResultRow | None:
    """The row of one line; a row with fields of the user's own (an annotation) still counts.
    None when the line is no row (cut off, not UTF-8, not JSON)."""
    try:
        return ResultRow.model_validate_json(line)
    except ValidationError:
        pass
    try:
        data = json.loads(line.decode("utf-8"))
    except ValueError:
        return None
    if not isinstance(data, dict):
        return None
    known = {k: v for k, v in data.items() if k in ResultRow.model_fields}
    try:
        return ResultRow.model_validate(known)
    except ValidationError:
        return None


class ResultStore:
    """A JSONL file of result rows, appended one whole line per write, one writer at a time.

    Lines it cannot read are never deleted: `start` moves them to `<file>.unreadable` and
    counts them in `unreadable`. Rows that could not be appended (a full disk) are saved to a
    rescue file that the next `start` merges back.
    """

    def __init__(self, path: Path) -> None:
        self.path = path
        self.unreadable = 0  # lines that could not be read (a cut-off write, a bad byte)
        self.rescued = 0  # rows merged back from a rescue file by `start`
        self._lock_fd: int | None = None

    @property
    def lock_path(self) -> Path:
        """The file whose OS lock marks the results file's one writer."""
        return self.path.with_name(self.path.name + ".lock")

    @property
    def side_path(self) -> Path:
        """Where `start` moves the lines it cannot read."""
        return self.path.with_name(self.path.name + ".unreadable")

    def rescue_paths(self) -> list[Path]:
        """Where rows that could not be appended go: beside the file, else in the cache
        folder (another disk, often), else the temporary folder."""
        name = hashlib.sha256(str(self.path.resolve()).encode()).hexdigest()[:16]
        return [
            self.path.with_name(self.path.name + ".rescue"),
            default_cache_dir() / "rescue" / f"{name}.jsonl",
            Path(tempfile.gettempdir()) / f"agreement-llm-rescue-{name}.jsonl",
        ]

    def lock(self) -> None:
        """Take the OS lock of the results file, or raise `ResultsLockedError` at once naming
        the process that holds it. The OS drops the lock when its holder dies."""
        self.path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(self.lock_path, os.O_RDWR | os.O_CREAT, 0o644)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError as exc:
            if exc.errno not in (errno.EWOULDBLOCK, errno.EACCES, errno.EAGAIN):
                os.close(fd)
                raise
            holder = os.pread(fd, 32, 0).decode("ascii", "replace").strip() or "unknown"
            os.close(fd)
            raise ResultsLockedError(
                f"{self.path} is being written by another process (PID {holder}); "
                "wait for it to finish, or write to another file"
            ) from None
        os.ftruncate(fd, 0)
        os.pwrite(fd, f"{os.getpid()}\n".encode(), 0)
        self._lock_fd = fd

    def unlock(self) -> None:
        """Release the lock (the lock file stays: removing it would race a new writer)."""
        if self._lock_fd is not None:
            os.ftruncate(self._lock_fd, 0)
            fcntl.flock(self._lock_fd, fcntl.LOCK_UN)
            os.close(self._lock_fd)
            self._lock_fd = None

    def _lines(self, path: Path) -> list[bytes]:
        if not path.exists():
            return []
        return [line for line in path.read_bytes().split(b"\n") if line.strip()]

    def load(self) -> dict[tuple[str, str, str, str], ResultRow]:
        """The rows in the file, the last one winning for each key."""
        rows: dict[tuple[str, str, str, str], ResultRow] = {}
        for line in self._lines(self.path):
            row = _parse_row(line)
            if row is None:
                self.unreadable += 1
            else:
                rows[row.key] = row
        return rows

    def start(
        self, run: Collection[tuple[str, str, str, str]]
    ) -> dict[tuple[str, str, str, str], ResultRow]:
        """Start a run over the keys `run`: keep the finished rows (as they were written, with
        any fields of the user's own), move the lines it cannot read to `side_path`, merge
        rows rescued from a full disk, drop the failed rows this run retries (failures of
        other work stay); return the finished rows."""
        kept: dict[tuple[str, str, str, str], tuple[ResultRow, bytes]] = {}
        bad: list[bytes] = []
        rescues = [p for p in self.rescue_paths() if p.exists()]
        for source in [self.path, *rescues]:
            for line in self._lines(source):
                row = _parse_row(line)
                if row is None:
                    bad.append(line)
                    continue
                if source is not self.path and row.key in kept and row.status != "ok":
                    continue
                self.rescued += source is not self.path
                kept[row.key] = (row, line)
        self.unreadable = len(bad)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        if bad:  # kept, never deleted
            with self.side_path.open("ab") as f:
                f.write(b"\n".join(bad) + b"\n")
                f.flush()
                os.fsync(f.fileno())
        fd, name = tempfile.mkstemp(prefix=f".{self.path.name}.", dir=self.path.parent)
        try:
            with os.fdopen(fd, "wb") as f:
                for key, (row, line) in kept.items():
                    if row.status == "ok" or key not in run:
                        f.write(line + b"\n")
                f.flush()
                os.fsync(f.fileno())
            os.chmod(name, 0o644)
            os.replace(name, self.path)
        except OSError as exc:
            Path(name).unlink(missing_ok=True)
            raise ResultsWriteError(f"{self.path}: cannot be written ({exc.strerror})") from None
        for rescue in rescues:
            rescue.unlink(missing_ok=True)
        return {k: r for k, (r, _) in kept.items() if r.status == "ok"}

    def append(self, row: ResultRow) -> None:
        """Append one row as one whole line, or not at all: a write cut short (a full disk)
        is undone and raises `ResultsWriteError`, and the row goes to a rescue file."""
        data = (row.model_dump_json() + "\n").encode("utf-8")
        try:
            fd = os.open(self.path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
        except OSError as exc:
            self._rescue(data)
            raise ResultsWriteError(f"{self.path}: cannot be written ({exc.strerror})") from None
        try:
            size = os.fstat(fd).st_size
            try:
                _write_all(fd, data)
            except OSError as exc:
                with contextlib.suppress(OSError):
                    os.ftruncate(fd, size)  # no half line
                where = self._rescue(data)
                raise ResultsWriteError(
                    f"{self.path}: cannot be written ({exc.strerror}); "
                    f"the answers received are kept in {where}"
                ) from None
        finally:
            os.close(fd)

    def _rescue(self, data: bytes) -> str:
        for path in self.rescue_paths():
            try:
                path.parent.mkdir(parents=True, exist_ok=True)
                fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
                try:
                    size = os.fstat(fd).st_size
                    try:
                        _write_all(fd, data)
                    except OSError:
                        os.ftruncate(fd, size)
                        raise
                finally:
                    os.close(fd)
            except OSError:
                continue
            return str(path)
        return "no file (every place to keep them is full)"


def read_results(path: str | Path) -> list[ResultRow]:
    """The rows of a results file (last one per key), for analysis."""
    path = Path(path)
    if not path.exists():
        raise InputError(f"{path}: no such results file")
    return list(ResultStore(path).load().values())
