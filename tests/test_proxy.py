"""Every request goes through the openai SDK's own HTTP stack, which honours HTTP_PROXY,
HTTPS_PROXY and NO_PROXY: single calls, batches and the CLI's `extract --out` alike."""

from __future__ import annotations

import http.client
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from click.testing import CliRunner

from agreement_llm import BatchOptions, extract, extract_many
from agreement_llm.cli import main
from tests.fakeserver import FakeServer, fake_endpoint, healthy

TEXT = "A Corp and B City signed a memorandum of understanding on Monday."


class Proxy(ThreadingHTTPServer):
    """A forwarding HTTP proxy on 127.0.0.1 that counts the requests it forwards."""

    daemon_threads = True

    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), _Forward)
        self.forwarded: list[str] = []

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}"


class _Forward(BaseHTTPRequestHandler):
    server: Proxy

    def do_POST(self) -> None:
        self.forward()

    def do_GET(self) -> None:
        self.forward()

    def forward(self) -> None:
        target = urlsplit(self.path)  # a proxy is sent the absolute URI
        assert target.scheme == "http", self.path
        assert target.hostname == "127.0.0.1", self.path
        self.server.forwarded.append(self.path)
        body = self.rfile.read(int(self.headers.get("content-length", "0")))
        upstream = http.client.HTTPConnection(target.hostname, target.port, timeout=60)
        headers = {k: v for k, v in self.headers.items() if k.lower() != "proxy-connection"}
        upstream.request(self.command, target.path, body=body, headers=headers)
        answer = upstream.getresponse()
        data = answer.read()
        upstream.close()
        self.send_response(answer.status)
        for key, value in answer.getheaders():
            if key.lower() not in ("content-length", "connection", "transfer-encoding"):
                self.send_header(key, value)
        self.send_header("content-length", str(len(data)))
        self.send_header("connection", "close")
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, format: str, *args: object) -> None:
        pass


@pytest.fixture
def proxy(monkeypatch: pytest.MonkeyPatch) -> Iterator[Proxy]:
    server = Proxy()
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    for name in ("http_proxy", "https_proxy", "all_proxy", "no_proxy", "ALL_PROXY", "NO_PROXY"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("HTTP_PROXY", server.url)
    monkeypatch.setenv("HTTPS_PROXY", server.url)
    try:
        yield server
    finally:
        server.shutdown()
        server.server_close()


def test_extract_goes_through_the_proxy(proxy: Proxy) -> None:
    with FakeServer(healthy()) as server:
        record = extract(TEXT, prompt="v1", endpoint=fake_endpoint(server.base_url))
        assert len(server.requests) == 1
    assert record.agreements
    assert len(proxy.forwarded) == 1
    assert proxy.forwarded[0].endswith("/v1/chat/completions")


def test_a_batch_goes_through_the_proxy(proxy: Proxy) -> None:
    texts = [f"{TEXT} ({i})" for i in range(5)]
    with FakeServer(healthy()) as server:
        result = extract_many(
            texts,
            prompt="v1",
            endpoint=fake_endpoint(server.base_url),
            options=BatchOptions(concurrency=3, cache=False),
        )
        assert len(server.requests) == 5
    assert [r.status for r in result.rows] == ["ok"] * 5
    assert len(proxy.forwarded) == 5


def test_the_cli_extract_out_goes_through_the_proxy(proxy: Proxy, tmp_path: Path) -> None:
    folder = tmp_path / "articles"
    folder.mkdir()
    for i in range(3):
        (folder / f"a{i}.txt").write_text(f"{TEXT} ({i})")
    out = tmp_path / "results.jsonl"
    with FakeServer(healthy()) as server:
        args = ["extract", str(folder), "--out", str(out), "--base-url", server.base_url]
        result = CliRunner().invoke(main, [*args, "--server", "llama_cpp", "--no-cache"])
        assert result.exit_code == 0, result.output
        assert len(server.requests) == 3
    assert len(out.read_text().splitlines()) == 3
    assert len(proxy.forwarded) == 3


def test_no_proxy_is_honoured(proxy: Proxy, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("NO_PROXY", "127.0.0.1")
    with FakeServer(healthy()) as server:
        extract(TEXT, prompt="v1", endpoint=fake_endpoint(server.base_url))
        extract_many(
            [TEXT],
            prompt="v1",
            endpoint=fake_endpoint(server.base_url),
            options=BatchOptions(cache=False),
        )
        assert len(server.requests) == 2
    assert proxy.forwarded == []
