"""v24's rules: `attendees_at_each` (a forum's attendees and presider attend each signing
there, whatever their organization), `titles_are_not_names` (a title that holds the person's
own name is no title), `governments_in_full` (a party the model named by its place is the
government the article names in full) and `one_place` (the agreements signed at one event
share its place); v25's `parties_between` (a record whose sentence names its document's
parties has those). Each is compared with and without its rule. The
articles are made up for the rules, not taken from the gold set."""

from __future__ import annotations

import pytest

from agreement_llm.assembly import assemble
from agreement_llm.parties import government_in_full, parties_named
from agreement_llm.persons import holds_the_name
from agreement_llm.steps import PeopleAnswer
from tests.test_rules_of_people_and_dates import _agreements, _answer

FORUM = """Harbour Energy Forum sees two deals signed

At the Harbour Energy Forum, Alpha Energy signed a memorandum with Harbour Ports.
Beta Shipping signed a cooperation agreement with Harbour Ports at the forum.
Li Wei of Alpha Energy, Wu Bo of Beta Shipping and Chen Hao attended the forum.
"""
ALPHA, BETA = FORUM.splitlines()[2], FORUM.splitlines()[3]


def _forum(rules: list[str], role: str) -> list[list[str]]:
    people = PeopleAnswer.model_validate(
        {
            "people": [
                {"name": "Li Wei", "title": None, "organization": "Alpha Energy", "role": role},
                {"name": "Wu Bo", "title": None, "organization": "Beta Shipping", "role": role},
                {"name": "Chen Hao", "title": None, "organization": None, "role": role},
            ]
        }
    )
    answers = _agreements(
        _answer(ALPHA, "Alpha Energy", "Harbour Ports"),
        _answer(BETA, "Beta Shipping", "Harbour Ports"),
    )
    record, _ = assemble(answers, people, FORUM, rules)
    return [[p.name for p in a.people] for a in record.agreements]


@pytest.mark.parametrize("role", ["attendee", "presider"])
def test_a_forums_attendees_attend_each_signing_there(role: str) -> None:
    """Without the rule, an attendee sits only at the agreement whose parties include their
    organization; with it, at each signing of the forum (the spec's rule for people)."""
    assert _forum([], role) == [["Li Wei", "Chen Hao"], ["Wu Bo", "Chen Hao"]]
    assert _forum(["attendees_at_each"], role) == [["Li Wei", "Wu Bo", "Chen Hao"]] * 2


def test_a_signatory_still_sits_at_the_agreement_of_their_organization() -> None:
    assert _forum(["attendees_at_each"], "signatory") == [
        ["Li Wei", "Chen Hao"],
        ["Wu Bo", "Chen Hao"],
    ]


TITLED = """Alpha University and Harbour City sign memorandum

Harbour City signed a memorandum of understanding with Alpha University on Monday.
The memorandum was signed by the University's Vice Chancellor Alex Zelinsky and Mayor Li Wei.
Vice-Chancellor-Alex-Zelinsky-and-Mayor-Li-Wei.JPG
"""


def _titles(rules: list[str]) -> list[str | None]:
    people = PeopleAnswer.model_validate(
        {
            "people": [
                {
                    "name": "Alex Zelinsky",
                    "title": "Vice-Chancellor-Alex-Zelinsky",
                    "organization": None,
                    "role": "signatory",
                },
                {"name": "Li Wei", "title": "Mayor", "organization": None, "role": "signatory"},
            ]
        }
    )
    evidence = TITLED.splitlines()[2]
    answers = _agreements(_answer(evidence, "Harbour City", "Alpha University"))
    record, _ = assemble(answers, people, TITLED, rules)
    return [p.title for p in record.agreements[0].people]


def test_a_title_that_holds_the_persons_name_is_no_title() -> None:
    assert _titles([]) == ["Vice-Chancellor-Alex-Zelinsky", "Mayor"]
    assert _titles(["titles_are_not_names"]) == [None, "Mayor"]
    # the text's own title stands instead, where a version reads it
    rules = ["titles_are_not_names", "titles_from_the_text"]
    assert _titles(rules) == ["University's Vice Chancellor", "Mayor"]
    assert holds_the_name("Vice-Chancellor-Professor-Alex-Zelinsky", "Alex Zelinsky")
    assert not holds_the_name("Vice Chancellor", "Alex Zelinsky")
    assert not holds_the_name("Vice Chancellor of Alex University", "Alex Zelinsky")


@pytest.mark.parametrize(
    ("name", "text", "full"),
    [
        (
            "Jilin Province",
            "The People\u2019s Government of Jilin Province and Beta signed it.",
            "People\u2019s Government of Jilin Province",
        ),
        (
            "Jilin",
            "The People's Government of Jilin Province signed.",
            "People's Government of Jilin Province",
        ),
        (
            "Hubei",
            "It was signed with the Hubei Provincial Government.",
            "Hubei Provincial Government",
        ),
        (
            "Guizhou Province",
            "Guizhou Provincial Government and Guizhou Provincial People's Government met.",
            "Guizhou Provincial People's Government",  # the fullest written
        ),
        ("langfang", "the Langfang municipal government", None),  # not a name as written
        ("Langfang", "the Langfang municipal government signed", "Langfang municipal government"),
        ("Changsha Municipal People's Government", "Changsha Municipal People's Government", None),
        ("Jilin Province", "Jilin Province signed with Beta.", None),  # no government written
    ],
)
def test_the_government_an_article_names_in_full(name: str, text: str, full: str | None) -> None:
    assert government_in_full(name, text) == full


