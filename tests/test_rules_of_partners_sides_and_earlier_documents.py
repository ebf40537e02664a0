"""v26's rules: `parties_of_the_sentence` (a sentence that counts the partners it signs with,
"signed contracts with 18 enterprises", has the parties it names and those partners as one
party, the spec's collective party) and `not_the_masthead` (a party or place the article writes
only in its header lines is dropped), `sides_from_summaries` (a document told with one party
has the side its summary shares with the others) and `organizations_in_titles` (a person sits
at the agreement of the organization their title names); v27's `earlier_documents` (a
sentence of a document signed before the article's event is asked about, and its answer is an
earlier document); v28's `people_in_titles` (a person written into another's title is a
person). Each is compared with and without its rule. The articles are made up for
the rules, not taken from the gold set."""

from __future__ import annotations

import pytest

from agreement_llm.assembly import assemble
from agreement_llm.documents import earlier_document
from agreement_llm.parties import counted_partners, names_organization
from agreement_llm.persons import people_in_titles
from agreement_llm.recipes import unreported
from agreement_llm.steps import PeopleAnswer
from tests.test_rules_of_people_and_dates import _agreements, _answer

FAIR = """Harbour goes to Beijing to woo investors

The Harbour New Area went to Beijing to woo investors and signed 12 projects in two days.
Harbour signed contracts with 11 enterprises with a total investment of 3 billion yuan.
On March 2, Delta Group and the Harbour Tourism Committee signed a strategic cooperation agreement.
"""
FIRST, COUNTED, DELTA = FAIR.splitlines()[2:5]


def _fair(rules: list[str]) -> list[list[str]]:
    answers = _agreements(
        _answer(FIRST, "Harbour New Area", "Delta Group"),  # step 1 ran two together
        # and the model copied its parties to the sentence that counts the partners
        _answer(COUNTED, "Harbour New Area", "Delta Group", kind="contract", count=11),
    )
    record, _ = assemble(answers, None, FAIR, ["several_documents", *rules], asked=[COUNTED])
    return [[p.name for p in a.parties] for a in record.agreements]


def test_a_sentence_that_counts_its_partners_has_them_as_one_party() -> None:
    """Without the rule the contracts' record, whose parties step 1 already found, is dropped
    as a repeat; with it, it has the party its sentence names and the counted partners."""
    assert _fair([]) == [["Harbour New Area", "Delta Group"]]
    assert _fair(["parties_of_the_sentence"]) == [
        ["Harbour New Area", "Delta Group"],
        ["Harbour New Area", "11 enterprises"],
    ]


@pytest.mark.parametrize(
    ("sentence", "counted"),
    [
        ("Harbour signed contracts with 11 enterprises worth 3 billion yuan.", "11 enterprises"),
        ("The city signed deals with more than 20 companies.", "more than 20 companies"),
        ("Delta signed agreements with several universities.", "several universities"),
        ("Delta signed agreements with 3 companies, including Alpha and Beta.", None),
        ("Delta signed agreements with 3 companies: Alpha, Beta and Gamma.", None),
        ("Delta signed agreements with Alpha, Beta and Gamma.", None),
        ("Delta signed an agreement with Alpha on 12 projects.", None),
    ],
)
def test_counted_partners(sentence: str, counted: str | None) -> None:
    assert counted_partners(sentence) == counted


@pytest.mark.parametrize(
    ("name", "named"),
    [
        ("Harbour New Area", True),  # "Harbour signed ...": the words it opens with
        ("the Harbour New Area", True),
        ("Delta Group", False),
        ("Tourism Committee of Harbour", False),  # written in lower case, not as a name
    ],
)
def test_names_organization(name: str, named: bool) -> None:
    sentence = "Harbour signed contracts with 11 enterprises and the tourism committee."
    assert names_organization(sentence, name) is named


def test_a_party_named_by_no_word_of_its_sentence_keeps_the_answer() -> None:
    """A sentence that names none of the answer's parties ("The city signed ...") leaves
    them as they are: the rule does not guess who "the city" is."""
    text = "Harbour New Area fair\n\nThe city signed contracts with 11 enterprises on Monday.\n"
    sentence = text.splitlines()[2]
    answers = _agreements(_answer(sentence, "Harbour New Area", kind="contract", count=11))
    record, _ = assemble(answers, None, text, ["parties_of_the_sentence"])
    assert [p.name for p in record.agreements[0].parties] == ["Harbour New Area"]


PAPER = """SOURCE: https://example.org/harbour-gazette/2017/memo
TITLE: City hall and Alpha University pact touted as first

Harbour Gazette

City hall and Alpha University pact touted as first

- A REPORTER reporter@example.org

Council voted Monday in favour of a memorandum of understanding with Alpha University, a pact.
"""
EVIDENCE = PAPER.splitlines()[9]


def _paper(rules: list[str]) -> tuple[list[str], str | None]:
    answers = _agreements(_answer(EVIDENCE, "Harbour Gazette", "Alpha University", place="Harbour"))
    record, _ = assemble(answers, None, PAPER, rules)
    agreement = record.agreements[0]
    return [p.name for p in agreement.parties], agreement.place


