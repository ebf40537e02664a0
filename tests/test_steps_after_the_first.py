"""The steps after the first. `sentences` (v9): step 1 asked again for each sentence that
reports several documents and that none of step 1's agreements came from; its answers keep that
sentence as their evidence, and one that repeats an agreement of step 1 is dropped; with it, the
rules `several_documents` and `status_from_text`. `signs_for` (v10): a party that is a person
(named with a title by the people step) becomes the organization the model says they sign for.
`partners_from_lists` (v11): a list of partners the model summarised is read from the sentence.
(The replies are scripted to drive the code; every answer the eval scores comes from a recorded
cassette.)"""

from __future__ import annotations

import copy
from typing import Any

import pytest

from agreement_llm import Extraction, extract_with_details
from agreement_llm.assembly import assemble
from agreement_llm.config import OutputStyle
from agreement_llm.models import Status
from agreement_llm.prompts import PromptManifest, load_prompt
from agreement_llm.recipes import unreported
from agreement_llm.rules import (
    one_document_signed,
    partners_listed,
    several_documents,
    status_in_sentence,
)
from agreement_llm.steps import AgreementsAnswer
from tests.fakes import Script
from tests.test_recipes import AGREEMENTS, FAST, _endpoint, _party, _reply

ARTICLE = """TITLE: Harbour City signs with Alpha

Updated: 2031-05-09 10:12 Harbour City and Alpha Shipping Group signed a strategic \
cooperation agreement on Thursday in Seaport.
Previously, Harbour City has signed cooperation agreements with three companies including \
Beta Port Company, Gamma Logistics and Delta Rail.
Mayor Lin Tao and Wu Bo, chairman of Alpha Shipping Group, signed the agreement.
"""
LISTED = ARTICLE.splitlines()[3]


def _answer(*names: str, evidence: str = "x", status: str = "signed") -> dict[str, Any]:
    item = copy.deepcopy(AGREEMENTS["agreements"][0])
    item.update(
        evidence=evidence,
        title=None,
        status=status,
        parties=[_party(n) for n in names],
        value=None,
        areas=[],
    )
    return {"agreements": [item]}


FIRST = _answer("Harbour City", "Alpha Shipping Group", evidence="Harbour City and Alpha ...")
LIST = _answer("Harbour City", "Beta Port Company", "Gamma Logistics", "Delta Rail")
PEOPLE: dict[str, Any] = {"people": []}


def _extract(
    style: OutputStyle, text: str, prompt: str, *replies: tuple[str, dict[str, Any]]
) -> tuple[Extraction, Script]:
    """Extract `text` with `prompt`, the server answering `replies` (model name, body) in turn."""
    script = Script(*(_reply(style, name, body) for name, body in replies))
    result = extract_with_details(
        text, prompt=prompt, endpoint=_endpoint(style), client=script.client(), retry=FAST
    )
    return result, script


@pytest.mark.parametrize("style", list(OutputStyle))
def test_each_server_kind_gets_a_request_per_unreported_sentence(style: OutputStyle) -> None:
    result, script = _extract(
        style,
        ARTICLE,
        "v9",
        ("AgreementsAnswer", FIRST),
        ("AgreementsAnswer", LIST),
        ("PeopleAnswer", PEOPLE),
    )
    assert [a.step for a in result.attempts] == ["agreements", "sentences", "people"]
    cue = next(s.cue for s in load_prompt("v9").manifest.steps if s.name == "sentences")
    asked = script.requests[1]["messages"][-1]["content"]
    assert cue.replace("{sentence}", LISTED) in asked  # after the article
    assert "Gamma Logistics and Delta Rail" in script.requests[0]["messages"][-1]["content"]
    # one record per partner of the list sentence, each with that sentence as its evidence
    assert [[p.name for p in a.parties] for a in result.record.agreements] == [
        ["Harbour City", "Alpha Shipping Group"],
        ["Harbour City", "Beta Port Company"],
        ["Harbour City", "Gamma Logistics"],
        ["Harbour City", "Delta Rail"],
    ]
    listed = result.record.agreements[1:]
    assert {a.evidence for a in listed} == {LISTED}
    # "Previously, ... has signed": background, whatever the model said
    assert [a.status for a in result.record.agreements] == [Status.signed] + [Status.earlier] * 3


