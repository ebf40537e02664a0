"""What a Batch API run keeps on disk beside its results file `OUT`.

- `OUT.batch.json`, the state (small, rewritten atomically): the endpoint and prompt version of
  the run, the request files prepared, their uploaded file ids, their batches and each batch's
  last known status and counts.
- `OUT.batch/articles.jsonl`: the articles submitted (text included, so `collect` needs no
  input files); an article sent again after a failure gets a new generation `gen`.
- `OUT.batch/requests/NNNN.jsonl` (the request lines, as uploaded) and `NNNN.ids` (their
  custom ids, one a line): what is in flight.
- `OUT.batch/answers/<batch id>.jsonl`: the output and error lines of a finished batch, written
  once (temporary file, then renamed) before the state says it was downloaded.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from agreement_llm.articles import Article
from agreement_llm.config import OutputStyle, ServerKind
from agreement_llm.errors import InputError

__all__ = [
    "TERMINAL",
    "BatchInfo",
    "BatchLimits",
    "BatchState",
    "RequestFile",
    "StoredArticle",
    "Workdir",
    "write_atomic",
]

TERMINAL = frozenset({"completed", "failed", "expired", "cancelled"})
BatchStatusName = Literal[
    "validating",
    "failed",
    "in_progress",
    "finalizing",
    "completed",
    "expired",
    "cancelling",
    "cancelled",
]


class BatchLimits(BaseModel):
    """The provider's limits on one input file (OpenAI's: 50,000 requests, 200 MB)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    max_requests: int = Field(default=50_000, ge=1)
    max_bytes: int = Field(default=200 * 1024 * 1024, ge=1)


class BatchInfo(BaseModel):
    """One batch: its input, its status and counts as last seen, and whether its answers are
    on disk."""

    model_config = ConfigDict(extra="forbid")

    id: str
    input_file_id: str
    file: str
    requests: int
    status: BatchStatusName = "validating"
    completed: int = 0
    failed: int = 0
    output_file_id: str | None = None
    error_file_id: str | None = None
    errors: list[str] = Field(default_factory=list)
    downloaded: bool = False


class RequestFile(BaseModel):
    """A request file prepared on disk; `file_id` once uploaded, `creating` while its batch is
    being created (a stop then is resolved by looking for it), `batch_id` once submitted."""

    model_config = ConfigDict(extra="forbid")

    name: str
    requests: int
    bytes: int
    file_id: str | None = None
    creating: bool = False
    batch_id: str | None = None


class BatchState(BaseModel):
    """The state file of a results file's batches."""

    model_config = ConfigDict(extra="forbid")

    version: Literal[1] = 1
    prompt: str
    model: str
    kind: ServerKind
    style: OutputStyle
    base_url: str | None
    system_in_user: bool = False
    files: list[RequestFile] = Field(default_factory=list)
    batches: list[BatchInfo] = Field(default_factory=list)

    def batch(self, batch_id: str) -> BatchInfo:
        """The batch of that id."""
        return next(b for b in self.batches if b.id == batch_id)


class StoredArticle(BaseModel):
    """An article as submitted."""

    model_config = ConfigDict(extra="forbid")

    article_id: str
    sha: str
    gen: int
    text: str
    source: str | None = None
    title: str | None = None

    @property
    def article(self) -> Article:
        """The article itself."""
        return Article(self.article_id, self.text, self.source, self.title)


def write_atomic(path: Path, data: bytes) -> None:
    """Write `data` to a temporary file, flush it to disk, then rename it over `path`."""
    tmp = path.with_name(path.name + ".tmp")
    with tmp.open("wb") as f:
        f.write(data)
        f.flush()
        os.fsync(f.fileno())
    os.replace(tmp, path)