def test_a_party_named_by_its_place_is_its_government_in_full() -> None:
    """A local government only: a company whose name a longer name holds keeps its own."""
    article = (
        "Jilin signs with Alpha\n\n"
        "The People\u2019s Government of Jilin Province and Alpha Motors signed an agreement.\n"
        "Alpha Motors Government Relations Office said so.\n"
    )
    evidence = article.splitlines()[2]
    jilin = _answer(evidence, "Jilin Province", "Alpha Motors")["parties"]
    jilin[0]["sector"] = "local_government"
    answers = _agreements(_answer(evidence, parties=jilin))
    names = {
        tuple(rules): [
            p.name for p in assemble(answers, None, article, rules)[0].agreements[0].parties
        ]
        for rules in ([], ["governments_in_full"])
    }
    assert names[()] == ["Jilin Province", "Alpha Motors"]
    assert names[("governments_in_full",)] == [
        "People\u2019s Government of Jilin Province",
        "Alpha Motors",
    ]


EVENT = """Harbour City signs three deals at investment fair

Harbour City signed a strategic cooperation agreement with Alpha Energy in Beijing on Monday.
The city also signed framework agreements with Beta Shipping and Gamma Bank.
It had signed a memorandum with Delta Ports in 2015.
"""


def _places(
    rules: list[str], delta: str = "earlier", beta_place: str | None = None
) -> list[str | None]:
    lines = EVENT.splitlines()
    answers = _agreements(
        _answer(lines[2], "Harbour City", "Alpha Energy", place="Beijing"),
        _answer(lines[3], "Harbour City", "Beta Shipping", place=beta_place),
        _answer(lines[3], "Harbour City", "Gamma Bank"),
        _answer(lines[4], "Harbour City", "Delta Ports", status=delta),
    )
    record, _ = assemble(answers, None, EVENT, rules)
    return [a.place for a in record.agreements]


def test_the_agreements_signed_at_one_event_share_its_place() -> None:
    """The one place given to an agreement signed at the event the article reports is each
    one's; an earlier agreement's is not, and two places given leave each as it was."""
    assert _places([]) == ["Beijing", None, None, None]
    assert _places(["one_place"]) == ["Beijing", "Beijing", "Beijing", None]
    assert _places(["one_place"], beta_place="Harbour City") == [
        "Beijing",
        "Harbour City",
        None,
        None,
    ]


@pytest.mark.parametrize(
    ("sentence", "named"),
    [
        (
            "Li and Gan signed the Memorandum of Understanding on E-commerce Cooperation between "
            "the Ministry of Commerce of Alpha and the Ministry of Trade and Industry of Beta.",
            ["Ministry of Commerce of Alpha", "Ministry of Trade and Industry of Beta"],
        ),
        (
            "They signed a draft agreement of cooperation between Alpha University and the "
            "Harbour municipal government.",
            ["Alpha University", "Harbour municipal government"],
        ),
        (
            "A contract between Alpha Co., Ltd., Beta Corp and Gamma Group was signed on Monday.",
            ["Alpha Co., Ltd.", "Beta Corp", "Gamma Group"],
        ),
        ("The MoU between Alpha and Beta, signed in May, runs five years.", ["Alpha", "Beta"]),
        ("They signed an agreement between the two sides.", []),  # no side by name
        ("Alpha signed an agreement with Beta.", []),  # no "between"
        ("Trade between Alpha and Beta grew after the talks.", []),  # no document
        # what the document is for, not its parties
        ("They signed an agreement to deepen cooperation between Alpha and Beta.", []),
        ("They signed a memorandum on boosting trade between Alpha and Beta.", []),
    ],
)
def test_the_parties_a_sentence_names_for_its_document(sentence: str, named: list[str]) -> None:
    assert parties_named(sentence) == named


def test_a_record_has_the_parties_its_sentence_names() -> None:
    """The minister the model wrote as a party is replaced by his ministry, which the sentence
    names as the document's party; a party it names the same is the answer's (its sector)."""
    article = (
        "Alpha and Beta sign e-commerce memorandum\n\n"
        "Minister Li Wei and Minister Gan Bo signed the memorandum of understanding between the "
        "Ministry of Commerce of Alpha and the Ministry of Trade and Industry of Beta.\n"
    )
    evidence = article.splitlines()[2]
    answer = _answer(evidence, "Ministry of Commerce of Alpha", "Gan Bo")
    answer["parties"][0]["sector"] = "national_government"
    answers = _agreements(answer)
    parties = {
        tuple(rules): assemble(answers, None, article, rules)[0].agreements[0].parties
        for rules in ([], ["parties_between"])
    }
    assert [p.name for p in parties[()]] == ["Ministry of Commerce of Alpha", "Gan Bo"]
    assert [(p.name, p.sector.value) for p in parties[("parties_between",)]] == [
        ("Ministry of Commerce of Alpha", "national_government"),
        ("Ministry of Trade and Industry of Beta", "national_government"),
    ]