def test_no_unreported_sentence_no_extra_request() -> None:
    found = AgreementsAnswer.model_validate(
        _answer("Harbour City", "Beta Port Company", evidence=LISTED)
    )
    assert unreported(ARTICLE, found) == []
    assert unreported(ARTICLE, AgreementsAnswer.model_validate(FIRST)) == [LISTED]
    both = {"agreements": [*FIRST["agreements"], *LIST["agreements"]]}
    result, _ = _extract(
        OutputStyle.json_object_schema,
        ARTICLE,
        "v9",
        ("AgreementsAnswer", both),
        ("PeopleAnswer", PEOPLE),
    )
    assert [a.step for a in result.attempts] == ["agreements", "people"]


def test_an_answer_repeating_step_1s_agreement_is_dropped() -> None:
    repeated = _answer("Harbour City", "Alpha Shipping Group", evidence=LISTED)
    both = AgreementsAnswer.model_validate(
        {"agreements": [*FIRST["agreements"], *repeated["agreements"]]}
    )
    record, notes = assemble(both, None, ARTICLE, (), asked=[LISTED])
    assert len(record.agreements) == 1
    assert any("the parties of an agreement step 1 found; dropped" in n for n in notes)
    # without the step (nothing asked), the same answer is step 1's own and is kept
    assert len(assemble(both, None, ARTICLE)[0].agreements) == 2


@pytest.mark.parametrize(
    ("sentence", "several"),
    [
        ("X signed agreements with A, B and C.", True),
        ("Previously, X has signed memorandum of cooperation with 8 provinces including A.", True),
        ("X signed a memorandum with several companies.", True),
        ("X, Y and Z signed a tripartite agreement.", False),
        ("X signed a joint memorandum with 3 partners.", False),
        ("X signed an agreement with Y.", False),
    ],
)
def test_several_documents(sentence: str, several: bool) -> None:
    assert several_documents(sentence) is several


@pytest.mark.parametrize(
    ("sentence", "status"),
    [
        ("Previously, the ministry has signed memoranda with 8 provinces.", "earlier"),
        ("To date, departments have signed agreements with seven cities.", "earlier"),
        ("The two had signed a framework agreement in 2015.", "earlier"),
        ("The city will sign a contract with the company next month.", "planned"),
        ("The memorandum is to be signed in May.", "planned"),
        ("The committee voted in favour of pursuing a memorandum of understanding.", "planned"),
        ("Yang and Sun signed a draft agreement of cooperation.", None),
        ("The agreement will promote trade between the two sides.", None),
        ("X and Y signed a strategic cooperation agreement on Thursday.", None),
    ],
)
def test_the_status_a_sentence_states(sentence: str, status: str | None) -> None:
    assert status_in_sentence(sentence) == status


def test_a_sentences_cue_names_the_sentence() -> None:
    steps = [
        {"name": "agreements", "cue": "a", "max_tokens": 99},
        {"name": "sentences", "cue": "again", "max_tokens": 99},
    ]
    with pytest.raises(ValueError, match="names the \\{sentence\\}"):
        PromptManifest.model_validate(
            {
                "id": "v99",
                "date": "2026-12-07",
                "description": "x",
                "recipe": "stepwise",
                "steps": steps,
            }
        )


MINISTERS = """TITLE: Two ministries sign an MoU

Updated: 2031-05-09 10:12 Commerce Minister Wang Wen and Trade Minister Gan Kim signed the \
Memorandum of Understanding on E-commerce Cooperation between the Ministry of Commerce of \
Harbourland and the Ministry of Trade of Islandia.
"""
AS_PEOPLE = _answer("Wang Wen", "Gan Kim", evidence="Wang Wen and Gan Kim signed")
SIGNERS: dict[str, Any] = {
    "people": [
        {
            "name": "Wang Wen",
            "title": "Commerce Minister",
            "organization": None,
            "role": "signatory",
        },
        {"name": "Gan Kim", "title": "Trade Minister", "organization": None, "role": "signatory"},
    ]
}
SIGN_FOR: dict[str, Any] = {
    "signs_for": [
        {"person": "Wang Wen", "organization": "Ministry of Commerce of Harbourland"},
        {"person": "Gan Kim", "organization": "Gan Kim"},  # the person again: not used
    ]
}


@pytest.mark.parametrize("style", list(OutputStyle))
def test_a_person_written_as_a_party_becomes_the_organization_they_sign_for(
    style: OutputStyle,
) -> None:
    result, script = _extract(
        style,
        MINISTERS,
        "v10",
        ("AgreementsAnswer", AS_PEOPLE),
        ("PeopleAnswer", SIGNERS),
        ("SignsForAnswer", SIGN_FOR),
    )
    assert [a.step for a in result.attempts] == ["agreements", "people", "signs_for"]
    assert "(not their title): Wang Wen; Gan Kim" in script.requests[2]["messages"][-1]["content"]
    [agreement] = result.record.agreements
    assert [p.name for p in agreement.parties] == ["Ministry of Commerce of Harbourland", "Gan Kim"]
    assert agreement.parties[0].sector.value == "national_government"  # from the name
    # the minister is no longer a party's name: kept as the person who signed
    assert [p.name for p in agreement.people] == ["Wang Wen"]
    assert any("'Gan Kim' is the person again" in n for n in result.notes)


