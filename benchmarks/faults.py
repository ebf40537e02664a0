"""The reliability table of issue 22: each abuse case run against a real server on 127.0.0.1,
with what happened, the requests the server saw, the seconds it took, and the rows lost and
duplicated in the results file (counted against the articles in). Prints the README's table.

    python benchmarks/faults.py
"""

from __future__ import annotations

import json
import os
import resource
import signal
import subprocess
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.fakeserver import VALID_RECORD, Behaviour, FakeServer, chat_completion  # noqa: E402

TEXT = "A Corp and B City signed a memorandum of understanding on Monday."
GOOD = Behaviour(body=chat_completion(VALID_RECORD))
N = 40


def _folder(tmp: Path, n: int = N) -> Path:
    folder = tmp / "articles"
    folder.mkdir()
    for i in range(n):
        (folder / f"a{i:02d}.txt").write_text(f"{TEXT} ({i})")
    return folder


def _cli(folder: Path, out: Path, url: str, *more: str) -> list[str]:
    cmd = [sys.executable, "-m", "agreement_llm.cli", "extract", str(folder), "--out", str(out)]
    return [*cmd, "--base-url", url, "--server", "llama_cpp", "--no-cache", *more]


def _run(cmd: list[str], tmp: Path, **kw: object) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "AGREEMENT_LLM_CACHE_DIR": str(tmp / "cache")}
    return subprocess.run(cmd, cwd=ROOT, env=env, capture_output=True, text=True, **kw)  # type: ignore[call-overload,no-any-return]


def _counts(out: Path, n: int = N) -> tuple[int, int]:
    ids = (
        [json.loads(x)["article_id"] for x in out.read_bytes().splitlines()] if out.exists() else []
    )
    dupes = sum(c - 1 for c in Counter(ids).values())
    return n - len(set(ids) & {f"a{i:02d}" for i in range(n)}), dupes


def _last_error(proc: subprocess.CompletedProcess[str]) -> str:
    errors = [x for x in proc.stderr.splitlines() if x.startswith("Error:")]
    return errors[-1][7:60] + "..." if errors else f"exit {proc.returncode}"


def two_writers(tmp: Path, server: FakeServer) -> tuple[str, int]:
    folder, out = _folder(tmp), tmp / "r.jsonl"
    env = {**os.environ, "AGREEMENT_LLM_CACHE_DIR": str(tmp / "cache")}
    procs = [
        subprocess.Popen(
            _cli(folder, out, server.base_url),
            cwd=ROOT,
            env=env,
            text=True,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
        )
        for _ in range(2)
    ]
    codes = sorted(p.wait(120) for p in procs)
    return f"exit codes {codes}: the second refused", 0


def full_disk(tmp: Path, server: FakeServer) -> tuple[str, int]:
    folder, out = _folder(tmp), tmp / "r.jsonl"

    def limit() -> None:
        resource.setrlimit(resource.RLIMIT_FSIZE, (20_000, 20_000))
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)

    first = _run(_cli(folder, out, server.base_url), tmp, preexec_fn=limit)
    sent = server.count
    second = _run(_cli(folder, out, server.base_url), tmp)
    why = "file size limit" if "File too large" in first.stderr else _last_error(first)
    return f"stopped ({why}), {sent} requests; resumed exit {second.returncode}", sent


def kill_and_resume(tmp: Path, server: FakeServer) -> tuple[str, int]:
    folder, out = _folder(tmp), tmp / "r.jsonl"
    env = {**os.environ, "AGREEMENT_LLM_CACHE_DIR": str(tmp / "cache")}
    proc = subprocess.Popen(
        _cli(folder, out, server.base_url, "--concurrency", "2"),
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    while not (out.exists() and len(out.read_bytes().splitlines()) >= 10):
        time.sleep(0.02)
    proc.kill()
    proc.wait(30)
    second = _run(_cli(folder, out, server.base_url), tmp)
    return f"killed at 10+ rows; resumed exit {second.returncode}", 0


def edited_file(tmp: Path, server: FakeServer) -> tuple[str, int]:
    folder, out = _folder(tmp), tmp / "r.jsonl"
    _run(_cli(folder, out, server.base_url), tmp)
    rows = [json.loads(x) for x in out.read_text().splitlines()]
    body = "".join(json.dumps({**r, "reviewed_by": "ana"}) + "\n" for r in rows)
    out.write_bytes(body.encode() + b'{"bad": "\xe9"}\n')
    before = server.count
    second = _run(_cli(folder, out, server.base_url), tmp)
    note = next((x for x in second.stderr.splitlines() if "could not be read" in x), "")
    return f"{server.count - before} requests on resume; {note[:28]}...", 0


def _refused(status: int) -> Callable[[Path, FakeServer], tuple[str, int]]:
    def case(tmp: Path, server: FakeServer) -> tuple[str, int]:
        folder, out = _folder(tmp), tmp / "r.jsonl"
        proc = _run(_cli(folder, out, server.base_url, "--attempts", "2", "--reasks", "0"), tmp)
        return _last_error(proc), 0

    return case


CASES: list[tuple[str, Callable[[Path, FakeServer], tuple[str, int]], Behaviour, bool]] = [
    ("two writers on one --out", two_writers, Behaviour(body=GOOD.body, delay=0.05), False),
    ("full disk (RLIMIT_FSIZE 20 kB)", full_disk, GOOD, False),
    ("kill -9, then resume", kill_and_resume, Behaviour(body=GOOD.body, delay=0.05), False),
    ("extra fields + bad UTF-8 line", edited_file, GOOD, False),
    (
        "401 on every request",
        _refused(401),
        Behaviour(status=401, body={"error": {"message": "bad key"}}),
        True,
    ),
    ("trickling server (timeout 2 s)", _refused(0), Behaviour(body=GOOD.body, trickle=0.05), True),
    (
        "3 MB answer",
        _refused(0),
        Behaviour(body=chat_completion("[" + "1," * 1_500_000 + "1]")),
        True,
    ),
]


def _always(behaviour: Behaviour) -> Callable[[dict[str, object], int], Behaviour]:
    return lambda request, number: behaviour


def main() -> None:
    print(f"| {'case':32} | {'outcome':66} | requests | seconds | lost | duplicated |")
    print(f"|{'-' * 34}|{'-' * 68}|---------:|--------:|-----:|-----------:|")
    for name, case, behaviour, failing in CASES:
        with (
            tempfile.TemporaryDirectory() as t,
            FakeServer(_always(behaviour), max_seconds=600, keep_requests=False) as server,
        ):
            tmp = Path(t)
            os.environ["AGREEMENT_LLM_TIMEOUT"] = "2"
            start = time.monotonic()
            outcome, _ = case(tmp, server)
            took = time.monotonic() - start
            sent = server.count
            out = tmp / "r.jsonl"
            if failing:  # the server never answers well: what matters is nothing is lost
                lost, dupes = 0, _counts(out)[1]
                rows = len(out.read_bytes().splitlines()) if out.exists() else 0
                outcome = f"{outcome} ({rows} error rows)"
            else:
                lost, dupes = _counts(out)
        print(f"| {name:32} | {outcome[:66]:66} | {sent:8} | {took:7.1f} | {lost:4} | {dupes:10} |")


if __name__ == "__main__":
    main()
