"""`extract` and `extract_with_details`: article text in, validated and grounded record out."""

from __future__ import annotations

import hashlib
import time
from dataclasses import dataclass

import openai
from pydantic import BaseModel, ConfigDict, Field

from agreement_llm.clients import build_async_client, shared_client
from agreement_llm.config import Endpoint, OutputStyle, ServerKind, resolve_endpoint
from agreement_llm.dates import DateChange, apply_date_rules
from agreement_llm.errors import InputError
from agreement_llm.grounding import GroundingReport, ground
from agreement_llm.htmltext import looks_like_html
from agreement_llm.limits import check_fits
from agreement_llm.llm import acall_model, call_model
from agreement_llm.models import ArticleRecord, PartialDate
from agreement_llm.prompts import Prompt, load_prompt
from agreement_llm.retry import RetryPolicy
from agreement_llm.usage import Attempt, Usage, total_usage

__all__ = [
    "Extraction",
    "aextract_with_details",
    "endpoint_for",
    "extract",
    "extract_with_details",
    "text_sha256",
]


class Extraction(BaseModel):
    """A record with everything that produced it and what it cost."""

    model_config = ConfigDict(extra="forbid")

    record: ArticleRecord
    prompt_version: str
    prompt_sha256: str
    model: str
    endpoint_kind: ServerKind
    output_style: OutputStyle
    text_sha256: str
    attempts: list[Attempt]
    latency_s: float
    grounding: GroundingReport
    date_changes: list[DateChange]
    article_text: str | None = Field(default=None, exclude=True, repr=False)

    def _repr_html_(self) -> str:
        from agreement_llm.display import extraction_html

        return extraction_html(self, self.article_text)

    @property
    def usage(self) -> Usage:
        """Tokens used by all attempts together."""
        return total_usage(self.attempts)

    @property
    def raw_completions(self) -> list[str]:
        """The raw text of every completion the server returned, in order."""
        return [a.raw for a in self.attempts if a.raw is not None]


def text_sha256(text: str) -> str:
    """The hash that identifies an article's text in results and caches."""
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def check_text(text: object) -> str:
    """`text` if it is usable article text; else an `InputError` naming the problem."""
    if not isinstance(text, str):
        raise InputError(f"article text must be a str, not {type(text).__name__}")
    if not text.strip():
        raise InputError(
            "article text is empty" if not text else "article text is only white space"
        )
    if "\x00" in text:
        raise InputError("article text contains NUL bytes: binary data, not text")
    if looks_like_html(text):
        raise InputError(
            "article text is an HTML page: pass its text "
            "(agreement_llm.htmltext.html_to_text, or read the file with read_article)"
        )
    return text


@dataclass(frozen=True)
class _Job:
    """An extraction ready to send: the checked text, prompt, endpoint and messages."""

    text: str
    prompt: Prompt
    endpoint: Endpoint
    messages: list[dict[str, str]]


def _prepare(
    text: str,
    prompt: str | None,
    model: str | None,
    endpoint: Endpoint | None,
    client: openai.OpenAI | openai.AsyncOpenAI | None,
) -> _Job:
    check_text(text)
    chosen = load_prompt(prompt)
    ep = endpoint_for(endpoint, client, model)
    messages = chosen.render(text, system_in_user=ep.system_in_user)
    check_fits(messages, chosen.manifest.settings.max_tokens, ep)
    return _Job(text, chosen, ep, messages)


@dataclass(frozen=True)
class Answer:
    """A valid record as the model gave it, before its dates are settled and its values are
    grounded (`finish`)."""

    job: _Job
    record: ArticleRecord
    attempts: list[Attempt]
    latency_s: float

    def finish(
        self, article_date: PartialDate | None = None, text_sha: str | None = None
    ) -> Extraction:
        """The extraction: dates settled by the rules, values grounded in the article.
        `text_sha` is the text's hash when the caller has it already."""
        job = self.job
        record, changes = apply_date_rules(self.record, job.text, article_date)
        return Extraction(
            record=record,
            prompt_version=job.prompt.id,
            prompt_sha256=job.prompt.sha256,
            model=job.endpoint.model,
            endpoint_kind=job.endpoint.kind,
            output_style=job.endpoint.style,
            text_sha256=text_sha or text_sha256(job.text),
            attempts=self.attempts,
            latency_s=self.latency_s,
            grounding=ground(record, job.text),
            date_changes=changes,
            article_text=job.text,
        )


