"""A plain install (no extras) extracts, runs batches and the CLI; each feature of an extra that
is missing says, in one line, which `pip install` brings it."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from agreement_llm import to_frames
from agreement_llm.cli import main
from agreement_llm.errors import MissingExtraError
from tests.fakeserver import FakeServer, healthy

ROOT = Path(__file__).resolve().parent.parent

# Run with the extras' packages made unimportable, as in a plain `pip install agreement-llm`.
PLAIN = """
import sys
for name in ("scipy", "vcr", "yaml", "pandas", "pyarrow", "numpy"):
    sys.modules[name] = None  # import raises ImportError
from pathlib import Path
from agreement_llm import BatchOptions, extract, extract_many, read_results
from agreement_llm.cli import main
base, out, folder = sys.argv[1], Path(sys.argv[2]), sys.argv[3]
endpoint = dict(base_url=base, server="llama_cpp", model="fake")
from agreement_llm import resolve_endpoint
ep = resolve_endpoint(**endpoint, api_key="k")
text = "A Corp and B City signed a memorandum of understanding on Monday."
assert extract(text, prompt="v1", endpoint=ep).agreements
result = extract_many([text, text + " (2)"], prompt="v1", endpoint=ep,
                      options=BatchOptions(out=str(out), cache=False))
assert [r.status for r in result.rows] == ["ok", "ok"], result
try:
    main(["extract", folder, "--out", str(out.with_name("cli.jsonl")), "--base-url", base,
          "--server", "llama_cpp", "--no-cache"])
except SystemExit as stop:
    assert stop.code in (0, None), stop.code
assert len(read_results(out.with_name("cli.jsonl"))) == 1
assert not any(sys.modules.get(n) for n in ("scipy", "vcr", "yaml", "pandas", "pyarrow"))
print("plain ok")
"""


def test_a_plain_install_extracts_and_runs_batches_and_the_cli(tmp_path: Path) -> None:
    folder = tmp_path / "articles"
    folder.mkdir()
    (folder / "a.txt").write_text("A Corp and B City signed an MoU on Monday.")
    with FakeServer(healthy()) as server:
        done = subprocess.run(
            [sys.executable, "-c", PLAIN, server.base_url, str(tmp_path / "r.jsonl"), str(folder)],
            cwd=ROOT,
            capture_output=True,
            text=True,
            timeout=120,
        )
    assert done.returncode == 0, done.stderr
    assert "plain ok" in done.stdout


def test_frames_without_pandas_name_the_extra(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "pandas", None)
    with pytest.raises(MissingExtraError, match=r"pip install 'agreement-llm\[frames\]'"):
        to_frames([])


@pytest.mark.parametrize("command", [["eval"], ["gold", "check"]])
def test_the_eval_without_its_extra_says_so_in_one_line(
    monkeypatch: pytest.MonkeyPatch, command: list[str]
) -> None:
    for name in [m for m in sys.modules if m.startswith("agreement_llm.evaluation")]:
        monkeypatch.delitem(sys.modules, name)
    monkeypatch.setitem(sys.modules, "vcr", None)
    result = CliRunner().invoke(main, command)
    assert result.exit_code == 1
    assert result.output.strip().splitlines() == [
        "Error: vcr is not installed; it comes with: pip install 'agreement-llm[eval]'"
    ]
