"""A scripted OpenAI-compatible transport for unit tests of retries and request shapes.

These responses are synthetic and are used only to drive error paths; every model output that
the eval scores comes from a recorded cassette.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import httpx
import openai

from tests.fakeserver import chat_completion

Reply = Callable[[httpx.Request], httpx.Response] | httpx.Response


def completion(
    content: str,
    *,
    finish_reason: str = "stop",
    prompt_tokens: int = 100,
    completion_tokens: int = 20,
) -> httpx.Response:
    """A chat completion whose message content is `content`."""
    return httpx.Response(
        200,
        json=chat_completion(
            content,
            finish_reason=finish_reason,
            prompt_tokens=prompt_tokens,
            completion_tokens=completion_tokens,
        ),
    )


VALID = json.dumps(
    {
        "published_on": None,
        "agreements": [
            {
                "kind": "memorandum_of_understanding",
                "evidence": "A and B signed an MoU.",
                "parties": [
                    {"name": "A Corp", "sector": "company"},
                    {"name": "B City", "sector": "other"},
                ],
            }
        ],
    }
)


class Script:
    """Answers requests in order from a list of replies, and keeps the requests it saw."""

    def __init__(self, *replies: Reply) -> None:
        self.replies = list(replies)
        self.requests: list[dict[str, Any]] = []
        self.headers: list[httpx.Headers] = []
        self.urls: list[httpx.URL] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(json.loads(request.content))
        self.headers.append(request.headers)
        self.urls.append(request.url)
        if not self.replies:
            raise AssertionError("more requests than the script expected")
        reply = self.replies.pop(0)
        return reply(request) if callable(reply) else reply

    def client(self, api_key: str = "sk-test-FAKEKEY0123456789") -> openai.OpenAI:
        """An OpenAI client whose HTTP goes to this script."""
        return openai.OpenAI(
            api_key=api_key,
            base_url="http://127.0.0.1:1/v1",
            max_retries=0,
            http_client=httpx.Client(transport=httpx.MockTransport(self)),
        )
