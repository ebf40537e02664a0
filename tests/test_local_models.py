"""Local models: parts found through their distributions, assembled atomically, hash-checked."""

from __future__ import annotations

import hashlib
import sys
from pathlib import Path

import pytest

from agreement_llm.errors import ConfigError
from agreement_llm.serve import (
    DEFAULT_LOCAL_MODEL,
    LOCAL_MODELS,
    LocalModel,
    assemble,
    get_local_model,
    model_status,
    server_command,
)

CHUNKS = [b"GGUF" + bytes(range(200)), bytes(range(255, 0, -1)) * 3, b"tail"]


def _install_parts(root: Path, chunks: list[bytes]) -> None:
    """Fake part distributions (dist-info + data file) on a folder that goes on sys.path."""
    for n, data in enumerate(chunks, start=1):
        package = f"fake_model_part{n}"
        (root / package / "data").mkdir(parents=True)
        (root / package / "data" / f"part{n:02d}.bin").write_bytes(data)
        info = root / f"{package}-1.0.0.dist-info"
        info.mkdir()
        (info / "METADATA").write_text(
            f"Metadata-Version: 2.1\nName: fake-model-part{n}\nVersion: 1.0.0\n", encoding="utf-8"
        )


def _model(sha256: str, parts: int = len(CHUNKS)) -> LocalModel:
    return LocalModel(
        name="fake-model",
        title="Fake",
        parameters="0",
        quantisation="none",
        size=sum(len(c) for c in CHUNKS),
        sha256=sha256,
        licence="MIT",
        extra="local-fake",
        parts=tuple(
            (f"fake-model-part{n}", "1.0.0", f"fake_model_part{n}/data/part{n:02d}.bin")
            for n in range(1, parts + 1)
        ),
    )


@pytest.fixture
def parts(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    site = tmp_path / "site"
    _install_parts(site, CHUNKS)
    monkeypatch.syspath_prepend(str(site))
    return site


def test_assembles_the_parts_in_order_and_verifies_them(parts: Path, tmp_path: Path) -> None:
    whole = b"".join(CHUNKS)
    model = _model(hashlib.sha256(whole).hexdigest())
    out = tmp_path / "models"
    assert not model_status(model, out).assembled
    path = assemble(model, out)
    assert path.read_bytes() == whole
    status = model_status(model, out)
    assert status.installed
    assert status.assembled
    assert sorted(p.name for p in out.iterdir()) == ["fake-model.gguf", "fake-model.gguf.verified"]


def test_a_flipped_byte_is_refused_naming_both_hashes(parts: Path, tmp_path: Path) -> None:
    whole = b"".join(CHUNKS)
    model = _model(hashlib.sha256(whole).hexdigest())
    flipped = bytearray(CHUNKS[1])
    flipped[7] ^= 0x01
    (parts / "fake_model_part2" / "data" / "part02.bin").write_bytes(bytes(flipped))
    out = tmp_path / "models"
    with pytest.raises(ConfigError) as err:
        assemble(model, out)
    message = str(err.value)
    assert model.sha256 in message
    assert hashlib.sha256(whole.replace(CHUNKS[1], bytes(flipped))).hexdigest() in message
    assert list(out.iterdir()) == []  # no file left that could pass as the model


def test_a_changed_file_is_verified_again(parts: Path, tmp_path: Path) -> None:
    model = _model(hashlib.sha256(b"".join(CHUNKS)).hexdigest())
    out = tmp_path / "models"
    path = assemble(model, out)
    with path.open("r+b") as f:
        f.write(b"X")
    assert not model_status(model, out).assembled
    assert assemble(model, out).read_bytes() == b"".join(CHUNKS)


def test_missing_parts_name_the_install_command(parts: Path, tmp_path: Path) -> None:
    model = _model("0" * 64, parts=len(CHUNKS) + 1)
    assert not model_status(model, tmp_path).installed
    with pytest.raises(ConfigError, match=r'pip install -e "\.\[local-fake\]"'):
        assemble(model, tmp_path)


def test_known_models_and_the_default() -> None:
    assert get_local_model().name == DEFAULT_LOCAL_MODEL
    assert get_local_model("gemma3-270m-q4-k-m").system_role is False
    with pytest.raises(ConfigError, match="unknown local model 'gpt-5'"):
        get_local_model("gpt-5")
    for model in LOCAL_MODELS.values():
        assert len(model.sha256) == 64
        assert len({dist for dist, _, _ in model.parts}) == len(model.parts)


def test_server_command_suits_the_model(tmp_path: Path) -> None:
    qwen = server_command(get_local_model("qwen2.5-coder-1.5b-q4-k-m"), tmp_path / "q.gguf", 9000)
    assert qwen[:3] == [sys.executable, "-m", "llama_cpp.server"]
    assert "--chat_format" not in qwen  # the template the GGUF file carries (ChatML)
    args = dict(zip(qwen[3::2], qwen[4::2], strict=True))
    assert args["--model_alias"] == "qwen2.5-coder-1.5b-q4-k-m"
    assert args["--host"] == "127.0.0.1"
    assert args["--port"] == "9000"
    gemma = server_command(get_local_model("gemma3-270m-q4-k-m"), tmp_path / "g.gguf")
    assert gemma[gemma.index("--chat_format") + 1] == "gemma"
