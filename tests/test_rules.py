"""The spec's rules applied in code to a stepwise answer: sectors from names, dates from the
evidence sentence, counts from the text (each an optional rule a version names)."""

from __future__ import annotations

import json

import pytest

from agreement_llm.assembly import assemble
from agreement_llm.dates import date_in_sentence, published_on_from_text
from agreement_llm.models import PartialDate, Role, Sector
from agreement_llm.persons import is_a_name, name_after_title
from agreement_llm.rules import number_in
from agreement_llm.sectors import sector_from_name
from agreement_llm.steps import AgreementsAnswer, PeopleAnswer
from tests.test_recipes import AGREEMENTS, ARTICLE


@pytest.mark.parametrize(
    ("name", "said", "sector"),
    [
        (
            "Ministry of Commerce of the People’s Republic of China",
            Sector.company,
            Sector.national_government,
        ),
        ("State Renewable Energy Agency", Sector.other, Sector.national_government),
        ("Wuhu Municipal Government", Sector.national_government, Sector.local_government),
        (
            "People's Government of Jilin Province",
            Sector.national_government,
            Sector.local_government,
        ),
        ("Inner Mongolia", Sector.national_government, Sector.local_government),
        (
            "Management Committee of Jinshitan National Tourism Resort",
            Sector.other,
            Sector.local_government,
        ),
        ("Southeast University", Sector.national_government, Sector.university),
        (
            "Chongyang Institute for Financial Studies at Renmin University",
            Sector.university,
            Sector.research_institute,
        ),
        ("United Nations Development Programme", Sector.other, Sector.international_organization),
        (
            "centrally-administrated state-owned enterprises",
            Sector.company,
            Sector.state_owned_enterprise,
        ),
        ("China Merchants Group", Sector.national_government, Sector.state_owned_enterprise),
        ("Dingdu Group", Sector.local_government, Sector.company),
        (
            "CIMC Enric Holdings Limited",
            Sector.state_owned_enterprise,
            Sector.state_owned_enterprise,
        ),
        ("State Council", Sector.local_government, Sector.national_government),
        ("Masdar", Sector.company, Sector.company),  # the name says nothing: the model's
        ("State Information Center", Sector.national_government, Sector.national_government),
    ],
)
def test_a_sector_the_name_settles(name: str, said: Sector, sector: Sector) -> None:
    assert sector_from_name(name, said) is sector


@pytest.mark.parametrize(
    ("sentence", "date"),
    [
        ("On April 11th, a memorandum was signed in Beijing.", (None, 4, 11)),
        ("They signed it on Dec 12, 2019 at CNOOC Mansion.", (2019, 12, 12)),
        ("On 2019-03-20 the two sides signed an agreement.", (2019, 3, 20)),
        ("The documents were signed on Tuesday in Baku.", (2031, 5, 6)),  # before Fri 2031-05-09
        ("Updated: 2009-08-07 17:11 Yantai signed deals on Thursday.", (2031, 5, 8)),
        ("A market of 12 groups signed agreements.", None),
        ("In July 2016, the Ministry issued an initiative.", None),
    ],
)
def test_the_date_a_sentence_gives(sentence: str, date: tuple[int | None, int, int] | None) -> None:
    found = date_in_sentence(sentence, PartialDate(year=2031, month=5, day=9))
    assert (None if found is None else (found.year, found.month, found.day)) == date


@pytest.mark.parametrize(
    ("dateline", "date"),
    [
        ("Updated: December 5, 2019 10:00", (2019, 12, 5)),
        ("Updated: 12 Sept. 2019 10:20", (2019, 9, 12)),
        ("Updated: Primark 3, 2019 10:20", None),  # "mar" inside a word is no month
        ("By Maya 12, 2019 15:30", None),
        ("Posted: 12 marketing 2019 10:20", None),
    ],
)
def test_the_articles_own_date_names_a_whole_month(
    dateline: str, date: tuple[int, int, int] | None
) -> None:
    found = published_on_from_text(f"TITLE: A memorandum\n{dateline}\nThe text.")
    assert (None if found is None else (found.year, found.month, found.day)) == date


