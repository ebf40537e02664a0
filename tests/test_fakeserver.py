"""The loopback server the tests and benchmarks use stops when told, connections open or not."""

from __future__ import annotations

import json
import socket
import time

import pytest

from tests.fakeserver import Behaviour, FakeServer


def _post(port: int, body: dict[str, object]) -> socket.socket:
    data = json.dumps(body).encode()
    conn = socket.create_connection(("127.0.0.1", port), timeout=5)
    head = (
        "POST /v1/chat/completions HTTP/1.1\r\nhost: 127.0.0.1\r\n"
        f"content-type: application/json\r\ncontent-length: {len(data)}\r\n\r\n"
    )
    conn.sendall(head.encode() + data)
    return conn


@pytest.mark.parametrize("held", [True, False], ids=["request held", "connection kept alive"])
def test_stopping_ends_open_connections(held: bool) -> None:
    server = FakeServer(lambda req, n: Behaviour(body={"ok": True}, hang=held), max_seconds=60)
    with server:
        conn = _post(server.port, {"model": "m"})
        answer = b""
        while not held and not answer.endswith(b'{"ok": true}'):
            answer += conn.recv(4096)  # answered; the connection stays open
        while server.count < 1:
            time.sleep(0.01)
    # Python 3.12+ servers wait for every connection before they close: the server's thread
    # would still be waiting here (for a minute, or forever) had it not ended them.
    with conn:
        assert not server._thread.is_alive()
        assert conn.recv(4096) == b""  # the server closed its side
