from __future__ import annotations

import sys

from hypothesis import given, settings
from hypothesis import strategies as st

from agreement_llm.grounding import _OTHER_SPACES, FoldedText, Match, ground, locate
from agreement_llm.models import Agreement, ArticleRecord, Party, Person
from agreement_llm.textnorm import fold

TEXT = (
    "On March 20, 2019, State  Information\nCenter (SIC) and Chang\u2019an Automobile signed "
    "a \u201cstrategic cooperation agreement\u201d in Beijing."
)


def test_exact_match_after_folding_case_space_and_quotes() -> None:
    span = locate("state information center", FoldedText.of(TEXT))
    assert span.status is Match.exact
    assert span.start is not None
    assert span.end is not None
    assert TEXT[span.start : span.end] == "State  Information\nCenter"


def test_curly_quotes_match_straight_ones() -> None:
    span = locate("Chang'an Automobile", FoldedText.of(TEXT))
    assert span.status is Match.exact
    assert span.start is not None
    assert TEXT[span.start : span.end] == "Chang\u2019an Automobile"


def test_fuzzy_match_reports_score_and_span() -> None:
    span = locate("Statel Information Center", FoldedText.of(TEXT))
    assert span.status is Match.fuzzy
    assert 85 <= span.score < 100
    assert span.start is not None
    assert span.end is not None
    assert "Information" in TEXT[span.start : span.end]


def test_missing_value_is_not_found_without_offsets() -> None:
    span = locate("Ministry of Commerce", FoldedText.of(TEXT))
    assert span.status is Match.not_found
    assert span.start is None
    assert span.end is None


def test_short_values_are_never_fuzzy() -> None:
    assert locate("SIX", FoldedText.of(TEXT)).status is Match.not_found


def test_cjk_text_with_full_width_forms() -> None:
    text = "国家信息中心与长安汽车签署战略合作协议（ＳＩＣ）。"
    folded = FoldedText.of(text)
    span = locate("长安汽车", folded)
    assert span.status is Match.exact
    assert span.start is not None
    assert text[span.start : span.end] == "长安汽车"
    sic = locate("SIC", folded)  # full-width letters fold to ASCII under NFKC
    assert sic.status is Match.exact
    assert sic.start is not None
    assert text[sic.start : sic.end] == "ＳＩＣ"


def test_evidence_is_exact_only_when_verbatim() -> None:
    folded = FoldedText.of(TEXT)
    verbatim = locate("in Beijing.", folded, verbatim=True)
    assert verbatim.status is Match.exact
    refolded = locate("IN BEIJING.", folded, verbatim=True)
    assert refolded.status is Match.fuzzy


def test_ground_flags_every_value_and_keeps_them() -> None:
    record = ArticleRecord(
        agreements=[
            Agreement(
                parties=[Party(name="State Information Center"), Party(name="Ministry of Magic")],
                people=[Person(name="Harry Potter")],
                evidence="signed a \u201cstrategic cooperation agreement\u201d in Beijing.",
            )
        ]
    )
    report = ground(record, TEXT)
    by_path = {s.path: s for s in report.spans}
    assert by_path["agreements[0].evidence"].status is Match.exact
    assert by_path["agreements[0].parties[0].name"].status is Match.exact
    assert by_path["agreements[0].parties[1].name"].status is Match.not_found
    assert [s.value for s in report.not_found] == ["Ministry of Magic", "Harry Potter"]
    assert report.grounded_share == 0.5


# compatibility forms, ligatures, composing and reordering marks, case folds that expand,
# white space that NFKC keeps and that it makes a space
FOLD_ALPHABET = (
    "aZée\u0301\u0316 ’“”`\n\t\x1c\x85\u00a0\u1680\u2002\u2029\u3000长ＳＩＣ，.-ﬁßİ\u212bΣ"
)


def test_the_fold_knows_every_white_space_character() -> None:
    spaces = {c for c in map(chr, range(sys.maxunicode + 1)) if c.isspace()}
    assert set(_OTHER_SPACES) | {" "} == spaces


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet=st.sampled_from(list(FOLD_ALPHABET)), max_size=60))
def test_the_fast_fold_maps_like_the_character_by_character_one(text: str) -> None:
    fast, slow = FoldedText.of(text), FoldedText.char_by_char(text)
    assert fast.folded == slow.folded == fold(text)
    for pos in range(len(fast.folded)):
        assert fast.span(pos, pos + 1) == slow.span(pos, pos + 1)
