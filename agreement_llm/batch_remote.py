"""The provider's side of a Batch API run: request lines, uploads and batches created, their
status asked, their output and error files downloaded, and the answers read back by article
and request body (a failed request counts as answered by its failure once it has failed
`tries` times; a request an expired or cancelled batch did not run is simply sent again)."""

from __future__ import annotations

import json
from typing import Any, Final

import openai

from agreement_llm.batch_replay import Answer
from agreement_llm.batch_state import TERMINAL, BatchInfo, BatchState, Workdir
from agreement_llm.response import parse_completion
from agreement_llm.retry import BadResponseError

__all__ = [
    "URL",
    "AnswerIndex",
    "answer_index",
    "answer_key",
    "in_flight",
    "refresh",
    "request_line",
    "send",
]

URL: Final = "/v1/chat/completions"
_QUIET = ("batch_expired", "batch_cancelled")  # not the request's failure: sent again


def answer_key(custom_id: str) -> tuple[tuple[str, str, str], str]:
    article_id, sha, _prompt, _model, _step, gen, digest = custom_id.rsplit("|", 6)
    return (article_id, sha, gen), digest


def request_line(custom_id: str, body: dict[str, Any]) -> bytes:
    line = {"custom_id": custom_id, "method": "POST", "url": URL, "body": body}
    return (json.dumps(line, ensure_ascii=False) + "\n").encode("utf-8")


def send(work: Workdir, state: BatchState, client: openai.OpenAI) -> None:
    """Upload and submit every prepared file not yet submitted (recording each step)."""
    for prepared in state.files:
        if prepared.batch_id is not None:
            continue
        if prepared.file_id is None:
            path = work.requests / f"{prepared.name}.jsonl"
            with path.open("rb") as f:
                uploaded = client.files.create(file=(path.name, f), purpose="batch")
            prepared.file_id = uploaded.id
            work.save(state)
        batch = None
        if prepared.creating:  # stopped while creating it: it may exist (never create twice)
            recent = client.batches.list(limit=100).data
            batch = next((b for b in recent if b.input_file_id == prepared.file_id), None)
        else:
            prepared.creating = True
            work.save(state)
        if batch is None:
            batch = client.batches.create(
                input_file_id=prepared.file_id,
                endpoint=URL,
                completion_window="24h",
                metadata={"agreement_llm_file": prepared.name},
            )
        prepared.creating = False
        prepared.batch_id = batch.id
        state.batches.append(
            BatchInfo(
                id=batch.id,
                input_file_id=prepared.file_id,
                file=prepared.name,
                requests=prepared.requests,
                status=batch.status,
            )
        )
        work.save(state)


def refresh(work: Workdir, state: BatchState, client: openai.OpenAI, download: bool) -> None:
    """Ask for each unfinished batch's status; with `download`, store a finished one's
    answers."""
    for info in state.batches:
        if info.downloaded:
            continue
        got = client.batches.retrieve(info.id)
        info.status = got.status
        if got.request_counts is not None:
            info.completed = got.request_counts.completed
            info.failed = got.request_counts.failed
        info.output_file_id = got.output_file_id
        info.error_file_id = got.error_file_id
        if got.errors is not None and got.errors.data:
            info.errors = [e.message or e.code or "error" for e in got.errors.data]
        if download and got.status in TERMINAL:
            parts = [
                client.files.content(file_id).content
                for file_id in (got.output_file_id, got.error_file_id)
                if file_id
            ]
            data = b"".join(p if p.endswith(b"\n") or not p else p + b"\n" for p in parts)
            work.save_answers(info.id, data)
            info.downloaded = True
        work.save(state)


def usable(response: dict[str, Any] | None) -> bool:
    """Whether a batch response is a chat completion with a choice (else: tried again)."""
    if not isinstance(response, dict) or response.get("status_code") != 200:
        return False
    try:
        completion = parse_completion(json.dumps(response.get("body")).encode("utf-8"))
    except BadResponseError:
        return False
    return bool(completion.choices)


def final(status: object) -> bool:
    return isinstance(status, int) and 400 <= status < 500 and status not in (408, 429)


AnswerIndex = dict[tuple[str, str, str], dict[str, Answer]]


def answer_index(work: Workdir, state: BatchState, tries: int) -> tuple[AnswerIndex, set[str]]:
    """The answers of every downloaded batch by article and body hash, and the custom ids that
    failed at least once. A failed request counts as answered (by its failure) once it has
    failed `tries` times."""
    answers: AnswerIndex = {}
    failures: dict[str, list[Answer]] = {}
    done = [b for b in state.batches if b.downloaded]
    for line in work.answer_lines(b.id for b in done):
        custom_id = str(line.get("custom_id"))
        response = line.get("response")
        error = line.get("error") or {}
        if usable(response) or (isinstance(response, dict) and final(response["status_code"])):
            key, digest = answer_key(custom_id)
            answers.setdefault(key, {})[digest] = {
                "status_code": response["status_code"],  # type: ignore[index]
                "body": response["body"],  # type: ignore[index]
            }
        elif error.get("code") not in _QUIET:
            failures.setdefault(custom_id, []).append(failure(response, error))
    for info in done:
        if info.status == "failed":
            message = f"batch {info.id} failed: {'; '.join(info.errors) or 'no reason given'}"
            for custom_id in work.ids(info.file):
                failures.setdefault(custom_id, []).append(failure(None, {"message": message}))
    for custom_id, failed in failures.items():
        key, digest = answer_key(custom_id)
        if len(failed) >= tries:
            answers.setdefault(key, {}).setdefault(digest, failed[-1])
    return answers, set(failures)


def failure(response: object, error: dict[str, Any]) -> Answer:
    """A failed request as the answer that replays it: the server's status and body as sent
    (the live path then fails as it would live), else a 502 with the batch's error."""
    if isinstance(response, dict) and isinstance(response.get("status_code"), int):
        return {"status_code": response["status_code"], "body": response.get("body")}
    message = str(error.get("message") or "the batch answered with no usable completion")
    return {"status_code": 502, "body": {"error": {"message": message}}}


def in_flight(work: Workdir, state: BatchState) -> set[str]:
    """The custom ids of requests prepared or submitted whose answers are not on disk."""
    downloaded = {b.id for b in state.batches if b.downloaded}
    return {
        custom_id
        for f in state.files
        if f.batch_id not in downloaded
        for custom_id in work.ids(f.name)
    }
