"""`extract` and `extract_with_details`: article text in, validated and grounded record out.

One async core (`aextract_with_details`); the sync functions are thin wrappers that run it
(`run_sync`, safe where an event loop is already running, as in a notebook).
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import threading
import time
from collections.abc import Coroutine
from dataclasses import dataclass
from typing import Any, TypeVar

import openai
from pydantic import BaseModel, ConfigDict, Field

from agreement_llm.articles import looks_like_html, text_sha256
from agreement_llm.config import (
    Endpoint,
    OutputStyle,
    ServerKind,
    build_async_client,
    resolve_endpoint,
    shared_client,
)
from agreement_llm.dates import DateChange, apply_date_rules
from agreement_llm.errors import InputError
from agreement_llm.grounding import GroundingReport, ground
from agreement_llm.llm import Attempt, BeforeRequest, Usage, call_model, total_usage
from agreement_llm.models import ArticleRecord, PartialDate
from agreement_llm.prompts import Prompt, check_fits, load_prompt
from agreement_llm.recipes import run_stepwise
from agreement_llm.retry import RetryPolicy

__all__ = [
    "MAX_ARTICLE_CHARS",
    "Extraction",
    "aextract_with_details",
    "endpoint_for",
    "extract",
    "extract_with_details",
    "run_sync",
    "text_sha256",
]

T = TypeVar("T")

MAX_ARTICLE_CHARS = 200_000
"""The longest article sent when the model's context size is unknown (about 50,000 tokens;
the longest gold article is about 4,000 characters). Longer ones are refused before any
request: set `AGREEMENT_LLM_CONTEXT`, raise the limit, or split the article."""


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
    notes: list[str] = Field(default_factory=list)
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
            "(agreement_llm.articles.html_to_text, or read the file with read_article)"
        )
    return text


@dataclass(frozen=True)
class Job:
    """An extraction ready to send: the checked text, prompt, endpoint and messages."""

    text: str
    prompt: Prompt
    endpoint: Endpoint
    messages: list[dict[str, str]]

    @classmethod
    def prepare(
        cls,
        text: str,
        prompt: str | None,
        endpoint: Endpoint,
        *,
        max_article_chars: int = MAX_ARTICLE_CHARS,
    ) -> Job:
        """Check `text` and render its messages; `InputError` when it is unusable (or, with
        an unknown context size, longer than `max_article_chars`)."""
        check_text(text)
        if endpoint.context_tokens is None and len(text) > max_article_chars:
            raise InputError(
                f"article too long: {len(text):,} characters, above the limit of "
                f"{max_article_chars:,} for a model whose context size is unknown; set "
                "AGREEMENT_LLM_CONTEXT, raise the limit (--max-chars), or split the article"
            )
        chosen = load_prompt(prompt)
        first = chosen.manifest.steps[0] if chosen.manifest.steps else None
        messages = chosen.render(text, system_in_user=endpoint.system_in_user, step=first)
        check_fits(messages, chosen.manifest.max_tokens, endpoint)
        return cls(text, chosen, endpoint, messages)

    async def run(
        self,
        client: openai.OpenAI | openai.AsyncOpenAI,
        policy: RetryPolicy,
        *,
        article_date: PartialDate | None = None,
        text_sha: str | None = None,
        before_request: BeforeRequest | None = None,
    ) -> Extraction:
        """Ask the model (by the prompt version's recipe), then settle the record's dates and
        ground its values."""
        start = time.perf_counter()
        notes: list[str] = []
        if self.prompt.manifest.recipe == "stepwise":
            answer, attempts, notes = await run_stepwise(
                self.text,
                client=client,
                endpoint=self.endpoint,
                prompt=self.prompt,
                policy=policy,
                before_request=before_request,
            )
        else:
            answer, attempts = await call_model(
                self.messages,
                ArticleRecord,
                client=client,
                endpoint=self.endpoint,
                prompt=self.prompt,
                policy=policy,
                before_request=before_request,
            )
        latency = time.perf_counter() - start
        record, changes = apply_date_rules(answer, self.text, article_date)
        return Extraction(
            record=record,
            prompt_version=self.prompt.id,
            prompt_sha256=self.prompt.sha256,
            model=self.endpoint.model,
            endpoint_kind=self.endpoint.kind,
            output_style=self.endpoint.style,
            text_sha256=text_sha or text_sha256(self.text),
            attempts=attempts,
            latency_s=latency,
            grounding=ground(record, self.text),
            date_changes=changes,
            notes=notes,
            article_text=self.text,
        )


async def aextract_with_details(
    text: str,
    *,
    prompt: str | None = None,
    model: str | None = None,
    endpoint: Endpoint | None = None,
    client: openai.OpenAI | openai.AsyncOpenAI | None = None,
    api_key: str | None = None,
    retry: RetryPolicy | None = None,
    article_date: PartialDate | None = None,
) -> Extraction:
    """Extract the agreements of one article, with the trace of how.

    `prompt` names a prompt version (default: the newest). The endpoint comes from `endpoint`,
    else from `resolve_endpoint(model=model, api_key=api_key)` (arguments, then environment,
    then defaults); `model` overrides the endpoint's model. A `client` of the caller's own
    (`openai.AsyncOpenAI`, or `openai.OpenAI`, whose requests run in a worker thread) is used
    as given. `article_date` is the article's own date when known from outside the text;
    otherwise the record's `published_on` is used for the year rule. Raises `InputError` for
    unusable text and `ExtractionError` when the model's answers stay unusable.
    """
    ep = endpoint_for(endpoint, client, model, api_key)
    job = Job.prepare(text, prompt, ep)
    policy = retry or RetryPolicy()
    if client is not None:
        return await job.run(client, policy, article_date=article_date)
    async with build_async_client(ep) as http:
        return await job.run(http, policy, article_date=article_date)


def extract_with_details(
    text: str,
    *,
    prompt: str | None = None,
    model: str | None = None,
    endpoint: Endpoint | None = None,
    client: openai.OpenAI | None = None,
    api_key: str | None = None,
    retry: RetryPolicy | None = None,
    article_date: PartialDate | None = None,
) -> Extraction:
    """`aextract_with_details`, run to its end (a client the library builds is kept for the
    process, one per endpoint)."""
    ep = endpoint_for(endpoint, client, model, api_key)
    return run_sync(
        aextract_with_details(
            text,
            prompt=prompt,
            endpoint=ep,
            client=client or shared_client(ep),
            retry=retry,
            article_date=article_date,
        )
    )


def extract(
    text: str,
    *,
    prompt: str | None = None,
    model: str | None = None,
    endpoint: Endpoint | None = None,
    client: openai.OpenAI | None = None,
    api_key: str | None = None,
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
        api_key=api_key,
        retry=retry,
        article_date=article_date,
    ).record


def endpoint_for(
    endpoint: Endpoint | None,
    client: openai.OpenAI | openai.AsyncOpenAI | None,
    model: str | None,
    api_key: str | None = None,
) -> Endpoint:
    """The endpoint of a call: `endpoint` if given, else the caller's client's server, else the
    one configured (arguments, then environment, then defaults); with `model` as its model."""
    if endpoint is not None:
        if api_key is not None:
            endpoint = dataclasses.replace(endpoint, api_key=api_key)
        return endpoint.with_model(model) if model is not None else endpoint
    if client is None:
        return resolve_endpoint(model=model, api_key=api_key)
    base = str(client.base_url).rstrip("/")
    # The caller's client carries its own key; only the endpoint's kind and model are resolved.
    return resolve_endpoint(model=model, base_url=base, api_key="(client's own)")


def run_sync(coro: Coroutine[Any, Any, T]) -> T:
    """Run `coro` to its end from sync code. Where an event loop is already running (a
    notebook), it runs on a loop of its own in a thread, and Ctrl-C (an interrupted cell)
    cancels it there."""
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return asyncio.run(coro)
    box: list[Any] = []
    running: list[tuple[asyncio.AbstractEventLoop, asyncio.Task[T]]] = []
    finished = threading.Event()

    async def main() -> T:
        task = asyncio.current_task()
        assert task is not None
        running.append((asyncio.get_running_loop(), task))
        return await coro

    def run() -> None:
        try:
            box.append(asyncio.run(main()))
        except BaseException as exc:  # handed back to the caller's thread
            box.append(exc)
        finally:
            finished.set()

    # Waits are on `finished`, not on the thread: on Python 3.11 a Ctrl-C that lands in
    # Thread.join marks the thread stopped while it still runs.
    threading.Thread(target=run, name="agreement-llm").start()
    try:
        while not finished.wait(0.05):  # short waits: a signal wakes a waiting main thread
            pass
    except KeyboardInterrupt:  # an interrupted cell stops the work too (rows written stay)
        while not running and not finished.wait(0.01):
            pass
        if running:
            loop, task = running[0]
            with contextlib.suppress(RuntimeError):  # it ended meanwhile
                loop.call_soon_threadsafe(task.cancel)
        finished.wait()
        raise
    if isinstance(box[0], BaseException):
        raise box[0]
    result: T = box[0]
    return result
