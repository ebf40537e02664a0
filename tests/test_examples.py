"""Worked examples chosen per article: built from gold records, chosen by similarity, never the
article itself (leave one out), part of the version's hash, refused for a recorded version.
(The replies here are scripted to drive the code; every answer the eval scores is recorded.)"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from agreement_llm import RetryPolicy, extract_with_details
from agreement_llm.articles import read_article
from agreement_llm.cli import main
from agreement_llm.config import OutputStyle
from agreement_llm.errors import InputError
from agreement_llm.evaluation.gold import load_gold
from agreement_llm.examples import Example, choose, render, text_key, words_of
from agreement_llm.prompts import load_prompt, new_version, pin_versions, write_examples
from agreement_llm.steps import AgreementsAnswer, example_answer
from tests.fakes import Script, completion
from tests.test_recipes import AGREEMENTS, ARTICLE, PEOPLE, _endpoint, _reply

ROOT = Path(__file__).resolve().parent.parent
FAST = RetryPolicy(transient_attempts=2, reasks=1, initial_wait=0.0, jitter=0.0)


def _example(article_id: str, text: str) -> Example:
    return Example(
        article_id=article_id, text_sha256=text_key(text), words=words_of(text), answer=article_id
    )


def test_the_most_similar_articles_are_chosen_never_the_article_itself() -> None:
    port = "Harbour City signed port logistics agreements with shipping companies in Seaport."
    pool = [
        _example("same", ARTICLE),
        _example("port", port),
        _example("school", "The university signed a memorandum on student exchange programs."),
        _example("ports", port + " Alpha Shipping Group and Beta Port Company."),
    ]
    chosen = choose(pool, ARTICLE, 2)
    assert [e.article_id for e in chosen] == ["ports", "port"]
    assert "same" in [e.article_id for e in choose(pool, ARTICLE + " Other text.", 1)]
    assert choose(pool, "\n" + ARTICLE + "  \n", 4)[-1].article_id == "school"  # white space aside


def test_an_example_answer_is_the_gold_record_in_the_steps_form() -> None:
    gold = load_gold(ROOT / "eval" / "gold" / "dev_13.json")
    answer = json.loads(example_answer(gold.record))
    assert len(answer["agreements"]) == 4  # the first four of five
    first = answer["agreements"][0]
    assert first["count"] == 25
    assert "establishes" not in first
    assert "count" not in answer["agreements"][1]  # one document: count 1 is not written
    # it is a valid step answer once the empty values are back
    full = example_answer(gold.record, most=5)
    assert len(AgreementsAnswer.model_validate_json(_filled(full)).agreements) == 5


def _filled(answer: str) -> str:
    data = json.loads(answer)
    empty: dict[str, object] = {
        "title": None,
        "count": 1,
        "signed_on": {},
        "place": None,
        "areas": [],
        "establishes": [],
        "value": None,
        "duration": None,
    }
    for item in data["agreements"]:
        for key, value in empty.items():
            item.setdefault(key, value)
        for key in ("year", "month", "day", "weekday"):
            item["signed_on"].setdefault(key, None)
        for party in item["parties"]:
            party.setdefault("short_name", None)
            party.setdefault("country", None)
    return json.dumps(data)


def _version_with_examples(root: Path, count: int = 2) -> None:
    shutil.copytree(ROOT / "prompts" / "v4", root / "v4")
    new_version("v5", "v4", "with examples", root)
    manifest = json.loads((root / "v5" / "manifest.json").read_text())
    (root / "v5" / "manifest.json").write_text(json.dumps({**manifest, "examples": count}))


def test_examples_open_the_first_steps_cue_and_belong_to_the_hash(tmp_path: Path) -> None:
    _version_with_examples(tmp_path)
    before = load_prompt("v5", tmp_path)
    assert before.examples == ()
    pool = [_example("port", "Shipping companies signed port agreements in Seaport.")]
    pool.append(_example("school", "A university signed a memorandum on exchange."))
    write_examples(
        "v5", [e.model_copy(update={"answer": "ANSWER " + e.article_id}) for e in pool], tmp_path
    )
    prompt = load_prompt("v5", tmp_path)
    assert prompt.sha256 != before.sha256
    assert len(prompt.examples) == 2
    shown = render(choose(prompt.examples, ARTICLE, 2))
    assert shown.index("ANSWER port") < shown.index("ANSWER school")  # the likest first


def _extract_v5(script: Script) -> None:
    """Extract ARTICLE with the temporary v5 (llama.cpp's request shape) from `script`."""
    extract_with_details(
        ARTICLE,
        prompt="v5",
        endpoint=_endpoint(OutputStyle.json_object_schema),
        client=script.client(),
        retry=FAST,
    )


def test_a_version_asking_for_examples_it_lacks_is_a_clear_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _version_with_examples(tmp_path)
    monkeypatch.setattr("agreement_llm.prompts.prompts_dir", lambda: tmp_path)
    script = Script(completion(json.dumps({"agreements": []})))
    with pytest.raises(InputError, match="agreement-llm prompts examples v5"):
        _extract_v5(script)
    assert script.requests == []


def test_the_examples_reach_the_request_and_leave_the_article_out(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _version_with_examples(tmp_path, count=1)
    write_examples(
        "v5",
        [
            Example(
                article_id="own",
                text_sha256=text_key(ARTICLE),
                words=words_of(ARTICLE),
                answer="OWN",
            ),
            _example("other", "Shipping companies signed agreements.").model_copy(
                update={"answer": "OTHER"}
            ),
        ],
        tmp_path,
    )
    monkeypatch.setattr("agreement_llm.prompts.prompts_dir", lambda: tmp_path)
    script = Script(completion(json.dumps({"agreements": []})))
    _extract_v5(script)
    [request] = script.requests
    user = request["messages"][-1]["content"]
    assert "OTHER" in user
    assert "OWN" not in user
    assert user.index("Gamma Logistics") < user.index("OTHER") < user.index("Answer step 1")


def test_the_examples_command_writes_every_gold_with_an_agreement(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _version_with_examples(tmp_path)
    monkeypatch.setattr("agreement_llm.prompts.prompts_dir", lambda: tmp_path)
    result = CliRunner().invoke(
        main,
        [
            "prompts",
            "examples",
            "v5",
            "--most",
            "1",
            "--gold-dir",
            str(ROOT / "eval" / "gold"),
            "--articles-dir",
            str(ROOT / "eval" / "articles"),
        ],
    )
    assert result.exit_code == 0, result.output
    examples = load_prompt("v5", tmp_path).examples
    assert "dev_11" not in [e.article_id for e in examples]  # no agreement: no example
    assert len(examples) == 22
    assert {len(json.loads(e.answer)["agreements"]) for e in examples} == {1}  # --most 1
    dev_08 = read_article(ROOT / "eval" / "articles" / "dev_08.txt").text
    assert "dev_08" not in [e.article_id for e in choose(examples, dev_08, 22)]
    pin_versions(["v5"], tmp_path)
    with pytest.raises(InputError, match="recorded"):
        write_examples("v5", list(examples), tmp_path)


@pytest.mark.parametrize("style", list(OutputStyle))
def test_each_server_kind_gets_a_version_with_examples(style: OutputStyle) -> None:
    script = Script(
        _reply(style, "AgreementsAnswer", AGREEMENTS), _reply(style, "PeopleAnswer", PEOPLE)
    )
    result = extract_with_details(
        ARTICLE, prompt="v7", endpoint=_endpoint(style), client=script.client(), retry=FAST
    )
    assert len(result.record.agreements) == 3
    first, second = script.requests
    assert "Example 1:" in first["messages"][-1]["content"]
    assert "Example 1:" not in second["messages"][-1]["content"]  # the people step has none