def test_a_masthead_is_no_party_and_no_place() -> None:
    assert _paper([]) == (["Harbour Gazette", "Alpha University"], "Harbour")
    assert _paper(["not_the_masthead"]) == (["Alpha University"], None)


def test_a_party_the_body_names_too_is_kept() -> None:
    text = PAPER + "The Harbour Gazette also signed the memorandum as a sponsor.\n"
    answers = _agreements(_answer(EVIDENCE, "Harbour Gazette", "Alpha University"))
    record, _ = assemble(answers, None, text, ["not_the_masthead"])
    assert [p.name for p in record.agreements[0].parties] == ["Harbour Gazette", "Alpha University"]


def test_the_last_party_is_kept() -> None:
    answers = _agreements(_answer(EVIDENCE, "Harbour Gazette"))
    record, _ = assemble(answers, None, PAPER, ["not_the_masthead"])
    assert [p.name for p in record.agreements[0].parties] == ["Harbour Gazette"]


def test_a_short_headline_is_no_masthead() -> None:
    """A short line that speaks of a signing is a headline: the party it names is kept."""
    text = PAPER.replace("Harbour Gazette\n", "Harbour Gazette signs pact\n")
    answers = _agreements(_answer(EVIDENCE, "Harbour Gazette", "Alpha University"))
    record, _ = assemble(answers, None, text, ["not_the_masthead"])
    assert [p.name for p in record.agreements[0].parties] == ["Harbour Gazette", "Alpha University"]


# v26's rules `sides_from_summaries` and `organizations_in_titles`.

TOLD = """Delta Power signs four memorandums

Ocean Republic and Delta Power signed four memorandums of understanding on cooperation in energy.
A memorandum on offshore wind was signed by Alpha Energy and Delta Power.
A memorandum on solar power was signed by Beta Solar and Delta Power.
A memorandum on energy storage was signed by Gamma Grid and Delta Power.
A memorandum on clean energy in the Harbour region was also signed by the Harbour Agency.
"""


def _told(rules: list[str]) -> list[list[str]]:
    lines = TOLD.splitlines()
    summary = _answer(lines[2], "Delta Power", "Ocean Republic", count=4)
    told = [
        _answer(lines[3], "Alpha Energy", "Delta Power"),
        _answer(lines[4], "Beta Solar", "Delta Power"),
        _answer(lines[5], "Gamma Grid", "Delta Power"),
        _answer(lines[6], "Harbour Agency"),
    ]
    base = ["documents_one_by_one", "several_documents"]
    record, _ = assemble(_agreements(summary, *told), None, TOLD, [*base, *rules], lines[3:7])
    return [[p.name for p in a.parties] for a in record.agreements]


def test_a_document_told_with_one_party_has_the_side_its_summary_shares() -> None:
    """Without the rule the summary that counts the four memorandums stays beside them (only
    three share its party) and the fourth has one party; with it, the fourth has the other
    side the summary names and the summary goes (one record per document)."""
    assert _told([]) == [
        ["Delta Power", "Ocean Republic"],
        ["Alpha Energy", "Delta Power"],
        ["Beta Solar", "Delta Power"],
        ["Gamma Grid", "Delta Power"],
        ["Harbour Agency"],
    ]
    assert _told(["sides_from_summaries"]) == [
        ["Alpha Energy", "Delta Power"],
        ["Beta Solar", "Delta Power"],
        ["Gamma Grid", "Delta Power"],
        ["Harbour Agency", "Delta Power"],
    ]


TWO = """Alpha Agency signs two memorandums

Alpha Agency signed two memoranda, one with the Delta Center and one with Beta University.
Li Wei, president of the Delta Center, and Chen Hao, dean of Beta University, signed with Wu Bo.
"""


def _two(rules: list[str]) -> list[list[str]]:
    sentence = TWO.splitlines()[2]
    answers = _agreements(
        _answer(sentence, "Alpha Agency", "Delta Center"),
        _answer(sentence, "Alpha Agency", "Beta University"),
    )
    people = PeopleAnswer.model_validate(
        {
            "people": [
                {"name": n, "title": t, "organization": None, "role": "signatory"}
                for n, t in [
                    ("Li Wei", "president of the Delta Center"),
                    ("Chen Hao", "dean of Beta University"),
                    ("Wu Bo", None),
                ]
            ]
        }
    )
    record, _ = assemble(answers, people, TWO, rules)
    return [[p.name for p in a.people] for a in record.agreements]


def test_a_signatory_sits_at_the_agreement_of_the_organization_their_title_names() -> None:
    assert _two([]) == [["Li Wei", "Chen Hao", "Wu Bo"]] * 2
    assert _two(["organizations_in_titles"]) == [["Li Wei", "Wu Bo"], ["Chen Hao", "Wu Bo"]]


# v27's rule: `earlier_documents`.

