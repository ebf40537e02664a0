"""The local server helper: its command line, and readiness checks against a real loopback
HTTP server (no model needed)."""

from __future__ import annotations

import http.server
import threading
from collections.abc import Iterator

import pytest

from agreement_llm.config import LOCAL_MODEL
from agreement_llm.serve import ensure_server, is_ready, server_command


class _Models(http.server.BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        body = b'{"object": "list", "data": []}'
        self.send_response(200 if self.path == "/v1/models" else 404)
        self.send_header("content-length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def models_server() -> Iterator[int]:
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Models)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server.server_address[1]
    server.shutdown()
    server.server_close()


def test_command_serves_the_bundled_model_on_loopback() -> None:
    cmd = server_command(9999, model="/models/gemma.gguf", threads=2)
    assert cmd[1:3] == ["-m", "llama_cpp.server"]
    args = dict(zip(cmd[3::2], cmd[4::2], strict=True))
    assert args == {
        "--model": "/models/gemma.gguf",
        "--model_alias": LOCAL_MODEL,
        "--chat_format": "gemma",
        "--host": "127.0.0.1",
        "--port": "9999",
        "--n_ctx": "8192",
        "--n_threads": "2",
    }


def test_readiness(models_server: int) -> None:
    assert is_ready(models_server)
    assert ensure_server(models_server) is None  # already up: nothing started


def test_nothing_listening_is_not_ready() -> None:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    assert not is_ready(port)