def test_no_person_written_as_a_party_no_signs_for_request() -> None:
    organizations = _answer("Ministry of Commerce of Harbourland", "Ministry of Trade of Islandia")
    result, _ = _extract(
        OutputStyle.json_object_schema,
        MINISTERS,
        "v10",
        ("AgreementsAnswer", organizations),
        ("PeopleAnswer", SIGNERS),
    )
    assert [a.step for a in result.attempts] == ["agreements", "people"]
    assert len(result.record.agreements[0].parties) == 2


def test_signs_for_follows_the_people_and_names_them() -> None:
    base = {"id": "v99", "date": "2026-12-07", "description": "x", "recipe": "stepwise"}
    first = {"name": "agreements", "cue": "a", "max_tokens": 99}
    people = {"name": "people", "cue": "p", "max_tokens": 99}
    with pytest.raises(ValueError, match="names the \\{people\\}"):
        PromptManifest.model_validate(
            {**base, "steps": [first, people, {"name": "signs_for", "cue": "s", "max_tokens": 99}]}
        )
    with pytest.raises(ValueError, match="follows the step 'people'"):
        PromptManifest.model_validate(
            {
                **base,
                "steps": [
                    first,
                    {"name": "signs_for", "cue": "{people}", "max_tokens": 99},
                    people,
                ],
            }
        )


@pytest.mark.parametrize(
    ("sentence", "listed"),
    [
        (
            "To date, departments of Tsinghua have signed cooperation agreements with cities and "
            "districts such as Qing Huangdao, Baoding, Handan and Chengde.",
            ["Qing Huangdao", "Baoding", "Handan", "Chengde"],
        ),
        (
            "The city also signed framework agreements with China Datang Corporation (CDT), "
            "China Power Investment Corporation (CPI) and China National Chemical Corporation.",
            [
                "China Datang Corporation",
                "China Power Investment Corporation",
                "China National Chemical Corporation",
            ],
        ),
        (
            "Hubei signed agreements with Sinopec and China Mobile in Wuhan on Monday.",
            ["Sinopec", "China Mobile"],
        ),
        ("They signed contracts with companies in fields such as energy, transport and IT.", []),
        ("The ministry will sign agreements with provinces and regions.", []),
        ("X signed an agreement with Y.", []),
    ],
)
def test_the_partners_a_sentence_lists(sentence: str, listed: list[str]) -> None:
    assert partners_listed(sentence) == listed


def test_a_list_the_model_summarised_becomes_one_agreement_per_partner() -> None:
    """partners_from_lists (v11): the answer names the list's region, not its members."""
    summary = AgreementsAnswer.model_validate(
        _answer("Harbour City", "three companies", evidence=LISTED, status="earlier")
    )
    ruled, notes = assemble(summary, None, ARTICLE, ["partners_from_lists"])
    assert [[p.name for p in a.parties] for a in ruled.agreements] == [
        ["Harbour City", "Beta Port Company"],
        ["Harbour City", "Gamma Logistics"],
        ["Harbour City", "Delta Rail"],
    ]
    assert {a.status for a in ruled.agreements} == {Status.earlier}
    assert any("the 3 partners the sentence lists" in n for n in notes)
    [plain] = assemble(summary, None, ARTICLE)[0].agreements  # the rule is named or not applied
    assert [p.name for p in plain.parties] == ["Harbour City", "three companies"]
    # the model's own list is kept as it wrote it (the rule has nothing to add)
    listed = AgreementsAnswer.model_validate(LIST)
    assert (
        assemble(listed, None, ARTICLE, ["partners_from_lists"])[0]
        == (assemble(listed, None, ARTICLE)[0])
    )


def test_records_made_from_a_list_keep_the_areas_its_sentence_writes() -> None:
    """areas_of_lists (v12): a list gives partners, not each document's fields; the words that
    introduce the list ("three companies") and the parties' names are not fields either."""
    item = _answer("Harbour City", "Beta Port Company", "Gamma Logistics", "Delta Rail")
    item["agreements"][0].update(evidence=LISTED, areas=["port logistics", "three companies"])
    answer = AgreementsAnswer.model_validate(item)
    text = ARTICLE.replace("signed cooperation", "signed port logistics cooperation")
    listed = LISTED.replace("signed cooperation", "signed port logistics cooperation")
    answer.agreements[0].evidence = listed
    ruled, notes = assemble(answer, None, text, ["areas_of_lists"])
    assert [a.areas for a in ruled.agreements] == [["port logistics"]] * 3
    assert any("only those the list's sentence writes" in n for n in notes)
    plain = assemble(answer, None, text)[0]
    assert [a.areas for a in plain.agreements] == [["port logistics", "three companies"]] * 3


