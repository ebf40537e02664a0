"""The result cache: extractions on disk by text, prompt version, model and schema, so the
same text is never paid for twice; private to the user, checked on read, never a stop."""

from __future__ import annotations

import hashlib
import json
import logging
import os
import stat
import tempfile
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


log = logging.getLogger("agreement_llm")


class ResultCache:
    """Extractions on disk, one JSON file per key, private to the user (folders 0700, files
    0600). An entry whose text hash, prompt version or model is not its key's is ignored and
    counted in `mismatched`; a write that fails (a full disk) is a warning, counted in
    `write_failures`, never a stop."""

    def __init__(self, root: Path | None = None) -> None:
        self.root = root or default_cache_dir()
        self.mismatched = 0
        self.write_failures = 0

    def key(self, text_sha: str, prompt: str, prompt_sha: str, model: str) -> str:
        """The cache key of one (text, prompt version, model, schema)."""
        raw = "|".join((text_sha, prompt, prompt_sha, model, schema_sha256()))
        return hashlib.sha256(raw.encode()).hexdigest()

    def _path(self, key: str) -> Path:
        return self.root / key[:2] / f"{key}.json"

    def get(
        self,
        key: str,
        *,
        text_sha: str | None = None,
        prompt: str | None = None,
        model: str | None = None,
    ) -> Extraction | None:
        """The cached extraction, or None (also for an unreadable entry, and for one whose
        text hash, prompt version or model is not the one asked for: reported in the log)."""
        path = self._path(key)
        try:
            hit = Extraction.model_validate_json(path.read_bytes())
        except (OSError, ValidationError):
            return None
        expected = {"text_sha256": text_sha, "prompt_version": prompt, "model": model}
        wrong = [f for f, v in expected.items() if v is not None and getattr(hit, f) != v]
        if wrong:
            self.mismatched += 1
            log.warning(
                "cache entry %s ignored: its %s differ from its key", path, ", ".join(wrong)
            )
            return None
        return hit

    def _private_dir(self, path: Path) -> None:
        for folder in (self.root, path):
            folder.mkdir(mode=0o700, parents=True, exist_ok=True)
            if stat.S_IMODE(folder.stat().st_mode) != 0o700:
                folder.chmod(0o700)

    def put(self, key: str, extraction: Extraction) -> bool:
        """Store an extraction (a private temporary file, then renamed); False, with a
        warning, when it cannot be written."""
        path = self._path(key)
        name: str | None = None
        try:
            self._private_dir(path.parent)
            fd, name = tempfile.mkstemp(prefix=f".{key[:16]}.", dir=path.parent)  # 0600
            with os.fdopen(fd, "wb") as f:
                f.write(extraction.model_dump_json().encode("utf-8"))
            os.replace(name, path)
        except OSError as exc:
            if name is not None:
                Path(name).unlink(missing_ok=True)
            self.write_failures += 1
            log.warning("result cache %s not written (%s); the batch goes on", self.root, exc)
            return False
        return True
