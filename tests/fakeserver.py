"""A scripted OpenAI-compatible HTTP server on 127.0.0.1, for benchmarks and fault tests.

It is a real server (asyncio streams, HTTP/1.1 keep-alive) run in a background thread,
bounded in requests and in time, and it stops by itself. Each request to
`/v1/chat/completions` is answered by a `Behaviour`: a delay, then a status, headers and body;
or a hang, or a connection reset in the middle of the body. Its answers are synthetic: they
exercise the client, they are not model output.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import ssl
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from agreement_llm.config import Endpoint, OutputStyle, ServerKind

__all__ = [
    "FAULTS",
    "Behaviour",
    "FakeServer",
    "chat_completion",
    "fake_endpoint",
    "fault_corpus",
    "faulty",
    "healthy",
    "marked_faults",
]


def chat_completion(
    content: str | None,
    *,
    finish_reason: str = "stop",
    prompt_tokens: int = 100,
    completion_tokens: int = 20,
    choices: bool = True,
) -> dict[str, Any]:
    """The JSON of a chat completion carrying `content`."""
    return {
        "id": "chatcmpl-fake",
        "object": "chat.completion",
        "created": 0,
        "model": "fake",
        "choices": [
            {
                "index": 0,
                "finish_reason": finish_reason,
                "message": {"role": "assistant", "content": content},
            }
        ]
        if choices
        else [],
        "usage": {
            "prompt_tokens": prompt_tokens,
            "completion_tokens": completion_tokens,
            "total_tokens": prompt_tokens + completion_tokens,
        },
    }


def fake_endpoint(base_url: str, *, api_key: str = "fake-key", timeout: float = 600.0) -> Endpoint:
    """The endpoint of a fake server at `base_url`: llama.cpp's request shape, model "fake"."""
    return Endpoint(
        model="fake",
        kind=ServerKind.llama_cpp,
        style=OutputStyle.json_object_schema,
        base_url=base_url,
        api_key=api_key,
        timeout=timeout,
    )


@dataclass
class Behaviour:
    """How to answer one request."""

    status: int = 200
    body: bytes | dict[str, Any] = field(default_factory=dict)
    headers: dict[str, str] = field(default_factory=dict)
    delay: float = 0.0
    hang: bool = False  # never answer (the client's timeout decides)
    reset_mid_body: bool = False  # send the headers and half the body, then drop the connection
    trickle: float = 0.0  # send the body one byte every `trickle` seconds


Script = Callable[[dict[str, Any], int], Behaviour]


