"""The package uses other packages (and the standard library) only through their public names:
no `from x import _y`, no `import x._y`, no `mod._y` on an imported module or object, and none
of the deprecated APIs it once used. Private names and deprecated calls break on upgrade."""

from __future__ import annotations

import ast
from pathlib import Path

PACKAGE = Path(__file__).resolve().parent.parent / "agreement_llm"

# deprecated APIs (pydantic v1 names, instructor internals the package once drove by hand)
DEPRECATED = {
    "construct",
    "parse_obj",
    "parse_raw",
    "from_orm",
    "update_forward_refs",
    "handle_response_model",
    "retry_sync",
    "retry_async",
    "apatch",
    "get_event_loop",
}


def _private(name: str) -> bool:
    return name.startswith("_") and not (name.startswith("__") and name.endswith("__"))


def _ours(module: str | None, level: int = 0) -> bool:
    return level > 0 or (module or "").split(".")[0] == "agreement_llm"


def _root(node: ast.expr) -> str | None:
    """The name an expression such as `a.b(c).d` starts from (`a`)."""
    while isinstance(node, ast.Attribute | ast.Call | ast.Subscript | ast.Await):
        node = node.func if isinstance(node, ast.Call) else node.value
    return node.id if isinstance(node, ast.Name) else None


def violations(source: str) -> list[str]:
    """What in `source` uses a private or deprecated name of another package."""
    tree = ast.parse(source)
    foreign: set[str] = set()  # names bound to another package's modules or objects
    found: list[str] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                if _ours(alias.name):
                    continue
                if any(_private(part) for part in alias.name.split(".")):
                    found.append(f"line {node.lineno}: import {alias.name}")
                foreign.add(alias.asname or alias.name.split(".")[0])
        elif isinstance(node, ast.ImportFrom) and not _ours(node.module, node.level):
            module = node.module or ""
            if any(_private(part) for part in module.split(".")):
                found.append(f"line {node.lineno}: from {module} import ...")
            for alias in node.names:
                if _private(alias.name) or alias.name in DEPRECATED:
                    found.append(f"line {node.lineno}: from {module} import {alias.name}")
                foreign.add(alias.asname or alias.name)
    # a name assigned from another package's module or object is one of its objects too
    changed = True
    while changed:
        changed = False
        for node in ast.walk(tree):
            if isinstance(node, ast.Assign | ast.AnnAssign) and node.value is not None:
                targets = node.targets if isinstance(node, ast.Assign) else [node.target]
                if _root(node.value) in foreign:
                    for target in targets:
                        if isinstance(target, ast.Name) and target.id not in foreign:
                            foreign.add(target.id)
                            changed = True
    for node in ast.walk(tree):
        if not isinstance(node, ast.Attribute):
            continue
        chain, root = [node.attr], node.value
        while isinstance(root, ast.Attribute):
            chain.append(root.attr)
            root = root.value
        if isinstance(root, ast.Name) and root.id in foreign and any(map(_private, chain)):
            found.append(f"line {node.lineno}: {root.id}.{'.'.join(reversed(chain))}")
        if node.attr in DEPRECATED:
            found.append(f"line {node.lineno}: .{node.attr}")
    for node in ast.walk(tree):
        # getattr(loop, "_ready"), vars(retrying).pop("_retry_state"): a private name as text
        if isinstance(node, ast.Call) and _by_name(node) and len(node.args) > 1:
            key = node.args[1] if isinstance(node.func, ast.Name) else node.args[0]
            if isinstance(key, ast.Constant) and isinstance(key.value, str) and _private(key.value):
                found.append(f"line {node.lineno}: {key.value!r} by name")
        # a subclass of another package's class using a private name it does not define
        if isinstance(node, ast.ClassDef) and any(_root(b) in foreign for b in node.bases):
            methods = ast.FunctionDef | ast.AsyncFunctionDef
            own = {n.name for n in node.body if isinstance(n, methods)} | {
                t.attr
                for n in ast.walk(node)
                for t in (n.targets if isinstance(n, ast.Assign) else [])
                if isinstance(t, ast.Attribute)
            }
            found += [
                f"line {n.lineno}: self.{n.attr} of {node.name}'s base"
                for n in ast.walk(node)
                if isinstance(n, ast.Attribute)
                and isinstance(n.value, ast.Name)
                and n.value.id == "self"
                and _private(n.attr)
                and n.attr not in own
            ]
    return sorted(set(found))


def _by_name(call: ast.Call) -> bool:
    """Whether `call` reaches an attribute by a name given as text."""
    if isinstance(call.func, ast.Name):
        return call.func.id in ("getattr", "hasattr", "setattr", "delattr")
    func = call.func
    return (
        isinstance(func, ast.Attribute)
        and func.attr in ("pop", "get", "setdefault")
        and isinstance(func.value, ast.Call)
        and isinstance(func.value.func, ast.Name)
        and func.value.func.id == "vars"
        and len(call.args) >= 1
    )


def test_the_check_finds_what_it_looks_for() -> None:
    bad = """
import asyncio
import httpx._transports
from tenacity import _utils
from instructor.processing.response import handle_response_model
from openai.types.chat import ChatCompletion

loop = asyncio.get_running_loop()
loop._ready
asyncio.events._get_running_loop()
ChatCompletion.construct(id="x")
getattr(loop, "_ready", ())
vars(loop).pop("_retry_state", None)


class Lean(httpx.AsyncClient):
    def send(self) -> None:
        self._transport_for_url(1)
        self._mine = 1
"""
    assert violations(bad) == sorted(
        [
            "line 11: .construct",
            "line 3: import httpx._transports",
            "line 4: from tenacity import _utils",
            "line 5: from instructor.processing.response import handle_response_model",
            "line 9: loop._ready",
            "line 10: asyncio.events._get_running_loop",
            "line 12: '_ready' by name",
            "line 13: '_retry_state' by name",
            "line 18: self._transport_for_url of Lean's base",
        ]
    )
    # its own private names and the private names of its own objects are the package's own
    assert violations("from agreement_llm.llm import _Call\nself._x = 1\n") == []


def test_no_module_uses_a_private_or_deprecated_name_of_another_package() -> None:
    found = {
        str(path.relative_to(PACKAGE)): v
        for path in sorted(PACKAGE.rglob("*.py"))
        if (v := violations(path.read_text(encoding="utf-8")))
    }
    assert found == {}
