"""Cassettes: recording scrubs credentials and pretty-prints bodies, replay is body-matched and
offline, a changed request is refused; every committed cassette is free of credentials and
replays to a valid result."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest
import yaml

from agreement_llm.articles import read_article
from agreement_llm.config import Endpoint, local_endpoint
from agreement_llm.errors import InputError
from agreement_llm.evaluation.cassettes import write_set
from agreement_llm.evaluation.suite import MissingCassetteError, run_article
from agreement_llm.prompts import load_prompt
from tests.fakes import VALID
from tests.fakeserver import Behaviour, FakeServer, chat_completion, fake_endpoint

ROOT = Path(__file__).resolve().parent.parent
CASSETTES = ROOT / "cassettes"
KEY = "sk-test-RECOGNISABLE-0123456789abcdef"
CREDENTIAL = re.compile(
    r"(?i)(authorization|api-key|x-api-key|openai-organization|cookie)\s*:|bearer\s+\S{8,}|"
    r"sk-[A-Za-z0-9_\-]{16,}"
)

GEMMA = "gemma3-270m-q4-k-m"  # the model whose cassettes these tests replay


def _endpoint(base_url: str) -> Endpoint:
    return fake_endpoint(base_url, api_key=KEY).with_model("test-model")


def test_record_then_replay_offline(tmp_path: Path) -> None:
    article = read_article(ROOT / "eval" / "articles" / "dev_02.txt")
    with FakeServer(lambda req, n: Behaviour(body=chat_completion(VALID)), max_requests=5) as s:
        endpoint = _endpoint(s.base_url)
        recorded = run_article(article, "v1", endpoint, tmp_path, record=True)
    assert recorded.extraction is not None
    path = tmp_path / "test-model" / "v1" / "dev_02.yaml"
    text = path.read_text(encoding="utf-8")
    assert KEY not in text
    assert not CREDENTIAL.search(text)
    assert '    body: |\n      {\n        "messages": [' in text  # pretty-printed JSON, as sent
    replayed = run_article(article, "v1", endpoint, tmp_path)  # the server is gone
    assert replayed.extraction is not None
    assert replayed.extraction.record.model_dump() == recorded.extraction.record.model_dump()


def test_a_changed_request_is_refused_not_sent(tmp_path: Path) -> None:
    article = read_article(ROOT / "eval" / "articles" / "dev_02.txt")
    with FakeServer(lambda req, n: Behaviour(body=chat_completion(VALID)), max_requests=5) as s:
        run_article(article, "v1", _endpoint(s.base_url), tmp_path, record=True)
        other = read_article(ROOT / "eval" / "articles" / "dev_01.txt")
        moved = tmp_path / "test-model" / "v1" / "dev_01.yaml"
        (tmp_path / "test-model" / "v1" / "dev_02.yaml").rename(moved)
        with pytest.raises(InputError, match="does not hold the request"):
            run_article(other, "v1", _endpoint(s.base_url), tmp_path)
        assert len(s.requests) == 1  # nothing reached the server


def test_a_replay_refuses_a_schema_whose_properties_come_in_another_order(tmp_path: Path) -> None:
    """A grammar-constrained server makes the model answer in the order a schema lists its
    properties, so a cassette keeps each body as sent and refuses the same request with the
    properties in another order; a set stored with sorted keys (as sets were before), or a
    folder without its set.json, replays."""
    article = read_article(ROOT / "eval" / "articles" / "dev_02.txt")
    with FakeServer(lambda req, n: Behaviour(body=chat_completion(VALID)), max_requests=5) as s:
        endpoint = _endpoint(s.base_url)
        run_article(article, "v1", endpoint, tmp_path, record=True)
        sent = s.requests[0]
    path = tmp_path / "test-model" / "v1" / "dev_02.yaml"
    cassette = yaml.safe_load(path.read_text(encoding="utf-8"))
    stored = json.loads(cassette["interactions"][0]["request"]["body"], object_pairs_hook=list)
    assert stored == json.loads(json.dumps(sent), object_pairs_hook=list)  # every key in order
    properties = list(sent["response_format"]["schema"]["properties"])
    assert properties != sorted(properties)  # so sorting them is a change
    cassette["interactions"][0]["request"]["body"] = json.dumps(sent, sort_keys=True)
    path.write_text(yaml.safe_dump(cassette, allow_unicode=True), encoding="utf-8")
    meta = write_set(tmp_path, endpoint, "v1", load_prompt("v1").sha256)
    assert meta.bodies_in_order  # a new recording keeps the order
    with pytest.raises(InputError, match="does not hold the request"):
        run_article(article, "v1", endpoint, tmp_path)
    sorted_set = meta.model_copy(update={"bodies_in_order": False})
    (path.parent / "set.json").write_text(sorted_set.model_dump_json(), encoding="utf-8")
    assert run_article(article, "v1", endpoint, tmp_path).extraction is not None
    (path.parent / "set.json").unlink()
    assert run_article(article, "v1", endpoint, tmp_path).extraction is not None


def test_existing_cassettes_are_never_overwritten(tmp_path: Path) -> None:
    article = read_article(ROOT / "eval" / "articles" / "dev_02.txt")
    with FakeServer(lambda req, n: Behaviour(body=chat_completion(VALID)), max_requests=5) as s:
        run_article(article, "v1", _endpoint(s.base_url), tmp_path, record=True)
        before = (tmp_path / "test-model" / "v1" / "dev_02.yaml").read_bytes()
        run_article(article, "v1", _endpoint(s.base_url), tmp_path, record=True)
        assert len(s.requests) == 1
    assert (tmp_path / "test-model" / "v1" / "dev_02.yaml").read_bytes() == before


def test_missing_cassette_names_itself() -> None:
    article = read_article(ROOT / "eval" / "articles" / "dev_02.txt")
    with pytest.raises(MissingCassetteError, match="--articles dev_02 --record"):
        run_article(article, "v0", local_endpoint(model=GEMMA), CASSETTES)


def _committed() -> list[Path]:
    return sorted(CASSETTES.rglob("*.yaml"))


def test_committed_cassettes_hold_no_credential() -> None:
    files = _committed()
    assert files, "no cassettes committed"
    for path in files:
        text = path.read_text(encoding="utf-8")
        assert not CREDENTIAL.search(text), path


@pytest.mark.parametrize("article_id", ["seed_01", "seed_02", "seed_03", "seed_04", "seed_05"])
def test_seed_articles_replay_with_v1_from_the_real_model(article_id: str) -> None:
    """Gemma 3 270M's recorded answers replay offline into a result (a record or a typed
    error), the same every time."""
    article = read_article(ROOT / "eval" / "articles" / f"{article_id}.txt")
    first = run_article(article, "v1", local_endpoint(model=GEMMA), CASSETTES)
    second = run_article(article, "v1", local_endpoint(model=GEMMA), CASSETTES)
    assert (first.extraction is None) == (second.extraction is None)
    if first.extraction is not None and second.extraction is not None:
        assert first.extraction.model == GEMMA
        assert first.extraction.attempts[0].raw is not None
        assert first.extraction.record.model_dump() == second.extraction.record.model_dump()
        assert first.extraction.usage.prompt_tokens > 0
    else:
        assert first.error is not None
        assert second.error is not None
        assert first.error.attempts
        assert first.error.kind == second.error.kind


@pytest.mark.parametrize("cut", [300, 2000, 6000, 9000])
def test_a_truncated_cassette_is_one_clear_error(tmp_path: Path, cut: int) -> None:
    recorded = CASSETTES / GEMMA / "v1" / "dev_01.yaml"
    folder = tmp_path / GEMMA / "v1"
    folder.mkdir(parents=True)
    (folder / "dev_01.yaml").write_bytes(recorded.read_bytes()[:cut])
    article = read_article(ROOT / "eval" / "articles" / "dev_01.txt")
    with pytest.raises(InputError, match=r"dev_01\.yaml"):
        run_article(article, "v1", local_endpoint(model=GEMMA), tmp_path)


def test_a_replay_reads_its_cassette_once(monkeypatch: pytest.MonkeyPatch) -> None:
    """The cassette is parsed and checked in one pass (the persister), not once to check it
    and again to replay it."""
    from agreement_llm.evaluation.cassettes import PrettyYaml

    parsed: list[str] = []
    real = PrettyYaml.deserialize

    def counted(text: str) -> dict[str, Any]:
        parsed.append(text)
        return real(text)

    monkeypatch.setattr(PrettyYaml, "deserialize", counted)
    article = read_article(ROOT / "eval" / "articles" / "seed_01.txt")
    run_article(article, "v1", local_endpoint(model=GEMMA), CASSETTES)
    assert len(parsed) == 1


@pytest.mark.parametrize(
    ("field", "message"),
    [
        ("    headers:\n      host:", r"field interactions\[0\]\.request\.headers: missing"),
        ("    body:\n      string:", r"field interactions\[0\]\.response\.body: missing"),
    ],
)
def test_a_cassette_missing_a_field_the_replay_reads_names_it(
    tmp_path: Path, field: str, message: str
) -> None:
    recorded = (CASSETTES / GEMMA / "v1" / "dev_01.yaml").read_text(encoding="utf-8")
    start = recorded.index(field)  # the field and its block, up to the next key at its depth
    depth = len(field) - len(field.lstrip())
    lines = recorded[start:].splitlines(keepends=True)
    end = next(
        (
            i
            for i, line in enumerate(lines[1:], 1)
            if line.strip() and len(line) - len(line.lstrip()) <= depth
        ),
        len(lines),
    )
    folder = tmp_path / GEMMA / "v1"
    folder.mkdir(parents=True)
    (folder / "dev_01.yaml").write_text(recorded[:start] + "".join(lines[end:]), encoding="utf-8")
    article = read_article(ROOT / "eval" / "articles" / "dev_01.txt")
    with pytest.raises(InputError, match=message) as info:
        run_article(article, "v1", local_endpoint(model=GEMMA), tmp_path)
    assert "dev_01.yaml" in str(info.value)


def test_a_cassette_that_is_not_utf8_is_one_clear_error(tmp_path: Path) -> None:
    folder = tmp_path / GEMMA / "v1"
    folder.mkdir(parents=True)
    (folder / "dev_01.yaml").write_bytes(b"interactions:\n- request: caf\xe9\n")
    article = read_article(ROOT / "eval" / "articles" / "dev_01.txt")
    with pytest.raises(InputError, match=r"dev_01\.yaml: not a readable cassette"):
        run_article(article, "v1", local_endpoint(model=GEMMA), tmp_path)


def test_columns_replayed_in_worker_processes_score_as_in_one() -> None:
    """`jobs` > 1 replays the columns in processes of their own: the same results, failed
    extractions (with their attempts) included, in the same order."""
    import pickle

    from agreement_llm.evaluation.exports import export
    from agreement_llm.evaluation.suite import run_eval

    options: dict[str, Any] = {
        "cassettes": CASSETTES,
        "gold_dir": ROOT / "eval" / "gold",
        "articles_dir": ROOT / "eval" / "articles",
        "models": [GEMMA],
        "prompts": ["v1", "v2"],
    }
    alone = run_eval(**options)
    side_by_side = run_eval(**options, jobs=2)
    assert export(side_by_side, "json") == export(alone, "json")
    failed = [r.error for v in side_by_side.versions for r in v.results if r.error is not None]
    assert failed  # Gemma fails some articles: their errors crossed the process boundary

    def answered(errors: list[Any]) -> list[list[dict[str, Any]]]:  # the attempts, not their time
        return [[a.model_dump(exclude={"latency_s"}) for a in e.attempts] for e in errors]

    assert answered(failed) == answered(
        [r.error for v in alone.versions for r in v.results if r.error is not None]
    )
    again = pickle.loads(pickle.dumps(failed[0]))
    assert (str(again), again.kind, again.attempts) == (
        str(failed[0]),
        failed[0].kind,
        failed[0].attempts,
    )
