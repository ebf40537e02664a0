"""The lean HTTP client under the async OpenAI client, against a real server on 127.0.0.1:
plain requests go straight to aiohttp; redirects, compressed bodies, timeouts and streamed
answers behave as with httpx's own client."""

from __future__ import annotations

import asyncio
import gzip
import json
import ssl
from typing import Any

import httpx
import openai
import pytest
import trustme

from agreement_llm.clients import build_async_client
from agreement_llm.fakeserver import Behaviour, FakeServer, chat_completion
from agreement_llm.http_client import AiohttpTransport, LeanAsyncClient, lean_async_client

ANSWER = chat_completion('{"agreements": []}')


def _post(
    server: FakeServer, transport: AiohttpTransport | None = None, **kwargs: Any
) -> httpx.Response:
    """POST to the server through the lean client (on `transport` if given)."""

    async def go() -> httpx.Response:
        client = lean_async_client() if transport is None else LeanAsyncClient(transport=transport)
        async with client:
            return await client.post(
                f"{server.base_url}/chat/completions", json={"model": "m"}, timeout=5, **kwargs
            )

    return asyncio.run(go())


def test_a_plain_request_is_sent_and_its_answer_read() -> None:
    with FakeServer(lambda r, n: Behaviour(body=ANSWER), max_requests=5) as server:
        answer = _post(server, headers={"x-check": "1"})
    assert answer.status_code == 200
    assert answer.json() == ANSWER
    assert server.requests == [{"model": "m"}]


def test_a_server_told_not_to_keep_requests_counts_them() -> None:
    # a benchmark's server answers thousands; keeping each one's JSON slowed it down
    with FakeServer(lambda r, n: Behaviour(body=ANSWER), keep_requests=False) as server:
        _post(server)
        assert _post(server).json() == ANSWER
    assert (server.count, server.requests) == (2, [])


def test_a_gzip_body_is_decoded() -> None:
    packed = Behaviour(body=gzip.compress(json.dumps(ANSWER).encode()))
    packed.headers["content-encoding"] = "gzip"
    with FakeServer(lambda r, n: packed, max_requests=5) as server:
        assert _post(server).json() == ANSWER


def test_a_redirect_is_followed_with_the_same_body_and_can_be_declined() -> None:
    def script(request: dict[str, Any], n: int) -> Behaviour:
        if n % 2 == 0:
            return Behaviour(status=307, headers={"location": "/v1/chat/completions?moved=1"})
        return Behaviour(body=ANSWER)

    with FakeServer(script, max_requests=10) as server:
        assert _post(server).json() == ANSWER
        assert server.requests == [{"model": "m"}, {"model": "m"}]
        declined = _post(server, follow_redirects=False)
    assert declined.status_code == 307


async def _create(base_url: str) -> None:
    client = openai.AsyncOpenAI(
        api_key="k",
        base_url=base_url,
        max_retries=0,
        timeout=0.3,
        http_client=lean_async_client(),
    )
    async with client:
        await client.chat.completions.create(model="m", messages=[])


def test_a_hang_ends_in_the_openai_clients_timeout_error() -> None:
    hang = Behaviour(hang=True)
    with (
        FakeServer(lambda r, n: hang, max_requests=5, max_seconds=5) as server,
        pytest.raises(openai.APITimeoutError),
    ):
        asyncio.run(_create(server.base_url))


def test_a_refused_connection_is_a_connection_error_not_a_timeout() -> None:
    with FakeServer(lambda r, n: Behaviour(body=ANSWER)) as server:
        url = server.base_url  # a port nothing listens on once the server stops
    with pytest.raises(openai.APIConnectionError) as caught:
        asyncio.run(_create(url))
    assert not isinstance(caught.value, openai.APITimeoutError)
    assert isinstance(caught.value.__cause__, httpx.ConnectError)


def test_a_streamed_answer_takes_httpxs_own_path() -> None:
    async def go(server: FakeServer) -> bytes:
        async with (
            lean_async_client() as client,
            client.stream("POST", f"{server.base_url}/chat/completions", json={}) as answer,
        ):
            return await answer.aread()

    with FakeServer(lambda r, n: Behaviour(body=ANSWER), max_requests=5) as server:
        assert json.loads(asyncio.run(go(server))) == ANSWER