ROUNDS = (
    "Alpha University and Harbour Province sign a new agreement\n\n"
    "Alpha University and the Harbour Provincial Government signed a cooperation agreement.\n"
    "Since the signing of the preceding round of strategic cooperation agreement, the two "
    "sides have cooperated in the areas of teacher training and joint research.\n"
)
NEW, OLD = ROUNDS.splitlines()[2:4]


def test_a_sentence_of_an_earlier_document_is_asked_about() -> None:
    step1 = _agreements(_answer(NEW, "Alpha University", "Harbour Provincial Government"))
    assert unreported(ROUNDS, step1, True, True, True) == []
    assert unreported(ROUNDS, step1, True, True, True, earlier=True) == [OLD]


def _rounds(rules: list[str]) -> list[tuple[str, list[str]]]:
    answers = _agreements(
        _answer(NEW, "Alpha University", "Harbour Provincial Government"),
        _answer(OLD, "Alpha University", "Harbour Provincial Government", areas=[]),
    )
    record, _ = assemble(answers, None, ROUNDS, ["areas_from_the_text", *rules], asked=[OLD])
    return [(a.status.value, a.areas) for a in record.agreements]


def test_an_earlier_document_is_no_repeat_and_its_fields_are_its_own() -> None:
    """Without the rule the answer for the earlier round is dropped as a repeat (same parties)
    and the fields its sentence lists go to this agreement; with it, it is an earlier document
    with those fields."""
    fields = ["teacher training", "joint research"]
    assert _rounds([]) == [("signed", fields)]
    assert _rounds(["earlier_documents"]) == [("signed", []), ("earlier", fields)]


@pytest.mark.parametrize(
    ("sentence", "earlier"),
    [
        (OLD, True),
        ("Previously, Alpha has signed a memorandum with Beta.", True),
        ("Alpha had signed a framework agreement with Beta in 2015.", True),
        ("The agreement builds on the previous cooperation agreement of 2015.", True),
        (NEW, False),
        ("The first round of the agreement signing was held on Monday.", False),
        ("The two sides have cooperated since 2015.", False),  # names no document
    ],
)
def test_earlier_document(sentence: str, earlier: bool) -> None:
    assert earlier_document(sentence) is earlier


# v28's rule: `people_in_titles`.

CEREMONY = (
    "Alpha University and Harbour Province sign an agreement\n\n"
    "Alpha University and the Harbour Provincial Government signed a cooperation agreement.\n"
    "Zhang Wei, President of Alpha University, and Lu Ming, Vice Governor of Harbour Province, "
    "signed the agreement. Zhou Bo, Yao Kai and Wang Jun attended the signing ceremony.\n"
)


def _ceremony(rules: list[str]) -> list[tuple[str, str | None, str]]:
    sentence = CEREMONY.splitlines()[2]
    answers = _agreements(_answer(sentence, "Alpha University", "Harbour Provincial Government"))
    people = PeopleAnswer.model_validate(
        {
            "people": [
                {
                    "name": "Zhang Wei",
                    "title": "President of Alpha University and Lu Ming, Vice Governor of Harbour "
                    "Province",
                    "organization": None,
                    "role": "signatory",
                },
                {"name": "Zhou Bo", "title": "Yao Kai", "organization": None, "role": "attendee"},
                {"name": "Wang Jun", "title": None, "organization": None, "role": "attendee"},
            ]
        }
    )
    record, _ = assemble(answers, people, CEREMONY, ["roles_from_the_text", *rules])
    return [(p.name, p.title, p.role.value) for p in record.agreements[0].people]


def test_a_person_written_into_another_persons_title_is_a_person() -> None:
    assert _ceremony([]) == [
        (
            "Zhang Wei",
            "President of Alpha University and Lu Ming, Vice Governor of Harbour Province",
            "signatory",
        ),
        ("Zhou Bo", "Yao Kai", "attendee"),
        ("Wang Jun", None, "attendee"),
    ]
    assert _ceremony(["people_in_titles"]) == [
        ("Zhang Wei", "President of Alpha University", "signatory"),
        ("Lu Ming", "Vice Governor of Harbour Province", "signatory"),
        ("Zhou Bo", None, "attendee"),
        ("Yao Kai", None, "attendee"),
        ("Wang Jun", None, "attendee"),
    ]


@pytest.mark.parametrize(
    "title",
    [
        "Secretary of the Party Committee and President of the State Information Center",
        "Vice Secretary of the CPC Committee and Governor of Harbour Province",
        "Lord Mayor",
        "Mayor of Harbour and Alpha University, a partner",  # "Alpha University" is no person
        "Zhang Wei",  # the person's own name: no other person
    ],
)
def test_a_title_that_holds_no_other_person_is_kept(title: str) -> None:
    text = f"Harbour signs an agreement\n\nZhang Wei, {title}, signed it with Alpha University.\n"
    people = PeopleAnswer.model_validate(
        {
            "people": [
                {"name": "Zhang Wei", "title": title, "organization": None, "role": "signatory"}
            ]
        }
    )
    assert people_in_titles(people, text, []) == people
