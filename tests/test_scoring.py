"""The scorer against hand-computed figures, and its invariants (hypothesis)."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from agreement_llm.evaluation.metrics import compare, figures
from agreement_llm.evaluation.scoring import FIELDS, score_article
from agreement_llm.evaluation.similarity import party_similarity, token_f1
from agreement_llm.models import (
    Agreement,
    AgreementKind,
    ArticleRecord,
    Money,
    PartialDate,
    Party,
    Person,
    Role,
    Sector,
    Status,
)

SCA = AgreementKind.strategic_cooperation_agreement


def _ag(parties: list[Party], **kw: object) -> Agreement:
    return Agreement.model_validate({"kind": SCA, "parties": parties, "evidence": "e", **kw})


A = Party(name="Alpha Machinery Co., Ltd.", short_name="AMC", sector=Sector.company)
B = Party(name="Beta University", sector=Sector.university)
C = Party(name="Gamma City Government", sector=Sector.local_government)


def _counts(gold: ArticleRecord, pred: ArticleRecord | None) -> dict[str, tuple[int, int, int]]:
    f = figures([score_article("a", gold, pred)])
    return {name: (c.tp, c.fp, c.fn) for name, c in f.fields.items() if c.slots}


def test_normalisation_and_token_f1() -> None:
    assert token_f1("The State Information Center", "state information center") == 1.0
    assert token_f1("big data", "big data applications") == pytest.approx(0.8)
    assert token_f1("", "") == 1.0
    assert token_f1("x", "") == 0.0


def test_party_match_by_suffix_short_name_and_f1() -> None:
    assert party_similarity(A, Party(name="Alpha Machinery")) == 1.0  # legal suffixes dropped
    assert party_similarity(A, Party(name="AMC")) == 1.0  # short name equals name
    assert party_similarity(B, Party(name="Beta Normal University")) == pytest.approx(0.8)
    assert party_similarity(B, Party(name="Beta Institute")) == 0.0  # F1 0.5 < 0.6


def test_a_missed_party() -> None:
    gold = ArticleRecord(agreements=[_ag([A, B])])
    pred = ArticleRecord(agreements=[_ag([A])])
    assert _counts(gold, pred) == {
        "kind": (1, 0, 0),
        "status": (1, 0, 0),
        "parties": (1, 0, 1),
        "sector": (1, 0, 1),
    }
    f = figures([score_article("a", gold, pred)])
    assert f.micro.precision == 1.0
    assert f.micro.recall == pytest.approx(4 / 6)
    assert f.micro.f1 == pytest.approx(0.8)
    assert f.detection.f1 == 1.0


def test_a_hallucinated_person() -> None:
    gold = ArticleRecord(agreements=[_ag([A, B])])
    pred = ArticleRecord(
        agreements=[
            _ag([A, B], people=[Person(name="Zhang San", title="Chairman", role=Role.attendee)])
        ]
    )
    counts = _counts(gold, pred)
    assert counts["people"] == (0, 1, 0)
    assert counts["role"] == (0, 1, 0)
    assert counts["person_title"] == (0, 1, 0)
    f = figures([score_article("a", gold, pred)])
    assert f.micro.tp == 6
    assert f.micro.fp == 3
    assert f.micro.fn == 0


def test_a_wrong_role_is_one_false_positive_and_one_false_negative() -> None:
    cheng = Person(name="Cheng Xiaobo", title="President of SIC", role=Role.signatory)
    gold = ArticleRecord(agreements=[_ag([A, B], people=[cheng])])
    pred = ArticleRecord(
        agreements=[
            _ag(
                [A, B],
                people=[cheng.model_copy(update={"role": Role.witness, "title": "President"})],
            )
        ]
    )
    counts = _counts(gold, pred)
    assert counts["people"] == (1, 0, 0)
    assert counts["role"] == (0, 1, 1)
    # {president} vs {president, of, sic}: P=1, R=1/3, F1=0.5, which agrees (threshold 0.5)
    assert counts["person_title"] == (1, 0, 0)


def test_a_wrong_person_title() -> None:
    gold = ArticleRecord(
        agreements=[
            _ag([A], people=[Person(name="Ling Wen", title="Vice Governor", role=Role.signatory)])
        ]
    )
    pred = ArticleRecord(
        agreements=[
            _ag(
                [A], people=[Person(name="Ling Wen", title="President of SIC", role=Role.signatory)]
            )
        ]
    )
    assert _counts(gold, pred)["person_title"] == (0, 1, 1)


def test_year_only_gold_date() -> None:
    gold = ArticleRecord(agreements=[_ag([A], signed_on=PartialDate(year=2019))])
    pred = ArticleRecord(agreements=[_ag([A], signed_on=PartialDate(year=2019, month=3, day=20))])
    assert _counts(gold, pred)["signed_on"] == (1, 2, 0)


def test_an_extra_agreement_is_all_false_positives() -> None:
    gold = ArticleRecord(agreements=[_ag([A, B])])
    pred = ArticleRecord(
        agreements=[
            _ag([A, B]),
            _ag(
                [C],
                status=Status.earlier,
                count=None,
                place="Beijing",
                value=Money(amount=5, currency="CNY", text="5 yuan"),
            ),
        ]
    )
    f = figures([score_article("a", gold, pred)])
    assert (f.detection.tp, f.detection.fp, f.detection.fn) == (1, 1, 0)
    extra = dict(_counts(gold, pred).items())
    # the extra agreement: kind, status, count (null), place, value, party, sector
    assert extra["count"] == (0, 1, 0)
    assert extra["place"] == (0, 1, 0)
    assert extra["value"] == (0, 1, 0)
    assert extra["parties"] == (2, 1, 0)
    assert f.micro.fp == 7
    assert f.micro.fn == 0


def test_an_empty_article_scores_one() -> None:
    score = score_article("a", ArticleRecord(), ArticleRecord())
    assert score.slots == []
    assert score.f1 == 1.0


def test_value_within_one_percent_and_same_currency() -> None:
    def with_value(amount: float, currency: str = "CNY") -> ArticleRecord:
        return ArticleRecord(
            agreements=[_ag([A], value=Money(amount=amount, currency=currency, text="x"))]
        )

    assert _counts(with_value(100), with_value(100.9))["value"] == (1, 0, 0)
    assert _counts(with_value(100), with_value(102))["value"] == (0, 1, 1)
    assert _counts(with_value(100), with_value(100, "USD"))["value"] == (0, 1, 1)


def test_count_is_a_slot_only_where_a_side_says_other_than_one() -> None:
    one = ArticleRecord(agreements=[_ag([A])])
    batch = ArticleRecord(agreements=[_ag([A], count=25)])
    assert "count" not in _counts(one, one)
    assert _counts(batch, one)["count"] == (0, 0, 1)
    assert _counts(one, batch)["count"] == (0, 1, 0)


def test_published_on_scored_once_per_article() -> None:
    gold = ArticleRecord(published_on=PartialDate(year=2019, month=3, day=20))
    pred = ArticleRecord(published_on=PartialDate(year=2019, month=3, day=21))
    assert _counts(gold, pred) == {"published_on": (2, 1, 1)}


def test_agreements_with_no_party_in_common_stay_unaligned() -> None:
    gold = ArticleRecord(agreements=[_ag([A])])
    pred = ArticleRecord(agreements=[_ag([C])])
    f = figures([score_article("a", gold, pred)])
    assert f.detection.tp == 0
    assert _counts(gold, pred)["kind"] == (0, 1, 1)


def test_macro_leaves_out_fields_without_slots() -> None:
    gold = ArticleRecord(agreements=[_ag([A, B])])
    pred = ArticleRecord(agreements=[_ag([A])])
    f = figures([score_article("a", gold, pred)])
    # kind 1.0, status 1.0, parties 2/3, sector 2/3
    assert f.macro_f1 == pytest.approx((1 + 1 + 2 / 3 + 2 / 3) / 4)


# --- properties -----------------------------------------------------------------------------

_words = st.sampled_from(
    [
        "north",
        "south",
        "river",
        "bank",
        "energy",
        "city",
        "group",
        "data",
        "port",
        "steel",
        "rail",
        "health",
    ]
)


@st.composite
def records(draw: st.DrawFn) -> ArticleRecord:
    serial = iter(range(10_000))
    people = st.builds(
        lambda w, r, t: Person(name=f"{w.title()} P{next(serial)}", role=r, title=t),
        _words,
        st.sampled_from(list(Role)),
        st.none() | _words,
    )

    def party() -> st.SearchStrategy[Party]:
        return st.builds(
            lambda w, s: Party(name=f"{w} Org{next(serial)}", sector=s),
            _words,
            st.sampled_from(list(Sector)),
        )

    dates = st.none() | st.builds(
        PartialDate,
        year=st.none() | st.integers(2000, 2030),
        month=st.none() | st.integers(1, 12),
        day=st.none() | st.integers(1, 28),
    )
    agreement = st.builds(
        lambda parties, kind, status, count, date, place, ppl, areas: Agreement(
            parties=parties,
            kind=kind,
            status=status,
            count=count,
            signed_on=date,
            place=place,
            people=ppl,
            areas=sorted(set(areas)),
            evidence="e",
        ),
        st.lists(party(), min_size=1, max_size=3),
        st.sampled_from(list(AgreementKind)),
        st.sampled_from(list(Status)),
        st.none() | st.integers(1, 30),
        dates,
        st.none() | _words,
        st.lists(people, max_size=3),
        st.lists(_words, max_size=3),
    )
    return ArticleRecord(published_on=draw(dates), agreements=draw(st.lists(agreement, max_size=3)))


@settings(max_examples=60, deadline=None)
@given(records())
def test_gold_against_itself_is_perfect(record: ArticleRecord) -> None:
    f = figures([score_article("a", record, record)])
    assert f.micro.fp == 0
    assert f.micro.fn == 0
    for name in FIELDS:
        c = f.fields[name]
        assert not c.slots or c.f1 == 1.0
    assert f.per_article_f1["a"] == 1.0


@settings(max_examples=60, deadline=None)
@given(records())
def test_empty_prediction_has_no_recall_and_no_false_positive(record: ArticleRecord) -> None:
    f = figures([score_article("a", record, ArticleRecord())])
    assert f.micro.tp == 0
    assert f.micro.fp == 0
    assert f.micro.recall == 0.0


@settings(max_examples=60, deadline=None)
@given(records(), records(), st.randoms(use_true_random=False))
def test_reordering_lists_changes_nothing(
    gold: ArticleRecord, pred: ArticleRecord, rnd: object
) -> None:
    import random

    assert isinstance(rnd, random.Random)

    def shuffled(record: ArticleRecord) -> ArticleRecord:
        ags = [
            a.model_copy(
                update={
                    "parties": rnd.sample(a.parties, len(a.parties)),
                    "people": rnd.sample(a.people, len(a.people)),
                    "areas": rnd.sample(a.areas, len(a.areas)),
                }
            )
            for a in record.agreements
        ]
        return record.model_copy(update={"agreements": rnd.sample(ags, len(ags))})

    before = figures([score_article("a", gold, pred)])
    after = figures([score_article("a", shuffled(gold), shuffled(pred))])
    assert before.micro == after.micro
    assert before.fields == after.fields


def test_bootstrap_is_seeded_and_brackets_the_difference() -> None:
    gold = ArticleRecord(agreements=[_ag([A, B])])
    worse = [score_article(str(i), gold, ArticleRecord(agreements=[_ag([A])])) for i in range(8)]
    better = [score_article(str(i), gold, gold) for i in range(8)]
    c = compare("v1", worse, "v2", better)
    assert c.difference == pytest.approx(1 - 0.8)
    assert c.low <= c.difference <= c.high
    assert c.share_worse == 0.0
    assert compare("v1", worse, "v2", better) == c


def test_an_alignment_tie_is_broken_the_same_way_whatever_the_order() -> None:
    # two gold agreements equally similar to the one predicted (same party, kind, status,
    # evidence): which one it aligns with must not depend on the order of the lists
    li = Person(name="Li Wei", role=Role.signatory)
    plain, with_li = _ag([A]), _ag([A], people=[li])
    pred = ArticleRecord(agreements=[_ag([A], people=[li])])
    first = _counts(ArticleRecord(agreements=[plain, with_li]), pred)
    second = _counts(ArticleRecord(agreements=[with_li, plain]), pred)
    assert first == second
