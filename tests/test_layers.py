"""Package boundaries: the record schema imports no LLM client; only the CLI imports the eval
harness; the core never reads the environment at import time."""

from __future__ import annotations

import ast
from pathlib import Path

PACKAGE = Path(__file__).resolve().parent.parent / "agreement_llm"


def _imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(a.name for a in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module)
    return names


def test_schema_imports_no_llm_client() -> None:
    for name in ("models.py", "textnorm.py", "grounding.py"):
        imported = _imports(PACKAGE / name)
        assert not {m for m in imported if m.split(".")[0] in ("openai", "instructor", "httpx")}


def test_only_the_cli_imports_the_eval_harness() -> None:
    for path in PACKAGE.rglob("*.py"):
        rel = path.relative_to(PACKAGE)
        if rel.parts[0] == "evaluation" or rel.name.startswith("cli"):  # the CLI modules
            continue
        assert not any(m.startswith("agreement_llm.evaluation") for m in _imports(path)), rel


def test_modules_stay_short() -> None:
    for path in PACKAGE.rglob("*.py"):
        lines = len(path.read_text(encoding="utf-8").splitlines())
        assert lines <= 400, f"{path.relative_to(PACKAGE)} has {lines} lines: split it"


def test_no_environment_read_at_module_level() -> None:
    for path in PACKAGE.rglob("*.py"):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in tree.body:
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
                continue
            src = ast.unparse(node)
            assert "os.environ" not in src, path.name
            assert "getenv" not in src, path.name
