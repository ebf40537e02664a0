"""v16's rules: a party written as a person with their title, the people of each agreement's
sentence, the headline that tells no role and is not the evidence, "after signing the MOU",
the date of the sentences before an agreement's, v17's fields of cooperation a sentence
lists, and v19's areas only where the article speaks of cooperation (each an optional rule a
version names).
The articles are made up for the rules, not taken from the gold set."""

from __future__ import annotations

from typing import Any

import pytest

from agreement_llm.areas import areas_listed
from agreement_llm.assembly import assemble
from agreement_llm.dates import date_before
from agreement_llm.models import PartialDate, Role
from agreement_llm.persons import organization_in_title, people_as_parties, role_in_text
from agreement_llm.rules import sentences, without_headline
from agreement_llm.steps import AgreementsAnswer, PeopleAnswer


def _answer(evidence: str, *parties: str, **changes: Any) -> dict[str, Any]:
    return {
        "evidence": evidence,
        "title": None,
        "kind": "memorandum_of_understanding",
        "status": "signed",
        "count": 1,
        "parties": [
            {"name": p, "short_name": None, "sector": "company", "country": None} for p in parties
        ],
        "signed_on": {"year": None, "month": None, "day": None, "weekday": None},
        "place": None,
        "areas": [],
        "establishes": [],
        "value": None,
        "duration": None,
        **changes,
    }


def _agreements(*answers: dict[str, Any]) -> AgreementsAnswer:
    return AgreementsAnswer.model_validate({"agreements": list(answers)})


def _people(*people: tuple[str, str | None, str]) -> PeopleAnswer:
    return PeopleAnswer.model_validate(
        {"people": [{"name": n, "title": t, "organization": None, "role": r} for n, t, r in people]}
    )


@pytest.mark.parametrize(
    ("party", "organization"),
    [
        ("Deputy Chairman of Harbour Railways CJSC Li Wei", "Harbour Railways CJSC"),
        (
            "Executive Director of the Coastal Investment Company Wu Bo",
            "Coastal Investment Company",
        ),
        (
            "Director of the Harbour Energy Agency under the Ministry of Energy Sun Zhe",
            "Harbour Energy Agency",
        ),
        ("Alpha CEO Maria Lopez Garcia", "Alpha"),
        ("Deputy Minister of Energy Zhou Qi", None),  # "Energy" names no organization
        ("Zhou Qi", None),  # no title
        ("Alpha Shipping Group", None),  # an organization
    ],
)
def test_the_organization_a_title_names(party: str, organization: str | None) -> None:
    assert organization_in_title(party) == organization


TOLD = (
    "Harbour Railways CJSC and Alpha Energy signed two memorandums of understanding on Monday.\n"
    "A memorandum of understanding on rail freight was signed by Deputy Chairman of Harbour "
    "Railways CJSC Li Wei and Alpha CEO Maria Lopez Garcia.\n"
    "A memorandum of understanding on solar power was signed by Executive Director of the "
    "Coastal Investment Company Wu Bo and Chen Hao of Alpha Energy.\n"
    "Vice Mayor Zhou Qi attended the ceremony.\n"
)
FIRST, SECOND = (s for s in sentences(TOLD) if s.startswith("A memorandum"))


def test_a_party_written_as_a_person_is_the_organization_of_their_title() -> None:
    """parties_from_titles (v16): the organization the title names, and the signs_for step is
    not asked about that party."""
    answer = _agreements(
        _answer(FIRST, "Deputy Chairman of Harbour Railways CJSC Li Wei", "Alpha Energy")
    )
    people = _people(
        ("Deputy Chairman of Harbour Railways CJSC Li Wei", "Deputy Chairman", "signatory")
    )
    rule = ["parties_from_titles"]
    [plain] = assemble(answer, None, TOLD)[0].agreements
    ruled, notes = assemble(answer, None, TOLD, rule)
    assert plain.parties[0].name == "Deputy Chairman of Harbour Railways CJSC Li Wei"
    assert [p.name for p in ruled.agreements[0].parties] == [
        "Harbour Railways CJSC",
        "Alpha Energy",
    ]
    assert any("is a person of 'Harbour Railways CJSC'" in n for n in notes)
    asked = ["Deputy Chairman of Harbour Railways CJSC Li Wei"]
    assert people_as_parties(answer, people, TOLD, []) == asked
    assert people_as_parties(answer, people, TOLD, rule) == []


