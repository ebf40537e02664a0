"""Running prompt versions over gold articles: replaying cassettes, or recording missing ones."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from agreement_llm.articles import Article
from agreement_llm.config import Endpoint
from agreement_llm.errors import AgreementLLMError, ExtractionError, InputError
from agreement_llm.evaluation.cassettes import cassette_path, check_cassette, make_vcr
from agreement_llm.extract import Extraction, extract_with_details
from agreement_llm.retry import RetryPolicy

__all__ = ["EVAL_POLICY", "MissingCassetteError", "RunResult", "run_article"]

# Replays must make the same requests as the recording did, so the eval's retry policy is fixed:
# one re-ask of invalid output, no waiting on transient errors (a cassette does not have them).
EVAL_POLICY = RetryPolicy(transient_attempts=3, reasks=1, initial_wait=0.0, jitter=0.0)


class MissingCassetteError(AgreementLLMError):
    """A replay needs a cassette that has not been recorded."""


@dataclass(frozen=True)
class RunResult:
    """What one prompt version made of one article: an extraction or the error it ended in."""

    article_id: str
    prompt: str
    extraction: Extraction | None
    error: ExtractionError | None


def record_command(prompt: str, article_id: str) -> str:
    """The command that records one missing cassette."""
    return f"agreement-llm eval --prompts {prompt} --articles {article_id} --record"


def run_article(
    article: Article,
    prompt: str,
    endpoint: Endpoint,
    cassettes: Path,
    *,
    record: bool = False,
) -> RunResult:
    """Run one prompt version on one article through its cassette.

    Replays the cassette; with `record`, records it first when it is missing (an existing
    cassette is never overwritten).
    """
    path = cassette_path(cassettes, endpoint.model, prompt, article.article_id)
    if not path.exists() and not record:
        raise MissingCassetteError(
            f"missing cassette {path}; record it against a live server with: "
            f"{record_command(prompt, article.article_id)}"
        )
    if path.exists():
        check_cassette(path)
    mode = "none" if path.exists() else "once"
    with make_vcr(mode).use_cassette(str(path)) as cassette:
        try:
            extraction = extract_with_details(
                article.text, prompt=prompt, endpoint=endpoint, retry=EVAL_POLICY
            )
        except ExtractionError as exc:
            result = RunResult(article.article_id, prompt, None, exc)
            attempts = exc.attempts
        else:
            result = RunResult(article.article_id, prompt, extraction, None)
            attempts = extraction.attempts
        unmatched = len(attempts) - cassette.play_count  # requests no recording answered
        if mode == "none" and (not cassette.all_played or unmatched > 0):
            raise InputError(
                f"cassette {path} does not hold the requests this code makes now (the prompt, "
                "schema or request shape changed since it was recorded); record a new prompt "
                "version instead of editing a recorded one"
            )
    return result
