"""The HTTP client under the async OpenAI client: httpx's interface, aiohttp's connections.

With many requests in flight one event loop is CPU-bound, and the layers between the openai
client and the socket cost more CPU per request than the library's own work (measured in
benchmarks/throughput.py): httpx's cookie jar and its auth, redirect and stream-wrapping
layers, aiohttp's cookie jar, header copies. API calls carry no cookies and no httpx auth, so
a request goes straight to its transport, which reads the whole answer at once. Anything else
(a streamed answer, an explicit auth, a redirect) takes httpx's full path.
"""

from __future__ import annotations

import ssl
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import aiohttp
import httpx
from openai import DEFAULT_CONNECTION_LIMITS, DEFAULT_TIMEOUT

__all__ = ["AiohttpTransport", "LeanAsyncClient", "lean_async_client"]


# aiohttp's errors as httpx's, the most specific first: the openai client makes a timeout an
# APITimeoutError and anything else an APIConnectionError. (httpx_aiohttp's own map reports
# every connection failure, a refused connection or a certificate that fails, as a timeout.)
_ERRORS: tuple[tuple[type[BaseException], type[httpx.TransportError]], ...] = (
    (aiohttp.ConnectionTimeoutError, httpx.ConnectTimeout),
    (aiohttp.SocketTimeoutError, httpx.ReadTimeout),
    (TimeoutError, httpx.TimeoutException),  # aiohttp's other timeouts are TimeoutErrors too
    (aiohttp.ClientProxyConnectionError, httpx.ProxyError),
    (aiohttp.ClientHttpProxyError, httpx.ProxyError),
    (aiohttp.ClientConnectorError, httpx.ConnectError),  # refused, no such host, TLS
    (aiohttp.ClientPayloadError, httpx.ReadError),
    (aiohttp.ServerDisconnectedError, httpx.RemoteProtocolError),
    (aiohttp.ClientConnectionError, httpx.NetworkError),
    (aiohttp.InvalidURL, httpx.UnsupportedProtocol),
)


@contextmanager
def _as_httpx_errors() -> Iterator[None]:
    try:
        yield
    except Exception as exc:
        for theirs, ours in _ERRORS:
            if isinstance(exc, theirs):
                raise ours(str(exc) or type(exc).__name__) from exc
        raise


class AiohttpTransport(httpx.AsyncBaseTransport):
    """An httpx transport that sends on one aiohttp session and reads each body whole."""

    def __init__(self, limits: httpx.Limits, ssl_context: ssl.SSLContext | None = None) -> None:
        self.limits = limits
        self._ssl_context = ssl_context
        self._session: aiohttp.ClientSession | None = None

    @property
    def ssl_context(self) -> ssl.SSLContext:
        """The TLS settings of https requests (httpx's), made at the first one: loading the
        certificates costs ~50 ms, which a local http server never needs."""
        if self._ssl_context is None:
            self._ssl_context = httpx.create_ssl_context()
        return self._ssl_context

    def _open(self) -> aiohttp.ClientSession:
        connector = aiohttp.TCPConnector(
            limit=self.limits.max_connections or 0,
            keepalive_timeout=self.limits.keepalive_expiry,
        )
        # bodies are decoded by httpx.Response, as with httpx's own transports
        return aiohttp.ClientSession(
            connector=connector, cookie_jar=aiohttp.DummyCookieJar(), auto_decompress=False
        )

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        """Send `request`; return its response with the body read."""
        session = self._session = self._session or self._open()
        timeout = request.extensions.get("timeout", {})
        try:
            data = request.content
        except httpx.RequestNotRead:  # a redirected request's body, say
            data = await request.aread()
        with _as_httpx_errors():
            async with session.request(
                request.method,
                str(request.url),
                headers=request.headers.multi_items(),
                data=data or None,
                allow_redirects=False,
                ssl=self.ssl_context if request.url.scheme == "https" else True,
                timeout=aiohttp.ClientTimeout(
                    sock_connect=timeout.get("connect"),
                    sock_read=timeout.get("read"),
                    connect=timeout.get("pool"),
                ),
            ) as answer:
                content = await answer.read()
        extensions = {"http_version": b"HTTP/1.1", "reason_phrase": (answer.reason or "").encode()}
        return httpx.Response(
            answer.status,
            headers=answer.raw_headers,
            content=content,
            request=request,
            extensions=extensions,
        )

    async def aclose(self) -> None:
        """Close the session and its connections."""
        if self._session is not None:
            await self._session.close()


class LeanAsyncClient(httpx.AsyncClient):
    """An `httpx.AsyncClient` that builds a plain request in one step and sends it straight to
    its transport."""

    def build_request(
        self,
        method: str,
        url: httpx.URL | str,
        *,
        content: Any = None,
        headers: Any = None,
        timeout: Any = httpx.USE_CLIENT_DEFAULT,
        **rest: Any,
    ) -> httpx.Request:
        """The request httpx would build. One with a non-empty body of bytes, an absolute URL
        and no cookies, query or extensions (the openai client's) is built without httpx's
        header merges, each of which re-encodes and re-checks every header (~0.15 ms a
        request)."""
        if not (
            isinstance(content, bytes)
            and content
            and isinstance(url, httpx.URL)
            and url.is_absolute_url
            and isinstance(headers, httpx.Headers)
            and all(value is None for value in rest.values())
            and not self.params
            and not self.cookies
        ):
            return super().build_request(
                method, url, content=content, headers=headers, timeout=timeout, **rest
            )
        given = headers.raw
        names = {name.lower() for name, _ in given}
        # the client's own headers that the request does not set, then the request's
        merged = [(k, v) for k, v in self.headers.raw if k.lower() not in names] + given
        if b"content-length" not in names:
            merged.append((b"Content-Length", str(len(content)).encode()))
        if b"host" not in names and url.host:
            merged.insert(0, (b"Host", url.netloc))
        limits = self.timeout if timeout is httpx.USE_CLIENT_DEFAULT else timeout
        request = httpx.Request(
            method,
            url,
            headers=merged,
            stream=httpx.ByteStream(content),
            extensions={"timeout": httpx.Timeout(limits).as_dict()},
        )
        request.read()
        return request

    async def send(
        self,
        request: httpx.Request,
        *,
        stream: bool = False,
        auth: Any = httpx.USE_CLIENT_DEFAULT,
        follow_redirects: Any = httpx.USE_CLIENT_DEFAULT,
    ) -> httpx.Response:
        """Send `request` (httpx's full path for a streamed one, one with auth, a redirect)."""
        plain = (
            not stream
            and auth is httpx.USE_CLIENT_DEFAULT
            and self.auth is None
            and isinstance(request.stream, httpx.ByteStream)
            and "timeout" in request.extensions
            and not self.is_closed
        )
        if plain:
            transport = self._transport_for_url(request.url)
            response = await transport.handle_async_request(request)
            response.request = request
            follow = (
                self.follow_redirects
                if follow_redirects is httpx.USE_CLIENT_DEFAULT
                else follow_redirects
            )
            if not (follow and response.has_redirect_location):
                return response
            request = self._build_redirect_request(request, response)
        return await super().send(
            request, stream=stream, auth=auth, follow_redirects=follow_redirects
        )


def lean_async_client() -> LeanAsyncClient:
    """The HTTP client for an `openai.AsyncOpenAI`, with the openai client's defaults."""
    limits = DEFAULT_CONNECTION_LIMITS
    return LeanAsyncClient(
        timeout=DEFAULT_TIMEOUT,
        limits=limits,
        follow_redirects=True,
        transport=AiohttpTransport(limits),
    )
