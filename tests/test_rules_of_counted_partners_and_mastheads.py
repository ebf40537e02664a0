"""v26's rules: `parties_of_the_sentence` (a sentence that counts the partners it signs with,
"signed contracts with 18 enterprises", has the parties it names and those partners as one
party, the spec's collective party) and `not_the_masthead` (a party or place the article writes
only in its header lines is dropped). Each is compared with and without its rule. The articles
are made up for the rules, not taken from the gold set."""

from __future__ import annotations

import pytest

from agreement_llm.assembly import assemble
from agreement_llm.documents import counted_partners, names_organization
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