def extract_with_details(
    text: str,
    *,
    prompt: str | None = None,
    model: str | None = None,
    endpoint: Endpoint | None = None,
    client: openai.OpenAI | None = None,
    retry: RetryPolicy | None = None,
    article_date: PartialDate | None = None,
) -> Extraction:
    """Extract the agreements of one article, with the trace of how.

    `prompt` names a prompt version (default: the newest). The endpoint comes from `endpoint`,
    else from `resolve_endpoint(model=model)` (arguments, then environment, then defaults);
    `model` overrides the endpoint's model. A `client` of the caller's own is used as given.
    `article_date` is the article's own date when known from outside the text; otherwise the
    record's `published_on` is used for the year rule. Raises `InputError` for unusable text
    and `ExtractionError` when the model's answers stay unusable.
    """
    job = _prepare(text, prompt, model, endpoint, client)
    start = time.perf_counter()
    record, attempts = call_model(
        job.messages,
        client=client or shared_client(job.endpoint),
        endpoint=job.endpoint,
        prompt=job.prompt,
        policy=retry or RetryPolicy(),
    )
    return Answer(job, record, attempts, time.perf_counter() - start).finish(article_date)


async def aextract_with_details(
    text: str,
    *,
    prompt: str | None = None,
    model: str | None = None,
    endpoint: Endpoint | None = None,
    client: openai.AsyncOpenAI | None = None,
    retry: RetryPolicy | None = None,
    article_date: PartialDate | None = None,
) -> Extraction:
    """The async twin of `extract_with_details` (takes an `openai.AsyncOpenAI` client)."""
    answer = await aask(
        text, prompt=prompt, model=model, endpoint=endpoint, client=client, retry=retry
    )
    return answer.finish(article_date)


async def aask(
    text: str,
    *,
    prompt: str | None = None,
    model: str | None = None,
    endpoint: Endpoint | None = None,
    client: openai.AsyncOpenAI | None = None,
    retry: RetryPolicy | None = None,
) -> Answer:
    """The model's valid record for `text`, not yet finished (`aextract_with_details` without
    its last step, which a batch puts off until its event loop is idle)."""
    job = _prepare(text, prompt, model, endpoint, client)
    start = time.perf_counter()
    own = client is None
    http = build_async_client(job.endpoint) if client is None else client
    try:
        record, attempts = await acall_model(
            job.messages,
            client=http,
            endpoint=job.endpoint,
            prompt=job.prompt,
            policy=retry or RetryPolicy(),
        )
    finally:
        if own:
            await http.close()
    return Answer(job, record, attempts, time.perf_counter() - start)


def extract(
    text: str,
    *,
    prompt: str | None = None,
    model: str | None = None,
    endpoint: Endpoint | None = None,
    client: openai.OpenAI | None = None,
    retry: RetryPolicy | None = None,
    article_date: PartialDate | None = None,
) -> ArticleRecord:
    """Extract the agreements of one article as a validated `ArticleRecord`.

    Same arguments as `extract_with_details`, which also returns the trace.
    """
    return extract_with_details(
        text,
        prompt=prompt,
        model=model,
        endpoint=endpoint,
        client=client,
        retry=retry,
        article_date=article_date,
    ).record


def endpoint_for(
    endpoint: Endpoint | None,
    client: openai.OpenAI | openai.AsyncOpenAI | None,
    model: str | None,
) -> Endpoint:
    """The endpoint of a call: `endpoint` if given, else the caller's client's server, else the
    one configured (arguments, then environment, then defaults); with `model` as its model."""
    if endpoint is not None:
        return endpoint.with_model(model) if model is not None else endpoint
    if client is None:
        return resolve_endpoint(model=model)
    base = str(client.base_url).rstrip("/")
    # The caller's client carries its own key; only the endpoint's kind and model are resolved.
    return resolve_endpoint(model=model, base_url=base, api_key="(client's own)")
