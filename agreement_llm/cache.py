"""An on-disk cache of extractions, keyed by text hash, prompt version and hash, model and
the record schema's hash, so the same text is never paid for twice."""

from __future__ import annotations

import hashlib
import json
import os
from functools import cache
from pathlib import Path

from pydantic import ValidationError

from agreement_llm.extract import Extraction
from agreement_llm.models import ArticleRecord

__all__ = ["ResultCache", "default_cache_dir", "schema_sha256"]


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