def test_a_closed_client_refuses_to_send() -> None:
    async def go() -> None:
        client = lean_async_client()
        await client.aclose()
        await client.post("http://127.0.0.1:9/v1/chat/completions", json={}, timeout=1)

    with pytest.raises(RuntimeError, match="closed"):
        asyncio.run(go())


def test_the_librarys_async_client_is_the_lean_one() -> None:
    from agreement_llm.fakeserver import fake_endpoint

    client = build_async_client(fake_endpoint("http://127.0.0.1:9/v1"))
    assert type(client._client).__name__ == "LeanAsyncClient"
    asyncio.run(client.close())


def test_https_is_verified_and_its_certificates_are_loaded_only_when_needed(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    ca = trustme.CA()
    server_side = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    ca.issue_cert("127.0.0.1").configure_cert(server_side)
    trusting = ssl.create_default_context()
    ca.configure_trust(trusting)
    loads: list[int] = []
    make = httpx.create_ssl_context

    def counted() -> ssl.SSLContext:
        loads.append(1)
        return make()

    monkeypatch.setattr(httpx, "create_ssl_context", counted)

    limits = httpx.Limits()
    answer = Behaviour(body=ANSWER)
    with FakeServer(lambda r, n: answer) as plain:
        assert _post(plain, AiohttpTransport(limits)).json() == ANSWER
    assert loads == []  # a local http server never needs the certificates
    with FakeServer(lambda r, n: answer, tls=server_side) as tls:
        with pytest.raises(httpx.ConnectError):  # a certificate no known authority signed
            _post(tls, AiohttpTransport(limits))
        assert loads == [1]
        trusted = AiohttpTransport(limits, ssl_context=trusting)
        assert _post(tls, trusted).json() == ANSWER


def _built(request: httpx.Request) -> tuple[object, ...]:
    return (
        request.method,
        str(request.url),
        request.headers.raw,
        request.content,
        request.extensions,
    )


@pytest.mark.parametrize(
    ("client_headers", "request_headers", "url"),
    [
        # as the openai client sends them (it overrides httpx's Accept and User-Agent)
        (
            None,
            {"Accept": "application/json", "User-Agent": "OpenAI/Python", "X-Stainless-Lang": "p"},
            "http://127.0.0.1:8000/v1/chat/completions",
        ),
        ({"x-Team": "a", "ACCEPT": "*/*"}, {"accept": "text/plain"}, "https://h.example/v1/x?q=1"),
        (None, {"Host": "elsewhere", "Content-Length": "4"}, "http://[::1]:9/v1"),
        ({"Authorization": "Bearer k"}, {}, "http://user:pw@h.example:8080/p%20q"),
    ],
)
def test_a_plain_request_is_built_as_httpx_builds_it(
    client_headers: dict[str, str] | None, request_headers: dict[str, str], url: str
) -> None:
    lean = LeanAsyncClient(headers=client_headers)
    reference = httpx.AsyncClient(headers=client_headers)
    given: dict[str, Any] = {
        "content": b'{"model": "m"}',
        "headers": httpx.Headers(request_headers),
        "timeout": httpx.Timeout(30, connect=5),
        "files": None,
    }
    ours = lean.build_request("POST", httpx.URL(url), **given)
    theirs = reference.build_request("POST", httpx.URL(url), **given)
    assert _built(ours) == _built(theirs)
    for method, content in [("POST", b"{}"), ("POST", b""), ("GET", b"")]:
        for headers in (None, httpx.Headers()):
            default = lean.build_request(method, httpx.URL(url), content=content, headers=headers)
            theirs = reference.build_request(
                method, httpx.URL(url), content=content, headers=headers
            )
            assert _built(default) == _built(theirs)


@pytest.mark.parametrize(
    "extra",
    [{"params": {"a": "1"}}, {"json": {"a": 1}}, {"cookies": {"c": "1"}}, {"extensions": {"e": 1}}],
)
def test_any_other_request_is_built_by_httpx(extra: dict[str, Any]) -> None:
    lean, reference = LeanAsyncClient(), httpx.AsyncClient()
    url = "http://127.0.0.1:8000/v1/chat/completions"
    assert _built(lean.build_request("POST", url, **extra)) == _built(
        reference.build_request("POST", url, **extra)
    )
    relative = LeanAsyncClient(base_url="http://h.example/v1/")
    assert str(relative.build_request("POST", "chat", content=b"{}").url) == (
        "http://h.example/v1/chat"
    )
