"""The local server helper: readiness checks against a real loopback HTTP server (no model
needed)."""

from __future__ import annotations

import contextlib
import http.server
import threading
import time
from collections.abc import Iterator

import pytest

from agreement_llm.errors import ConfigError
from agreement_llm.serve import ensure_server, get_local_model, is_ready, served_model


class _Models(http.server.BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        body = b'{"object": "list", "data": [{"id": "qwen2.5-coder-1.5b-q4-k-m"}]}'
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


def test_readiness(models_server: int) -> None:
    assert is_ready(models_server)
    assert served_model(models_server) == "qwen2.5-coder-1.5b-q4-k-m"
    # already up with the model asked for: nothing started
    assert ensure_server(get_local_model("qwen2.5-coder-1.5b-q4-k-m"), models_server) is None


class _Busy(_Models):
    """A server still working on a request it took before: it answers after a while."""

    def do_GET(self) -> None:
        time.sleep(2.5)  # more than the first 2 s look
        with contextlib.suppress(BrokenPipeError):  # the client waited no longer
            super().do_GET()


def test_a_busy_server_is_waited_for_not_taken_for_none() -> None:
    """An interrupted run leaves llama.cpp finishing its request, and only then does it answer
    for its models: the server is there (starting another would fail: the port is taken)."""
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Busy)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        port = server.server_address[1]
        assert served_model(port) == "qwen2.5-coder-1.5b-q4-k-m"
        assert ensure_server(get_local_model("qwen2.5-coder-1.5b-q4-k-m"), port) is None
        assert served_model(port, busy_wait=0.5) is None  # waited for no longer than asked
    finally:
        server.shutdown()
        server.server_close()


def test_a_server_with_another_model_is_refused(models_server: int) -> None:
    with pytest.raises(ConfigError, match=r"already serves qwen2\.5-coder-1\.5b-q4-k-m, not gemma"):
        ensure_server(get_local_model("gemma3-270m-q4-k-m"), models_server)


def test_nothing_listening_is_not_ready() -> None:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    assert not is_ready(port)
