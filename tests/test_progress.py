"""The batch progress bar: on the terminal, in a notebook (an output widget), and the
fallback when a notebook cannot draw one. The server is a scripted transport or the loopback
fake server (synthetic answers)."""

from __future__ import annotations

import asyncio
import io
import json
import sys
from typing import Any

import nbformat
import pytest
from nbclient import NotebookClient
from rich.console import Console

from agreement_llm.articles import Article
from agreement_llm.llm import ExtractionError
from agreement_llm.progress import NOTEBOOK_HINT, BatchProgress
from agreement_llm.results import ResultRow
from tests.test_batch import Server, _articles, _run


def _row(i: int, fail: bool) -> ResultRow:
    if fail:
        error = ExtractionError("no", kind="http_error", attempts=[])
        return ResultRow.failure(Article(f"a{i}", "t"), "0" * 64, "v1", "m", error)
    return ResultRow.model_validate(
        {
            "article_id": f"a{i}",
            "text_sha256": "0" * 64,
            "prompt_version": "v1",
            "model": "m",
            "status": "ok",
        }
    )


def test_the_terminal_bar_counts_done_failed_and_shows_time() -> None:
    out = io.StringIO()
    console = Console(file=out, force_terminal=True, width=120, color_system=None)
    with BatchProgress(4, console=console) as bar:
        for i in range(3):
            bar.advance(_row(i, fail=i == 1))
    text = out.getvalue()
    assert "3/4" in text
    assert "1 failed" in text
    assert "0:00:0" in text  # elapsed and remaining time


def test_a_batch_with_progress_ends_with_its_final_count_on_stderr(
    capsys: pytest.CaptureFixture[str],
) -> None:
    server = Server()
    asyncio.run(_run(server, _articles(5, fail={2}), cache=False, progress=True))
    captured = capsys.readouterr()
    assert "5/5" in captured.err
    assert "1 failed" in captured.err
    assert captured.out == ""  # stdout stays free for records


def test_a_notebook_without_ipywidgets_gets_a_hint_not_a_broken_bar(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setitem(sys.modules, "ipywidgets", None)  # import fails
    console = Console(file=io.StringIO(), force_jupyter=True)
    with pytest.warns(UserWarning, match="ipywidgets"):
        bar = BatchProgress(2, console=console)
    assert not bar.enabled
    assert "agreement-llm[notebook]" in NOTEBOOK_HINT


_CELL = """
from agreement_llm.batch import BatchOptions, extract_many
from tests.fakeserver import FakeServer, fake_endpoint, healthy

with FakeServer(healthy(0.01)) as server:
    endpoint = fake_endpoint(server.base_url)
    texts = [f"A Corp and B City signed a memorandum of understanding. {i}" for i in range(40)]
    options = BatchOptions(concurrency=4, cache=False, progress=True)
    result = extract_many(texts, endpoint=endpoint, options=options)
print(result.summary)
"""


def _widget_text(notebook: Any) -> str:
    state = notebook.metadata["widgets"]["application/vnd.jupyter.widget-state+json"]["state"]
    return json.dumps([m["state"].get("outputs") for m in state.values()])


def test_in_a_notebook_the_bar_draws_in_a_widget_and_ends_complete() -> None:
    notebook = nbformat.v4.new_notebook()  # type: ignore[no-untyped-call]
    notebook.cells = [nbformat.v4.new_code_cell(_CELL)]  # type: ignore[no-untyped-call]
    # a cell that hangs is interrupted before pytest's own timeout, so its traceback shows where
    client = NotebookClient(
        notebook,
        timeout=90,
        interrupt_on_timeout=True,
        kernel_name="python3",
        store_widget_state=True,
    )
    client.execute()
    outputs = notebook.cells[0].outputs
    assert not [o for o in outputs if o.output_type == "error"]
    assert any("application/vnd.jupyter.widget-view+json" in o.get("data", {}) for o in outputs)
    assert "40/40" in _widget_text(notebook)  # the last state drawn is the finished one
    assert any("40 extracted" in o.get("text", "") for o in outputs)