def test_people_go_to_the_agreement_whose_sentence_names_them() -> None:
    """people_in_their_sentence (v16): each memorandum told in a sentence of its own (asked
    by the sentences step) gets the people that sentence names; a person no such sentence
    names goes to every one."""
    answer = _agreements(
        _answer(FIRST, "Harbour Railways CJSC", "Alpha Energy"),
        _answer(SECOND, "Coastal Investment Company", "Alpha Energy"),
    )
    people = _people(
        ("Li Wei", None, "signatory"),
        ("Maria Lopez Garcia", None, "signatory"),
        ("Wu Bo", None, "signatory"),
        ("Chen Hao", None, "signatory"),
        ("Zhou Qi", None, "attendee"),
    )
    asked = [FIRST, SECOND]  # the sentences step's: each answer keeps its sentence
    plain = assemble(answer, people, TOLD, asked=asked)[0].agreements
    ruled = assemble(answer, people, TOLD, ["people_in_their_sentence"], asked)[0].agreements
    everyone = ["Li Wei", "Maria Lopez Garcia", "Wu Bo", "Chen Hao", "Zhou Qi"]
    assert [[p.name for p in a.people] for a in plain] == [everyone, everyone]
    assert [[p.name for p in a.people] for a in ruled] == [
        ["Li Wei", "Maria Lopez Garcia", "Zhou Qi"],
        ["Wu Bo", "Chen Hao", "Zhou Qi"],
    ]


HEADLINED = (
    "Harbour City and Alpha Shipping Group Signed framework agreement Zhou Qi attended ceremony\n"
    "\n"
    "Updated: 2031-05-09 10:12\n"
    "On March 3, Harbour City and Alpha Shipping Group signed a framework agreement.\n"
    "Zhou Qi, Vice Mayor of Harbour City, attended the signing ceremony.\n"
)
HEADLINE = HEADLINED.split("\n")[0]


def test_the_headline_is_the_first_line_when_it_ends_no_sentence() -> None:
    said = sentences(HEADLINED)
    assert HEADLINE in said
    assert HEADLINE not in without_headline(said, HEADLINED)
    plain = "Harbour City signed an agreement.\nZhou Qi attended.\n"
    assert without_headline(sentences(plain), plain) == sentences(plain)


def test_the_headline_tells_no_role() -> None:
    """roles_not_from_headlines (v16): "Signed ... Zhou Qi attended" in a headline does not
    make Zhou Qi a signatory; the body says he attended."""
    answer = _agreements(_answer(HEADLINE, "Harbour City", "Alpha Shipping Group"))
    people = _people(("Zhou Qi", "Vice Mayor", "signatory"))
    extra = ["roles_from_the_text"]
    [plain] = assemble(answer, people, HEADLINED, extra)[0].agreements
    [ruled] = assemble(answer, people, HEADLINED, [*extra, "roles_not_from_headlines"])[
        0
    ].agreements
    assert [p.role for p in plain.people] == [Role.signatory]
    assert [p.role for p in ruled.people] == [Role.attendee]


def test_the_evidence_is_a_sentence_of_the_body_not_the_headline() -> None:
    """evidence_not_the_headline (v16): the body's sentence reports the agreement (and dates
    it); the headline is the evidence only where no body sentence names a document."""
    answer = _agreements(_answer(HEADLINE, "Harbour City", "Alpha Shipping Group"))
    extra = ["dates_from_evidence"]
    [plain] = assemble(answer, None, HEADLINED, extra)[0].agreements
    [ruled] = assemble(answer, None, HEADLINED, [*extra, "evidence_not_the_headline"])[0].agreements
    assert plain.evidence == HEADLINE
    assert plain.signed_on is None
    assert ruled.evidence.startswith("On March 3, Harbour City")
    assert ruled.signed_on == PartialDate(month=3, day=3)
    only = f"{HEADLINE}\n\nZhou Qi attended.\n"
    [kept] = assemble(answer, None, only, ["evidence_not_the_headline"])[0].agreements
    assert kept.evidence == HEADLINE


@pytest.mark.parametrize(
    ("sentence", "after_signing", "role"),
    [
        ("Li Wei and Wu Bo after signing the MOU.", True, "signatory"),
        ("Li Wei and Wu Bo after signing the MOU.", False, "attendee"),
        ("Li Wei attended the signing ceremony.", True, "attendee"),
        ("Li Wei spoke at the signing of the agreement.", True, "attendee"),
    ],
)
def test_after_signing_the_mou_they_signed(sentence: str, after_signing: bool, role: str) -> None:
    """after_signing_is_signed (v16): "after signing the MOU" says they signed; "the signing
    ceremony" and "the signing of" do not."""
    assert role_in_text("Li Wei", [sentence], after_signing=after_signing) == role


CONTEXT = (
    "Updated: 2031-05-09 10:12 Harbour City signed 12 investment deals on Thursday in Seaport.\n"
    "The city also signed framework agreements with Alpha Shipping Group and Beta Port Company.\n"
    "Previously, the city had signed a memorandum with Gamma Logistics.\n"
)


def test_the_date_of_the_sentences_before() -> None:
    said = sentences(CONTEXT)
    own = PartialDate(year=2031, month=5, day=9)  # a Friday
    assert date_before(said[1], said, own) == PartialDate(year=2031, month=5, day=8)
    assert date_before(said[0], said, own) is None
    dateline = ["By Editor Viewed 30 2031-05-09", *said[1:]]
    assert date_before(dateline[1], dateline, own) is None  # the article's own date