def test_a_weekday_without_the_articles_date_gives_no_date() -> None:
    assert date_in_sentence("It was signed on Tuesday.", None) is None


def test_numbers_in_digits_or_words() -> None:
    assert number_in(25, "secured 25 investment deals")
    assert number_in(4, "signed four memorandums")
    assert not number_in(19, "contracts with 18 enterprises")
    assert not number_in(5, "worth 3.5 billion yuan")


def _one(**changes: object) -> AgreementsAnswer:
    answer = json.loads(json.dumps(AGREEMENTS))
    item = answer["agreements"][0]
    item["parties"] = item["parties"][:2]
    item.update(changes)
    return AgreementsAnswer.model_validate(answer)


RULES = ("sectors_from_names", "dates_from_evidence", "counts_from_text")


def test_the_rules_change_the_record_only_when_named() -> None:
    answer = _one(
        count=None,
        signed_on={"year": None, "month": None, "day": None, "weekday": None},
        parties=[
            {"name": "Harbour City", "short_name": None, "sector": "company", "country": "CN"},
            {
                "name": "Alpha Shipping Group",
                "short_name": "ASG",
                "sector": "company",
                "country": "CN",
            },
        ],
    )
    plain, _ = assemble(answer, None, ARTICLE)
    ruled, notes = assemble(answer, None, ARTICLE, RULES)
    [before], [after] = plain.agreements, ruled.agreements
    assert [p.sector for p in before.parties] == [Sector.company, Sector.company]
    assert [p.sector for p in after.parties] == [Sector.local_government, Sector.company]
    # the evidence names three documents ("agreements with A, B and C"): null stays null
    assert before.count is None
    assert after.count is None
    # "on Thursday" in the evidence (its dateline aside), resolved against it (Fri 2031-05-09)
    assert before.signed_on is None
    assert after.signed_on == PartialDate(year=2031, month=5, day=8)
    assert any("evidence sentence" in n for n in notes)


def test_a_count_the_sentence_does_not_give() -> None:
    text = "TITLE: T\n\nHarbour City and Alpha Shipping Group signed a framework agreement.\n"
    answer = _one(count=19, title=None)
    [ruled] = assemble(answer, None, text, RULES)[0].agreements
    assert ruled.count == 1
    [plain] = assemble(answer, None, text)[0].agreements
    assert plain.count == 19


def test_an_attendee_the_text_says_witnessed_is_a_witness() -> None:
    text = (
        "TITLE: T\n\nHarbour City and Alpha Shipping Group signed a framework agreement. "
        "Vice Mayor Zhou Qi witnessed the signing.\n"
    )
    people = PeopleAnswer.model_validate(
        {"people": [{"name": "Zhou Qi", "title": None, "organization": None, "role": "attendee"}]}
    )
    extra = ["roles_from_the_text"]
    [plain] = assemble(_one(title=None), people, text, extra)[0].agreements
    [ruled] = assemble(_one(title=None), people, text, [*extra, "witnesses_from_the_text"])[
        0
    ].agreements
    assert [p.role for p in plain.people] == [Role.attendee]
    assert [p.role for p in ruled.people] == [Role.witness]


def test_a_party_named_more_fully_than_the_article_writes_it() -> None:
    text = "TITLE: T\n\nThe ministry signed a memorandum with Jilin and Alpha Shipping Group.\n"
    answer = _one(
        title=None,
        parties=[
            {
                "name": "Jilin Province",
                "short_name": None,
                "sector": "local_government",
                "country": "CN",
            },
            {
                "name": "Alpha Shipping Group",
                "short_name": "ASG",
                "sector": "company",
                "country": "CN",
            },
        ],
    )
    [plain] = assemble(answer, None, text)[0].agreements
    ruled, notes = assemble(answer, None, text, ["names_as_written"])
    assert [p.name for p in plain.parties] == ["Alpha Shipping Group"]
    assert [p.name for p in ruled.agreements[0].parties] == ["Jilin", "Alpha Shipping Group"]
    assert any("is written 'Jilin'" in n for n in notes)