FORUM = """TITLE: Northland and Masto sign four memorandums

Northland and Masto Energy signed four memorandums of understanding on renewable energy.
A memorandum of understanding on offshore wind was signed by Northland Energy Ministry and \
Masto Energy.
A memorandum of understanding on solar power was inked by Northland Railways and Masto Energy.
Furthermore, Northland Investment Company and Masto Energy signed a memorandum on waste power.
A memorandum of understanding on clean energy in the east was also signed.
The memorandum on solar power was signed by two deputy ministers.
"""
TOLD = FORUM.splitlines()[3:7]
SUMMARY = _answer("Northland", "Masto Energy", evidence=FORUM.splitlines()[2])
SUMMARY["agreements"][0]["count"] = 4


@pytest.mark.parametrize(
    ("sentence", "one"),
    [
        (TOLD[0], True),
        (TOLD[2], True),
        (TOLD[3], True),
        ("X signed an agreement with Y.", True),
        ("Northland and Masto Energy signed four memorandums of understanding.", False),
        ("The memorandum on solar power was signed by two deputy ministers.", False),
        ("The council voted in favour of pursuing a memorandum of understanding.", False),
    ],
)
def test_one_document_signed(sentence: str, one: bool) -> None:
    assert one_document_signed(sentence) is one


def test_documents_told_one_by_one_are_asked_in_an_article_of_several() -> None:
    summary = AgreementsAnswer.model_validate(SUMMARY)
    assert unreported(FORUM, summary) == []  # v9-v14: only sentences of several documents
    assert unreported(FORUM, summary, one_by_one=True) == TOLD
    # an article of one document: a retelling ("X signed an agreement with Y") is not asked
    assert unreported(ARTICLE, AgreementsAnswer.model_validate(FIRST), one_by_one=True) == [LISTED]


def _told(*parties: tuple[str, str]) -> AgreementsAnswer:
    answers = [
        _answer(a, b, evidence=sentence)["agreements"][0]
        for (a, b), sentence in zip(parties, TOLD, strict=False)
    ]
    return AgreementsAnswer.model_validate({"agreements": [*SUMMARY["agreements"], *answers]})


def test_a_record_of_several_documents_gives_way_to_the_documents_told_one_by_one() -> None:
    four = _told(
        ("Northland Energy Ministry", "Masto Energy"),
        ("Northland Railways", "Masto Energy"),
        ("Northland Investment Company", "Masto Energy"),
        ("Northland", "Masto Energy"),  # the last sentence names no party: the summary's
    )
    rule = ["documents_one_by_one"]
    record, notes = assemble(four, None, FORUM, rule, asked=TOLD)
    assert [a.parties[0].name for a in record.agreements] == [
        "Northland Energy Ministry",
        "Northland Railways",
        "Northland Investment Company",
        "Northland",
    ]
    assert {a.evidence for a in record.agreements} == set(TOLD)
    assert any("its 4 documents told one by one; dropped" in n for n in notes)
    # without the rule, each answer names the summary's organizations and is dropped as a repeat
    record, _ = assemble(four, None, FORUM, (), asked=TOLD)
    assert [a.count for a in record.agreements] == [4]
    # fewer told than counted: the summary stays beside them
    two = _told(("Northland Energy Ministry", "Masto Energy"), ("Northland Railways", "Masto"))
    record, _ = assemble(two, None, FORUM, rule, asked=TOLD[:2])
    assert [a.count for a in record.agreements] == [4, 1, 1]


def test_a_document_told_one_by_one_that_a_list_already_gave_is_a_repeat() -> None:
    listed = _answer("Northland", "Masto Energy", "Alpha Grid", "Beta Solar", evidence="x")
    listed["agreements"][0]["count"] = 3  # "signed agreements with A, B and C"
    told = _answer("Northland", "Alpha Grid", evidence=TOLD[3])
    both = AgreementsAnswer.model_validate(
        {"agreements": [*listed["agreements"], *told["agreements"]]}
    )
    record, notes = assemble(both, None, FORUM, ["documents_one_by_one"], asked=TOLD)
    assert any("the parties of an agreement step 1 found; dropped" in n for n in notes)
    assert all(a.evidence != TOLD[3] for a in record.agreements)