class Workdir:
    """The state file and folder of the results file `out`."""

    def __init__(self, out: Path) -> None:
        self.out = out
        self.state_path = out.with_name(out.name + ".batch.json")
        self.root = out.with_name(out.name + ".batch")
        self.requests = self.root / "requests"
        self.answers = self.root / "answers"
        self.articles_path = self.root / "articles.jsonl"

    def load(self) -> BatchState | None:
        """The state, or None when nothing was submitted for `out`."""
        if not self.state_path.exists():
            return None
        try:
            return BatchState.model_validate_json(self.state_path.read_bytes())
        except ValueError as exc:
            raise InputError(f"{self.state_path}: not a batch state file ({exc})") from None

    def require(self) -> BatchState:
        """The state; `InputError` when there is none."""
        state = self.load()
        if state is None:
            raise InputError(f"no batches for {self.out} (no {self.state_path.name}): submit first")
        return state

    def save(self, state: BatchState) -> None:
        """Write the state atomically."""
        self.state_path.parent.mkdir(parents=True, exist_ok=True)
        write_atomic(self.state_path, state.model_dump_json(indent=1).encode("utf-8"))

    def articles(self) -> dict[tuple[str, str], StoredArticle]:
        """The articles submitted, the latest generation of each."""
        out: dict[tuple[str, str], StoredArticle] = {}
        if not self.articles_path.exists():
            return out
        with self.articles_path.open(encoding="utf-8") as f:
            for line in f:
                if line.endswith("\n"):  # a line cut off by a kill was never submitted
                    stored = StoredArticle.model_validate_json(line)
                    out[(stored.article_id, stored.sha)] = stored
        return out

    def add_articles(self, articles: Iterable[StoredArticle]) -> None:
        """Append articles (one write per article)."""
        self.root.mkdir(parents=True, exist_ok=True)
        with self.articles_path.open("a", encoding="utf-8") as f:
            for stored in articles:
                f.write(stored.model_dump_json() + "\n")
            f.flush()
            os.fsync(f.fileno())

    def write_requests(
        self, state: BatchState, lines: Iterable[tuple[str, bytes]], limits: BatchLimits
    ) -> list[RequestFile]:
        """Write request lines (custom id, JSON line) into files under `limits`; record them in
        the state (saved). Returns the files written."""
        self.requests.mkdir(parents=True, exist_ok=True)
        written: list[RequestFile] = []
        chunk: list[tuple[str, bytes]] = []
        size = 0

        def flush() -> None:
            name = f"{len(state.files) + len(written) + 1:04d}"
            write_atomic(self.requests / f"{name}.jsonl", b"".join(line for _, line in chunk))
            ids = "".join(f"{cid}\n" for cid, _ in chunk).encode("utf-8")
            write_atomic(self.requests / f"{name}.ids", ids)
            written.append(RequestFile(name=name, requests=len(chunk), bytes=size))

        for cid, line in lines:
            if len(line) > limits.max_bytes:
                raise InputError(
                    f"request {cid} is {len(line):,} bytes, over the {limits.max_bytes:,}-byte "
                    "limit of one input file"
                )
            if chunk and (len(chunk) >= limits.max_requests or size + len(line) > limits.max_bytes):
                flush()
                chunk, size = [], 0
            chunk.append((cid, line))
            size += len(line)
        if chunk:
            flush()
        state.files.extend(written)
        self.save(state)
        return written

    def ids(self, name: str) -> list[str]:
        """The custom ids in a request file."""
        return (self.requests / f"{name}.ids").read_text(encoding="utf-8").splitlines()

    def save_answers(self, batch_id: str, data: bytes) -> None:
        """Store a finished batch's output and error lines."""
        self.answers.mkdir(parents=True, exist_ok=True)
        write_atomic(self.answers / f"{batch_id}.jsonl", data)

    def answer_lines(self, batch_ids: Iterable[str]) -> Iterator[dict[str, Any]]:
        """The stored output and error lines of those batches."""
        for batch_id in batch_ids:
            path = self.answers / f"{batch_id}.jsonl"
            if not path.exists():
                continue
            with path.open(encoding="utf-8") as f:
                for line in f:
                    if line.strip():
                        yield json.loads(line)
