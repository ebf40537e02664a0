"""A loopback fake of the OpenAI Files and Batches endpoints, for tests and the benchmark.

A real HTTP server on 127.0.0.1 (`http.server`, in a background thread, stopped by the test).
It keeps uploaded files in memory; each retrieve of a batch moves it one status on:
`validating -> in_progress -> finalizing -> completed`, or to the end the test scripts
(`failed`, `expired`, `cancelled`). Its output lines are scripted test data: `answer(line)`
gives each request's status and response body; they are not recorded model answers.
"""

from __future__ import annotations

import itertools
import json
import re
import threading
import time
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

__all__ = ["Answerer", "FakeBatchServer"]

Answerer = Callable[[dict[str, Any]], tuple[int, Any]]
"""A request line in, the (status code, response body) of the fake's answer out."""

PATHS = {
    "completed": ["validating", "in_progress", "finalizing", "completed"],
    "failed": ["validating", "failed"],
    "expired": ["validating", "in_progress", "expired"],
    "cancelled": ["validating", "in_progress", "cancelling", "cancelled"],
}


class FakeBatchServer:
    """Files and batches on 127.0.0.1. `ends[i]` is how the i-th batch ends (default
    completed); an expired or cancelled batch answers only its first `partial` requests."""

    def __init__(
        self, answer: Answerer, *, ends: list[str] | None = None, partial: int = 1
    ) -> None:
        self.answer = answer
        self.ends = ends or []
        self.partial = partial
        self.files: dict[str, bytes] = {}
        self.batches: dict[str, dict[str, Any]] = {}
        self.steps: dict[str, int] = {}
        self.counter = itertools.count(1)
        self.lock = threading.Lock()
        self.uploads = 0
        self.live = 0
        server = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: Any) -> None:
                pass

            def reply(self, status: int, payload: Any, raw: bytes | None = None) -> None:
                data = raw if raw is not None else json.dumps(payload).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def body(self) -> bytes:
                return self.rfile.read(int(self.headers.get("Content-Length") or 0))

            def do_POST(self) -> None:
                data = self.body()
                with server.lock:
                    if self.path.endswith("/files"):
                        self.reply(200, server.upload(self.headers["Content-Type"], data))
                    elif self.path.endswith("/batches"):
                        self.reply(200, server.create(json.loads(data)))
                    elif self.path.endswith("/chat/completions"):  # a live call
                        server.live += 1
                        status, answer = server.answer({"body": json.loads(data)})
                        self.reply(status, answer)
                    else:
                        self.reply(404, {"error": {"message": "no such endpoint"}})

            def do_GET(self) -> None:
                with server.lock:
                    if m := re.search(r"/files/([^/]+)/content$", self.path):
                        self.reply(200, None, server.files[m.group(1)])
                    elif self.path.split("?")[0].endswith("/batches"):
                        data = [server.public(b) for b in reversed(server.batches)]
                        self.reply(200, {"object": "list", "data": data, "has_more": False})
                    elif m := re.search(r"/batches/([^/]+)$", self.path):
                        self.reply(200, server.advance(m.group(1)))
                    else:
                        self.reply(404, {"error": {"message": "no such endpoint"}})

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.httpd.server_address[1]}/v1"

    def __enter__(self) -> FakeBatchServer:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()
        self.thread.join(10)

    def new_file(self, data: bytes, purpose: str) -> dict[str, Any]:
        file_id = f"file-{next(self.counter)}"
        self.files[file_id] = data
        return {
            "id": file_id,
            "object": "file",
            "bytes": len(data),
            "created_at": int(time.time()),
            "filename": f"{file_id}.jsonl",
            "purpose": purpose,
            "status": "processed",
        }

    def upload(self, content_type: str, data: bytes) -> dict[str, Any]:
        boundary = content_type.split("boundary=")[1].encode()
        for part in data.split(b"--" + boundary):
            head, _, content = part.partition(b"\r\n\r\n")
            if b'name="file"' in head:
                self.uploads += 1
                return self.new_file(content.removesuffix(b"\r\n"), "batch")
        raise AssertionError("no file in the upload")

    def create(self, request: dict[str, Any]) -> dict[str, Any]:
        assert request["endpoint"] == "/v1/chat/completions"
        assert request["completion_window"] == "24h"
        assert request["input_file_id"] in self.files
        batch_id = f"batch-{len(self.batches) + 1}"
        end = self.ends[len(self.batches)] if len(self.batches) < len(self.ends) else "completed"
        self.batches[batch_id] = {
            "id": batch_id,
            "object": "batch",
            "endpoint": request["endpoint"],
            "completion_window": "24h",
            "input_file_id": request["input_file_id"],
            "created_at": int(time.time()),
            "status": "validating",
            "metadata": request.get("metadata"),
            "end": end,
        }
        self.steps[batch_id] = 0
        return self.public(batch_id)

    def public(self, batch_id: str) -> dict[str, Any]:
        return {k: v for k, v in self.batches[batch_id].items() if k != "end"}

    def advance(self, batch_id: str) -> dict[str, Any]:
        batch = self.batches[batch_id]
        path = PATHS[batch["end"]]
        step = min(self.steps[batch_id] + 1, len(path) - 1)
        self.steps[batch_id] = step
        batch["status"] = path[step]
        if step == len(path) - 1 and "request_counts" not in batch:
            self.finish(batch)
        return self.public(batch_id)

    def finish(self, batch: dict[str, Any]) -> None:
        lines = [json.loads(x) for x in self.files[batch["input_file_id"]].splitlines() if x]
        if batch["end"] == "failed":
            batch["errors"] = {"object": "list", "data": [{"code": "invalid", "message": "bad"}]}
            batch["request_counts"] = {"total": len(lines), "completed": 0, "failed": 0}
            return
        out: list[str] = []
        err: list[str] = []
        stop = len(lines) if batch["end"] == "completed" else self.partial
        for i, line in enumerate(lines):
            cid = line["custom_id"]
            if i >= stop:
                code = "batch_expired" if batch["end"] == "expired" else "batch_cancelled"
                error = {"code": code, "message": "not done in time"}
                err.append(
                    json.dumps({"id": f"r{i}", "custom_id": cid, "response": None, "error": error})
                )
                continue
            status, body = self.answer(line)
            row = {
                "id": f"r{i}",
                "custom_id": cid,
                "error": None,
                "response": {"status_code": status, "request_id": f"q{i}", "body": body},
            }
            (out if status == 200 else err).append(json.dumps(row))
        for kind, rows in (("output_file_id", out), ("error_file_id", err)):
            if rows:
                batch[kind] = self.new_file(("\n".join(rows) + "\n").encode(), "batch_output")["id"]
        batch["request_counts"] = {"total": len(lines), "completed": len(out), "failed": len(err)}
