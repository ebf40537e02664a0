"""One article through the live extraction path, with the HTTP answered from stored answers.

The Batch API needs, for each article, exactly the request a live call would send, and its
answers must be validated exactly as a live call validates them. Both come from running the
live path itself (`Job.run`: the recipe, instructor's request and validation and re-asks, the
date rules, grounding) with an openai client whose transport (`httpx.MockTransport`) answers
each request body from the answers the batches returned. The first request with no answer is
captured instead of sent, and the call stops there: that body is the next request line (the
first call, a re-ask with the validation error, or a stepwise recipe's next step). With a
forwarding client, unanswered requests are sent live instead (`--live-retries`).
"""

from __future__ import annotations

import contextvars
import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import httpx
import openai

from agreement_llm.articles import Article
from agreement_llm.config import NO_KEY, Endpoint
from agreement_llm.extract import Extraction, Job
from agreement_llm.retry import RetryPolicy

__all__ = ["Answer", "Pending", "Replayer", "body_hash"]

Answer = dict[str, Any]
"""A stored answer: `{"status_code": int, "body": <the response body>}`."""

_QUEUED = "agreement_llm: request queued for a batch"


def body_hash(body: Mapping[str, Any]) -> str:
    """The hash that identifies a request body (its JSON, keys sorted)."""
    text = json.dumps(body, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:16]


@dataclass(frozen=True)
class Pending:
    """The next request an article needs: its body, hash and step, and whether it re-asks
    (invalid output answered before it)."""

    body: dict[str, Any]
    hash: str
    step: str
    reask: bool


class _Run:
    def __init__(self, answers: Mapping[str, Answer], live: bool) -> None:
        self.answers = answers
        self.live = live
        self.pending: tuple[dict[str, Any], str] | None = None


_CURRENT: contextvars.ContextVar[_Run] = contextvars.ContextVar("agreement_llm_replay")


class Replayer:
    """Runs articles through the live path against stored answers (see the module's doc).

    `forward` is a plain HTTP client: with it, a request with no stored answer (or one whose
    stored answer failed) is sent to the real server, as a live call would.
    """

    def __init__(
        self,
        endpoint: Endpoint,
        prompt: str,
        policy: RetryPolicy,
        forward: httpx.AsyncClient | None = None,
    ) -> None:
        self.endpoint = endpoint
        self.prompt = prompt
        self.policy = policy
        self.forward = forward
        self.client = openai.AsyncOpenAI(
            api_key=endpoint.api_key or NO_KEY,
            base_url=endpoint.base_url,
            max_retries=0,
            http_client=httpx.AsyncClient(transport=httpx.MockTransport(self._handle)),
        )

    async def _handle(self, request: httpx.Request) -> httpx.Response:
        run = _CURRENT.get()
        body = json.loads(request.content)
        digest = body_hash(body)
        answer = run.answers.get(digest)
        if answer is not None and (not run.live or answer["status_code"] == 200):
            return httpx.Response(answer["status_code"], json=answer["body"])
        if run.live and self.forward is not None:
            sent = httpx.Request(
                request.method, request.url, headers=request.headers, content=request.content
            )
            response = await self.forward.send(sent)
            await response.aread()
            return httpx.Response(
                response.status_code, headers=response.headers, content=response.content
            )
        run.pending = (body, digest)
        return httpx.Response(409, json={"error": {"message": _QUEUED}})

    async def run(
        self, article: Article, sha: str, answers: Mapping[str, Answer], *, live: bool = False
    ) -> Extraction | Pending:
        """The article's extraction if its answers make one (raising as a live call does when
        they cannot), else the request it needs next. `InputError` for unusable text."""
        job = Job.prepare(article.text, self.prompt, self.endpoint)
        state = _Run(answers, live)
        token = _CURRENT.set(state)
        try:
            return await job.run(self.client, self.policy, text_sha=sha)
        except Exception as exc:
            if state.pending is None:
                raise
            attempts = getattr(exc, "attempts", None) or []
            step = (attempts[-1].step if attempts else None) or "record"
            reask = len(attempts) >= 2 and attempts[-2].outcome == "invalid_output"
            body, digest = state.pending
            return Pending(body, digest, step, reask)
        finally:
            _CURRENT.reset(token)

    async def close(self) -> None:
        """Close the clients."""
        await self.client.close()
        if self.forward is not None:
            await self.forward.aclose()
