"""The replay of one article: one prompt version's requests answered from its cassette (or
recorded into it when missing and a live server is given).

One async core (`arun_article`, which the eval suite runs for every article on one event loop
and one client); `run_article` is its sync wrapper."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from agreement_llm.articles import Article
from agreement_llm.config import Endpoint, build_async_client
from agreement_llm.errors import AgreementLLMError, InputError
from agreement_llm.evaluation.cassettes import cassette_path, make_vcr, read_set
from agreement_llm.extract import Extraction, aextract_with_details, run_sync
from agreement_llm.llm import Attempt, ExtractionError
from agreement_llm.retry import RetryPolicy

if TYPE_CHECKING:
    import openai

__all__ = [
    "EVAL_POLICY",
    "MissingCassetteError",
    "RunResult",
    "arun_article",
    "record_command",
    "run_article",
]


# Replays must make the same requests as the recording did, so the eval's retry policy is fixed:
# one re-ask of invalid output, no waiting on transient errors (a cassette does not have them).
EVAL_POLICY = RetryPolicy(transient_attempts=3, reasks=1, initial_wait=0.0, jitter=0.0)


class MissingCassetteError(AgreementLLMError):
    """A replay needs cassettes that have not been recorded (the message names them all)."""


@dataclass(frozen=True)
class RunResult:
    """What one prompt version made of one article: an extraction or the error it ended in."""

    article_id: str
    prompt: str
    extraction: Extraction | None
    error: ExtractionError | None

    @property
    def attempts(self) -> list[Attempt]:
        """Every request made for this article (re-asks included)."""
        if self.extraction is not None:
            return self.extraction.attempts
        return self.error.attempts if self.error is not None else []


def record_command(model: str, prompts: Iterable[str], articles: str | None = None) -> str:
    """The command that records the missing cassettes of `prompts` for one model."""
    only = f" --articles {articles}" if articles and articles != "*" else ""
    return f"agreement-llm eval --model {model} --prompts {' '.join(prompts)}{only} --record"


async def arun_article(
    article: Article,
    prompt: str,
    endpoint: Endpoint,
    cassettes: Path,
    *,
    client: openai.AsyncOpenAI,
    record: bool = False,
) -> RunResult:
    """Run one prompt version on one article through its cassette, with `client`.

    Replays the cassette (read once, and checked: a cut-off or corrupt file is an `InputError`
    naming the file and field; request bodies match as JSON, and their schemas' properties in
    the recorded order where the folder's `set.json` says it kept them); with `record`, records
    it first when it is missing (an existing cassette is never overwritten; a request no
    server answered leaves no cassette).
    """
    path = cassette_path(cassettes, endpoint.model, prompt, article.article_id)
    if not path.exists() and not record:
        raise MissingCassetteError(
            f"missing cassette {path}; record it against a live server with: "
            f"{record_command(endpoint.model, [prompt], article.article_id)}"
        )
    mode = "none" if path.exists() else "once"
    recorded_set = read_set(cassettes, endpoint.model, prompt)
    in_order = recorded_set is not None and recorded_set.bodies_in_order  # else as JSON
    with make_vcr(mode, in_order=in_order).use_cassette(str(path)) as cassette:
        try:
            extraction = await aextract_with_details(
                article.text, prompt=prompt, endpoint=endpoint, client=client, retry=EVAL_POLICY
            )
        except ExtractionError as exc:
            result = RunResult(article.article_id, prompt, None, exc)
        else:
            result = RunResult(article.article_id, prompt, extraction, None)
        unmatched = len(result.attempts) - cassette.play_count  # requests no recording answered
        if mode == "none" and (not cassette.all_played or unmatched > 0):
            raise InputError(
                f"cassette {path} does not hold the requests this code makes now (the prompt, "
                "schema or request shape changed since it was recorded); record a new prompt "
                "version instead of editing a recorded one"
            )
    if mode == "once" and not path.exists():  # nothing answered: say so, record nothing
        reason = str(result.error) if result.error else "no response"
        raise InputError(f"recording {prompt} {article.article_id} got no answer: {reason}")
    return result


def run_article(
    article: Article,
    prompt: str,
    endpoint: Endpoint,
    cassettes: Path,
    *,
    record: bool = False,
) -> RunResult:
    """`arun_article` run to its end, with a client of its own."""

    async def run() -> RunResult:
        async with build_async_client(endpoint) as client:
            return await arun_article(
                article, prompt, endpoint, cassettes, client=client, record=record
            )

    return run_sync(run())