@pytest.mark.parametrize(
    ("name", "split"),
    [
        ("Hebei Governor Niu Maosheng", ("Hebei Governor", "Niu Maosheng")),
        ("Masdar CEO Mohamed Jameel Al Ramahi", ("Masdar CEO", "Mohamed Jameel Al Ramahi")),
        ("Deputy Minister of Energy Samir Valiyev", ("Deputy Minister of Energy", "Samir Valiyev")),
        ("Vice-Chancellor-Professor-Alex-Zelinsky", ("Vice Chancellor Professor", "Alex Zelinsky")),
        ("Cheng Xiaobo", None),
        ("Minister of Industry, Mines and Energy", None),  # a title alone
        ("Li Ganjie, secretary of CPC Provincial Committee", None),  # the name came first
        ("executive vice mayor", None),
    ],
)
def test_a_name_written_with_its_title(name: str, split: tuple[str, str] | None) -> None:
    assert name_after_title(name) == split


def test_a_persons_title_written_before_the_name_is_not_the_name() -> None:
    """names_without_titles (v13): the name as written, the words before it its title."""
    text = (
        "TITLE: T\n\nHarbour City and Alpha Shipping Group signed a framework agreement. "
        "Harbour City Mayor Zhou Qi signed it.\n"
    )
    people = PeopleAnswer.model_validate(
        {
            "people": [
                {
                    "name": "Harbour City Mayor Zhou Qi",
                    "title": None,
                    "organization": None,
                    "role": "attendee",
                }
            ]
        }
    )
    extra = ["roles_from_the_text"]
    [plain] = assemble(_one(title=None), people, text, extra)[0].agreements
    ruled, notes = assemble(_one(title=None), people, text, [*extra, "names_without_titles"])
    assert [(p.name, p.title) for p in plain.people] == [("Harbour City Mayor Zhou Qi", None)]
    assert [(p.name, p.title, p.role) for p in ruled.agreements[0].people] == [
        ("Zhou Qi", "Harbour City Mayor", Role.signatory)
    ]
    assert any("with its title 'Harbour City Mayor' before it" in n for n in notes)


@pytest.mark.parametrize(
    ("name", "person"),
    [
        ("Zhou Qi", True),
        ("Mohamed Jameel Al Ramahi", True),
        ("executive vice mayor", False),  # a title
        ("Jinshitan National Tourism Resort", False),  # a place
    ],
)
def test_a_persons_name_is_a_name(name: str, person: bool) -> None:
    assert is_a_name(name) is person


def test_a_person_without_a_name_is_not_at_the_signing() -> None:
    """persons_have_names (v14): a title or a place written as a person is dropped."""
    text = (
        "TITLE: T\n\nHarbour City and Alpha Shipping Group signed a framework agreement. "
        "Zhou Qi, executive vice mayor, attended.\n"
    )
    people = PeopleAnswer.model_validate(
        {
            "people": [
                {"name": n, "title": None, "organization": None, "role": "attendee"}
                for n in ("Zhou Qi", "executive vice mayor")
            ]
        }
    )
    [plain] = assemble(_one(title=None), people, text)[0].agreements
    ruled, notes = assemble(_one(title=None), people, text, ["persons_have_names"])
    assert [p.name for p in plain.people] == ["Zhou Qi", "executive vice mayor"]
    assert [p.name for p in ruled.agreements[0].people] == ["Zhou Qi"]
    assert any("'executive vice mayor' is not a person's name" in n for n in notes)
