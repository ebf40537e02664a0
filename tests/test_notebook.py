"""notebooks/explore.ipynb runs top to bottom, offline, so it cannot rot: on the recorded
replay, and on a user's own results file."""

from __future__ import annotations

import asyncio
import re
from pathlib import Path
from typing import Any

import nbformat
from nbclient import NotebookClient

from agreement_llm.articles import read_articles
from tests.test_batch import Server, _run

ROOT = Path(__file__).resolve().parent.parent


def _execute(parameters: str | None = None) -> list[Any]:
    notebook = nbformat.read(  # type: ignore[no-untyped-call]
        ROOT / "notebooks" / "explore.ipynb", as_version=4
    )
    if parameters is not None:
        notebook.cells[1].source = parameters  # the parameters cell, as papermill would
    # a cell that hangs is interrupted before pytest's own timeout, so its traceback shows where
    client = NotebookClient(
        notebook,
        timeout=90,
        interrupt_on_timeout=True,
        kernel_name="python3",
        resources={"metadata": {"path": str(ROOT / "notebooks")}},
    )
    client.execute()
    outputs = [o for cell in notebook.cells if cell.cell_type == "code" for o in cell.outputs]
    assert not [o for o in outputs if o.output_type == "error"]
    assert any("image/png" in o.get("data", {}) for o in outputs)
    return outputs


def _html(outputs: list[Any]) -> list[str]:
    return [o["data"]["text/html"] for o in outputs if "text/html" in o.get("data", {})]


def test_explore_notebook_executes_on_the_recorded_replay() -> None:
    outputs = _execute()
    assert any("<mark" in h for h in _html(outputs))  # the record view highlights spans
    text = "".join(
        o.get("text", "") + str(o.get("data", {}).get("text/plain", "")) for o in outputs
    )
    assert re.search(r"signed_year\s+Int64", text)  # years are nullable integers, not 2008.0
    assert re.search(r"kind\s+category", text)
    assert "gemma3-270m-q4-k-m/v1" in text  # every recorded column is replayed


def test_explore_notebook_shows_a_users_own_results(tmp_path: Path) -> None:
    folder = tmp_path / "articles"
    folder.mkdir()
    for i in range(3):
        (folder / f"release{i}.txt").write_text(f"Release {i}: A Corp and B City signed an MoU.")
    results = tmp_path / "results.jsonl"
    asyncio.run(_run(Server(), read_articles(folder), out=results, cache=False))
    outputs = _execute(f"RESULTS = {str(results)!r}\nARTICLES = {str(folder)!r}")
    text = "".join(o.get("text", "") for o in outputs)
    assert "3 articles" in text
    assert "results: 3 records, 0 failed" in text
    html = "".join(_html(outputs))
    assert "<mark" in html  # the user's article, with its spans highlighted
    assert "A Corp" in html


def test_explore_notebook_uses_only_public_names() -> None:
    import importlib

    notebook = nbformat.read(  # type: ignore[no-untyped-call]
        ROOT / "notebooks" / "explore.ipynb", as_version=4
    )
    source = "\n".join(c.source for c in notebook.cells if c.cell_type == "code")
    imports = re.findall(r"^from (agreement_llm\S*) import (.+)$", source, re.MULTILINE)
    assert imports
    for module, names in imports:
        assert module in ("agreement_llm", "agreement_llm.evaluation"), module
        public = importlib.import_module(module).__all__
        for name in names.split(","):
            assert name.strip() in public, f"{module}.{name.strip()} is not public"
