"""v19's rules. `titles_from_the_text`: a person's title is the one the article writes beside
their name, as written, where the model gave none, gave one with no title word, or gave a part
of it. `state_owned_groups`: a party named as one of China's central state-owned groups (or a
subsidiary opening with its name) is a state-owned enterprise. `collective_parties`: a party
its sentence names only collectively ("various departments of X") is named by that phrase.
The articles are made up for the rules, not taken from the gold set."""

from __future__ import annotations

import pytest

from agreement_llm.assembly import assemble
from agreement_llm.persons import fuller_title, title_in_text
from agreement_llm.sectors import state_owned_group
from tests.test_rules_of_people_and_dates import _agreements, _answer, _people

ARTICLE = (
    "On May 3, Harbour Group and Alpha Oil entered into a strategic cooperation agreement. "
    "Harbour Chairman Li Wei, Harbour's Executive Vice President and Alpha Port Chairman Wu "
    "Bo, Alpha Oil's Vice President Sun Zhe and Mayor Zhou Qi attended the ceremony. The "
    "signing was presided over by Chen Hao, Secretary-General of the Seaport Municipal "
    "Government. Ma Lin, Deputy Secretary of the Party Committee and President of Alpha Oil, "
    "and Gao Yu, Director of Harbour Group Planning Department signed the agreement. "
    "Afterwards Professor Tang Jie spoke."
)


@pytest.mark.parametrize(
    ("name", "title"),
    [
        ("Li Wei", "Harbour Chairman"),
        ("Wu Bo", "Harbour's Executive Vice President and Alpha Port Chairman"),
        ("Sun Zhe", "Alpha Oil's Vice President"),
        ("Zhou Qi", "Mayor"),
        ("Chen Hao", "Secretary-General of the Seaport Municipal Government"),
        ("Ma Lin", "Deputy Secretary of the Party Committee and President of Alpha Oil"),
        ("Gao Yu", "Director of Harbour Group Planning Department"),
        ("Tang Jie", None),  # "Professor" alone is an honorific; "Afterwards" opens a sentence
        ("Xu Fang", None),  # not in the text
    ],
)
def test_the_title_the_text_writes_beside_a_name(name: str, title: str | None) -> None:
    assert title_in_text(name, ARTICLE) == title


@pytest.mark.parametrize(
    ("given", "written", "kept"),
    [
        (None, "Harbour Chairman", "Harbour Chairman"),
        ("presider", "Harbour Chairman", "Harbour Chairman"),  # no title word: not a title
        ("Chairman", "Harbour Chairman", "Harbour Chairman"),  # a part of the written one
        ("Minister and Party Secretary", "Minister", "Minister and Party Secretary"),
        ("Emir", "Minister of Energy", "Emir"),  # another title: the model's stays
        ("Emir", None, "Emir"),
    ],
)
def test_the_fuller_title(given: str | None, written: str | None, kept: str | None) -> None:
    assert fuller_title(given, written) == kept


def test_titles_from_the_text() -> None:
    answers = _agreements(_answer(ARTICLE.split(". ")[0] + ".", "Harbour Group", "Alpha Oil"))
    people = _people(
        ("Li Wei", None, "attendee"),
        ("Wu Bo", "Alpha Port Chairman", "attendee"),
        ("Chen Hao", "presider", "presider"),
        ("Zhou Qi", "Mayor", "attendee"),
    )
    rules = ["titles_from_the_text"]
    record, _ = assemble(answers, people, ARTICLE, rules)
    titles = {p.name: p.title for p in record.agreements[0].people}
    assert titles == {
        "Li Wei": "Harbour Chairman",
        "Wu Bo": "Harbour's Executive Vice President and Alpha Port Chairman",
        "Chen Hao": "Secretary-General of the Seaport Municipal Government",
        "Zhou Qi": "Mayor",
    }
    # without the rule: the model's titles (none for Li Wei; "presider" is not in the text)
    record, _ = assemble(answers, people, ARTICLE, [])
    titles = {p.name: p.title for p in record.agreements[0].people}
    assert titles["Li Wei"] is None
    assert titles["Wu Bo"] == "Alpha Port Chairman"


@pytest.mark.parametrize(
    ("name", "short", "group"),
    [
        ("CNOOC Gas & Power Group", None, "cnooc"),  # a subsidiary opens with its group's name
        ("China Oil and Gas Pipeline Network Corp", None, "china oil and gas pipeline network"),
        ("China Yangtze Shipping Group Co., Ltd.", "Sinotrans & CSC", "sinotrans"),
        ("The Bank of China", None, "bank of china"),
        ("People's Bank of China", None, None),  # the central bank: a name that only ends so
        ("Harbour Shipping Group", None, None),
    ],
)
def test_a_well_known_state_owned_group(name: str, short: str | None, group: str | None) -> None:
    assert state_owned_group(name, short) == group


def test_state_owned_groups() -> None:
    text = "Harbour City and China Railway Tunnel Group signed an agreement."
    answer = _answer(text, "Harbour City", "China Railway Tunnel Group")
    answer["parties"][1]["sector"] = "company"
    answers = _agreements(answer)
    record, notes = assemble(answers, None, text, ["state_owned_groups"])
    assert [p.sector.value for p in record.agreements[0].parties] == [
        "company",  # the model's, kept: not a group of the list
        "state_owned_enterprise",
    ]
    assert any("says state_owned_enterprise" in n for n in notes)
    record, _ = assemble(answers, None, text, [])
    assert record.agreements[0].parties[1].sector.value == "company"


def test_collective_parties() -> None:
    told = (
        "To date, various departments of Harbour University have signed cooperation agreements "
        "with cities such as Alpha, Beta and Gamma."
    )
    named = "Harbour University and Delta City signed an agreement."
    text = f"{named}\n{told}\n"
    answers = _agreements(
        _answer(named, "Harbour University", "Delta City"),
        _answer(told, "Harbour University", "Alpha"),
    )
    record, notes = assemble(answers, None, text, ["collective_parties"])
    assert [[p.name for p in a.parties] for a in record.agreements] == [
        ["Harbour University", "Delta City"],  # its sentence names it whole: kept
        ["various departments of Harbour University", "Alpha"],
    ]
    assert any("is named 'various departments of Harbour University'" in n for n in notes)
    record, _ = assemble(answers, None, text, [])
    assert record.agreements[1].parties[0].name == "Harbour University"