class FakeServer:
    """Serve `script(request_json, request_number)` on 127.0.0.1 until stopped or bounded out.

    The JSON of every request is kept in `requests` unless `keep_requests` is False. With
    `tls` (a server-side context), it serves https.
    """

    def __init__(
        self,
        script: Script,
        *,
        max_requests: int = 100_000,
        max_seconds: float = 600.0,
        keep_requests: bool = True,
        tls: ssl.SSLContext | None = None,
    ) -> None:
        self.script = script
        self.tls = tls
        self.max_requests = max_requests
        self.max_seconds = max_seconds
        self.keep_requests = keep_requests
        self.requests: list[dict[str, Any]] = []  # each request's JSON, if kept
        self.count = 0  # requests answered or refused
        self.port = 0
        self._loop: asyncio.AbstractEventLoop | None = None
        self._stop: asyncio.Event | None = None
        self._ready = threading.Event()
        self._handlers: set[asyncio.Task[Any]] = set()
        self._thread = threading.Thread(target=self._run, daemon=True)

    @property
    def base_url(self) -> str:
        """The server's OpenAI base URL."""
        return f"{'https' if self.tls else 'http'}://127.0.0.1:{self.port}/v1"

    def __enter__(self) -> FakeServer:
        self._thread.start()
        if not self._ready.wait(10):
            raise RuntimeError("fake server did not start")
        return self

    def __exit__(self, *exc: object) -> None:
        if self._loop is not None and self._stop is not None:
            self._loop.call_soon_threadsafe(self._stop.set)
        self._thread.join(10)

    def _run(self) -> None:
        asyncio.run(self._serve())

    async def _serve(self) -> None:
        self._loop = asyncio.get_running_loop()
        self._stop = asyncio.Event()
        server = await asyncio.start_server(
            self._handle, "127.0.0.1", 0, backlog=1024, ssl=self.tls
        )
        self.port = server.sockets[0].getsockname()[1]
        self._ready.set()
        deadline = time.monotonic() + self.max_seconds
        async with server:
            while not self._stop.is_set() and time.monotonic() < deadline:
                if self.count >= self.max_requests:
                    break
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._stop.wait(), 0.1)
            server.close()
            # Python 3.12+ waits for every open connection before the server counts as closed:
            # end the handlers still reading a kept-alive connection or holding a request.
            for task in self._handlers:
                task.cancel()
            await asyncio.gather(*self._handlers, return_exceptions=True)

    async def _handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        task = asyncio.current_task()
        assert task is not None  # start_server runs each connection's handler as a task
        self._handlers.add(task)
        try:
            while True:
                head = await reader.readuntil(b"\r\n\r\n")
                lines = head.decode("latin-1").split("\r\n")
                method, path, _ = lines[0].split(" ", 2)
                headers = {
                    k.lower(): v.strip()
                    for k, _, v in (line.partition(":") for line in lines[1:] if line)
                }
                body = await reader.readexactly(int(headers.get("content-length", "0")))
                if method == "GET" and path.endswith("/models"):
                    await self._send(writer, Behaviour(body={"object": "list", "data": []}))
                    continue
                request = json.loads(body) if body else {}
                number = self.count
                self.count += 1
                if self.keep_requests:  # a benchmark's thousands would slow the server's GC
                    self.requests.append(request)
                if number >= self.max_requests:
                    break
                behaviour = self.script(request, number)
                if behaviour.hang:
                    await asyncio.sleep(self.max_seconds)
                    break
                if behaviour.delay:
                    await asyncio.sleep(behaviour.delay)
                if not await self._send(writer, behaviour):
                    break
        except (asyncio.IncompleteReadError, asyncio.CancelledError, ConnectionError, ValueError):
            pass
        finally:
            writer.close()
            self._handlers.discard(task)

    async def _send(self, writer: asyncio.StreamWriter, b: Behaviour) -> bool:
        body = b.body if isinstance(b.body, bytes) else json.dumps(b.body).encode()
        head = [
            f"HTTP/1.1 {b.status} X",
            f"content-length: {len(body)}",
            "content-type: application/json",
            *(f"{k}: {v}" for k, v in b.headers.items()),
        ]
        writer.write(("\r\n".join(head) + "\r\n\r\n").encode())
        if b.reset_mid_body:
            writer.write(body[: len(body) // 2])
            await writer.drain()
            writer.transport.abort()
            return False
        if b.trickle:
            for i in range(len(body)):
                writer.write(body[i : i + 1])
                await writer.drain()
                await asyncio.sleep(b.trickle)
            return True
        writer.write(body)
        await writer.drain()
        return True


VALID_RECORD = json.dumps(
    {
        "agreements": [
            {
                "evidence": "A Corp and B City signed a memorandum of understanding.",
                "kind": "memorandum_of_understanding",
                "parties": [
                    {"name": "A Corp", "sector": "company"},
                    {"name": "B City", "sector": "other"},
                ],
            }
        ]
    }
)

FAULTS: dict[str, Behaviour] = {
    "429 with Retry-After": Behaviour(
        status=429, headers={"retry-after": "0"}, body={"error": {"message": "rate limited"}}
    ),
    "429 without Retry-After": Behaviour(status=429, body={"error": {"message": "rate limited"}}),
    "500": Behaviour(status=500, body={"error": {"message": "internal error"}}),
    "502": Behaviour(status=502, body=b"<html>bad gateway</html>"),
    "503": Behaviour(status=503, body={"error": {"message": "overloaded"}}),
    "hang past the timeout": Behaviour(hang=True),
    "reset mid-body": Behaviour(body=chat_completion(VALID_RECORD), reset_mid_body=True),
    "non-JSON body": Behaviour(body=b"<html>not an API</html>"),
    "content not JSON": Behaviour(body=chat_completion("Sure! Here are the agreements.")),
    "JSON against the schema": Behaviour(body=chat_completion('{"agreements": [{"kind": 7}]}')),
    "truncated (length)": Behaviour(
        body=chat_completion('{"agreements": [{"evidence": "A Co', finish_reason="length")
    ),
    "empty choices": Behaviour(body=chat_completion(None, choices=False)),
}


def healthy(delay: float = 0.0) -> Script:
    """A script that answers every request with a valid record, after `delay` seconds."""
    good = Behaviour(body=chat_completion(VALID_RECORD), delay=delay)
    return lambda request, number: good


def faulty(kind: str, times: int) -> Script:
    """A script that answers with fault `kind` for the first `times` requests, then validly."""
    bad, good = FAULTS[kind], healthy()
    return lambda request, number: bad if number < times else good(request, number)


def fault_corpus(text: str, clean: int) -> list[tuple[str, str]]:
    """(article id, text) pairs: `clean` plain articles, then every fault once and persistent.

    A faulty article's text carries `FAULT=<kind>;TIMES=<n>`, which `marked_faults` reads.
    """
    pairs = [(f"ok{i}", f"{text} ({i})") for i in range(clean)]
    for i, kind in enumerate(sorted(FAULTS)):
        for times in (1, 99):
            pairs.append((f"f{i}x{times}", f"{text}\nFAULT={kind};TIMES={times}\n"))
    return pairs


def marked_faults() -> Script:
    """A script answering each article by the fault its text carries (re-asks included)."""
    counts: dict[str, int] = {}
    good = healthy()

    def script(request: dict[str, Any], number: int) -> Behaviour:
        text = "\n".join(str(m.get("content")) for m in request.get("messages", []))
        if "FAULT=" not in text:
            return good(request, number)
        marker = text.split("FAULT=", 1)[1].split("\n", 1)[0]
        kind, times = marker.split(";TIMES=")
        seen = counts.get(marker, 0)
        counts[marker] = seen + 1
        return faulty(kind, int(times))(request, seen)

    return script