def test_dates_from_context() -> None:
    """dates_from_context (v16): an agreement its sentence does not date takes the date of the
    nearest sentence before it that gives one; with none, the article's own date the model
    gave is dropped; an earlier agreement keeps the model's."""
    said = sentences(CONTEXT)
    answer = _agreements(
        _answer(said[1], "Harbour City", "Alpha Shipping Group"),
        _answer(
            said[2],
            "Harbour City",
            "Gamma Logistics",
            status="earlier",
            signed_on={"year": 2031, "month": 5, "day": 9, "weekday": None},
        ),
    )
    extra = ["dates_from_evidence"]
    plain = assemble(answer, None, CONTEXT, extra)[0].agreements
    ruled, notes = assemble(answer, None, CONTEXT, [*extra, "dates_from_context"])
    assert [a.signed_on for a in plain] == [None, PartialDate(year=2031, month=5, day=9)]
    assert [a.signed_on for a in ruled.agreements] == [
        PartialDate(year=2031, month=5, day=8),
        PartialDate(year=2031, month=5, day=9),
    ]
    assert any("the date the sentences before it give" in n for n in notes)
    alone = (
        "Updated: 2031-05-09 10:12\nHarbour City signed an agreement with Alpha Shipping Group.\n"
    )
    own_date = {"year": 2031, "month": 5, "day": 9, "weekday": None}
    bare = _agreements(
        _answer(sentences(alone)[-1], "Harbour City", "Alpha Shipping Group", signed_on=own_date)
    )
    [kept] = assemble(bare, None, alone, extra)[0].agreements
    [dropped] = assemble(bare, None, alone, [*extra, "dates_from_context"])[0].agreements
    assert kept.signed_on == PartialDate(year=2031, month=5, day=9)
    assert dropped.signed_on is None


@pytest.mark.parametrize(
    ("sentence", "fields"),
    [
        (
            "The two sides will cooperate in the areas of port logistics, green shipping and "
            "ship repair.",
            ["port logistics", "green shipping", "ship repair"],
        ),
        (
            "Under the agreement, they will deepen cooperation in smart city development, big "
            "data, and e-government to promote high-quality development.",
            ["smart city development", "big data", "e-government"],
        ),
        (
            "According to the MOU, both sides will cooperate in supporting industries such as "
            "new energy, equipment manufacturing, orderly promote the establishment of advanced "
            "manufacturing industries in Harbour City and contribute to its growth.",
            ["new energy", "equipment manufacturing"],
        ),
        ("The two sides will cooperate in Harbour City.", []),  # a place, not a field
        ("Li Wei praised their cooperation in the areas of trade and tourism.", []),  # a speech
        ("The agreement will strengthen cooperation in the future.", []),
    ],
)
def test_the_fields_a_sentence_lists(sentence: str, fields: list[str]) -> None:
    assert areas_listed(sentence) == fields


FIELDS = (
    "Harbour City and Alpha Shipping Group signed a framework agreement on Monday.\n"
    "The two sides will cooperate in the areas of port logistics, green shipping and ship "
    "repair.\n"
)


def test_areas_from_the_text() -> None:
    """areas_from_the_text (v17): the fields the article lists for its one agreement join the
    model's, less those that share half their words with one it gave."""
    [evidence, _] = sentences(FIELDS)
    answer = _agreements(
        _answer(evidence, "Harbour City", "Alpha Shipping Group", areas=["port logistics"])
    )
    [plain] = assemble(answer, None, FIELDS)[0].agreements
    ruled, notes = assemble(answer, None, FIELDS, ["areas_from_the_text"])
    assert plain.areas == ["port logistics"]
    assert ruled.agreements[0].areas == ["port logistics", "green shipping", "ship repair"]
    assert any("'green shipping', a field the article lists" in n for n in notes)
    two = _agreements(
        _answer(evidence, "Harbour City", "Alpha Shipping Group"),
        _answer(evidence, "Harbour City", "Beta Port Company"),
    )
    text = FIELDS + "Harbour City also signed an agreement with Beta Port Company.\n"
    several = assemble(two, None, text, ["areas_from_the_text"])[0].agreements
    assert [a.areas for a in several] == [[], []]  # whose fields they are is not said


def test_areas_of_cooperation() -> None:
    """v19: a phrase written only where the article speaks of neither cooperation nor an
    agreement is no field of cooperation."""
    signed = "Harbour City and Alpha Oil signed an agreement to cooperate in logistics."
    speech = "The mayor said the city's economy, culture and tourism have all grown."
    text = f"{signed}\n{speech}\n"
    answers = _agreements(
        _answer(signed, "Harbour City", "Alpha Oil", areas=["logistics", "culture", "tourism"])
    )
    record, notes = assemble(answers, None, text, ["areas_of_cooperation"])
    assert record.agreements[0].areas == ["logistics"]
    assert any("'culture' is no field of cooperation" in n for n in notes)
    record, _ = assemble(answers, None, text, [])
    assert record.agreements[0].areas == ["logistics", "culture", "tourism"]
