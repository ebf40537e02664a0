"""Scoring one article's predicted record against its gold record (spec section 5).

Each field family has one function that returns its slots; a slot says whether gold and
prediction agree (tp), only gold fills it (fn), only the prediction (fp), or both fill it and
disagree (fp+fn), with the two values, so a report can show why.
"""

from __future__ import annotations

from typing import Literal, TypeVar

from pydantic import BaseModel, ConfigDict

from agreement_llm.evaluation.similarity import align, party_similarity, thresholded, token_f1
from agreement_llm.models import Agreement, ArticleRecord, Money, PartialDate, Party, Person

__all__ = ["FIELDS", "ArticleScore", "Slot", "count_slots", "score_article"]

FIELDS = (
    "kind",
    "status",
    "count",
    "parties",
    "sector",
    "signed_on",
    "place",
    "people",
    "role",
    "person_title",
    "areas",
    "establishes",
    "value",
    "duration",
    "published_on",
)
PERSON_F1 = 0.8
TITLE_F1 = 0.5
ITEM_F1 = 0.5
TEXT_F1 = 0.5  # place and duration: the spec names no threshold; the item threshold is used

Outcome = Literal["tp", "fp", "fn", "fp+fn"]
T = TypeVar("T")


class Slot(BaseModel):
    """One scored slot."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    field: str
    outcome: Outcome
    part: str | None = None  # year, month or day for date slots
    gold: str | None = None
    pred: str | None = None
    gold_agreement: int | None = None
    pred_agreement: int | None = None

    @property
    def tp(self) -> int:
        """1 for a true positive."""
        return int(self.outcome == "tp")

    @property
    def fp(self) -> int:
        """1 when the prediction filled the slot wrongly or where gold is empty."""
        return int(self.outcome in ("fp", "fp+fn"))

    @property
    def fn(self) -> int:
        """1 when gold filled the slot and the prediction missed or got it wrong."""
        return int(self.outcome in ("fn", "fp+fn"))


class ArticleScore(BaseModel):
    """The slots of one article and how its agreements aligned."""

    model_config = ConfigDict(extra="forbid")

    article_id: str
    slots: list[Slot]
    gold_agreements: int
    pred_agreements: int
    aligned: list[tuple[int, int]]

    @property
    def f1(self) -> float:
        """Micro F1 over this article's slots; 1.0 when neither side has a slot."""
        tp = sum(s.tp for s in self.slots)
        fp = sum(s.fp for s in self.slots)
        fn = sum(s.fn for s in self.slots)
        if tp + fp + fn == 0:
            return 1.0
        return 2 * tp / (2 * tp + fp + fn)


def _compare(
    field: str, gold: str | None, pred: str | None, agree: bool, g: int | None, p: int | None
) -> list[Slot]:
    if gold is None and pred is None:
        return []
    if gold is None:
        outcome: Outcome = "fp"
    elif pred is None:
        outcome = "fn"
    else:
        outcome = "tp" if agree else "fp+fn"
    return [
        Slot(field=field, outcome=outcome, gold=gold, pred=pred, gold_agreement=g, pred_agreement=p)
    ]


def _text(value: str | None) -> str | None:
    return value if value else None


def _money(value: Money | None) -> str | None:
    return None if value is None else f"{value.amount:g} {value.currency}"


def _money_agree(a: Money, b: Money) -> bool:
    if a.currency != b.currency:
        return False
    if a.amount == 0:
        return b.amount == 0
    return abs(a.amount - b.amount) <= 0.01 * abs(a.amount)


def date_slots(
    field: str, gold: PartialDate | None, pred: PartialDate | None, g: int | None, p: int | None
) -> list[Slot]:
    """The year, month and day slots of a date."""
    out: list[Slot] = []
    for part in ("year", "month", "day"):
        gv = getattr(gold, part) if gold is not None else None
        pv = getattr(pred, part) if pred is not None else None
        slots = _compare(
            field, None if gv is None else str(gv), None if pv is None else str(pv), gv == pv, g, p
        )
        out += [slot.model_copy(update={"part": part}) for slot in slots]
    return out


def scalar_slots(
    gold: Agreement | None, pred: Agreement | None, g: int | None, p: int | None
) -> list[Slot]:
    """kind, status, count, place, duration, value, signed_on of one (possibly unaligned) pair."""
    out: list[Slot] = []
    gk, pk = (gold.kind.value if gold else None), (pred.kind.value if pred else None)
    out += _compare("kind", gk, pk, gk == pk, g, p)
    gs, ps = (gold.status.value if gold else None), (pred.status.value if pred else None)
    out += _compare("status", gs, ps, gs == ps, g, p)
    # count is a slot only where a side says other than 1; null (size not given) is such a value
    gc = str(gold.count) if gold is not None and gold.count != 1 else None
    pc = str(pred.count) if pred is not None and pred.count != 1 else None
    out += _compare("count", gc, pc, gc == pc, g, p)
    for field in ("place", "duration"):
        gv = _text(getattr(gold, field)) if gold else None
        pv = _text(getattr(pred, field)) if pred else None
        agree = gv is not None and pv is not None and token_f1(gv, pv) >= TEXT_F1
        out += _compare(field, gv, pv, agree, g, p)
    gm, pm = (gold.value if gold else None), (pred.value if pred else None)
    out += _compare(
        "value",
        _money(gm),
        _money(pm),
        gm is not None and pm is not None and _money_agree(gm, pm),
        g,
        p,
    )
    out += date_slots(
        "signed_on", gold.signed_on if gold else None, pred.signed_on if pred else None, g, p
    )
    return out


def party_slots(gold: list[Party], pred: list[Party], g: int | None, p: int | None) -> list[Slot]:
    """Every party and every party's sector."""
    pairs = align(gold, pred, party_similarity)
    out: list[Slot] = []
    for gi, pi, _ in pairs:
        out += _compare("parties", gold[gi].name, pred[pi].name, True, g, p)
        out += _compare(
            "sector",
            gold[gi].sector.value,
            pred[pi].sector.value,
            gold[gi].sector == pred[pi].sector,
            g,
            p,
        )
    for party in _unaligned(gold, {gi for gi, _, _ in pairs}):
        out += _compare("parties", party.name, None, False, g, p)
        out += _compare("sector", party.sector.value, None, False, g, p)
    for party in _unaligned(pred, {pi for _, pi, _ in pairs}):
        out += _compare("parties", None, party.name, False, g, p)
        out += _compare("sector", None, party.sector.value, False, g, p)
    return out


def _person_only(person: Person, gold_side: bool, g: int | None, p: int | None) -> list[Slot]:
    def side(value: str | None) -> tuple[str | None, str | None]:
        return (value, None) if gold_side else (None, value)

    out = _compare("people", *side(person.name), False, g, p)
    out += _compare("role", *side(person.role.value), False, g, p)
    out += _compare("person_title", *side(_text(person.title)), False, g, p)
    return out


def people_slots(
    gold: list[Person], pred: list[Person], g: int | None, p: int | None
) -> list[Slot]:
    """Every person (name token F1 >= 0.8), and each person's role and title."""
    pairs = align(gold, pred, lambda a, b: thresholded(PERSON_F1)(a.name, b.name))
    out: list[Slot] = []
    for gi, pi, _ in pairs:
        a, b = gold[gi], pred[pi]
        out += _compare("people", a.name, b.name, True, g, p)
        out += _compare("role", a.role.value, b.role.value, a.role == b.role, g, p)
        ta, tb = _text(a.title), _text(b.title)
        out += _compare(
            "person_title",
            ta,
            tb,
            ta is not None and tb is not None and token_f1(ta, tb) >= TITLE_F1,
            g,
            p,
        )
    for person in _unaligned(gold, {gi for gi, _, _ in pairs}):
        out += _person_only(person, True, g, p)
    for person in _unaligned(pred, {pi for _, pi, _ in pairs}):
        out += _person_only(person, False, g, p)
    return out


def item_slots(
    field: str, gold: list[str], pred: list[str], g: int | None, p: int | None
) -> list[Slot]:
    """Areas or `establishes`: items aligned one-to-one at token F1 >= 0.5."""
    pairs = align(gold, pred, thresholded(ITEM_F1))
    out: list[Slot] = []
    for gi, pi, _ in pairs:
        out += _compare(field, gold[gi], pred[pi], True, g, p)
    out += [
        s
        for item in _unaligned(gold, {gi for gi, _, _ in pairs})
        for s in _compare(field, item, None, False, g, p)
    ]
    out += [
        s
        for item in _unaligned(pred, {pi for _, pi, _ in pairs})
        for s in _compare(field, None, item, False, g, p)
    ]
    return out


def _unaligned(items: list[T], taken: set[int]) -> list[T]:
    return [item for i, item in enumerate(items) if i not in taken]


def agreement_slots(
    gold: Agreement | None, pred: Agreement | None, g: int | None, p: int | None
) -> list[Slot]:
    """All slots of an aligned pair, or of an agreement only one side has."""
    empty: list[Party] = []
    return [
        *scalar_slots(gold, pred, g, p),
        *party_slots(gold.parties if gold else empty, pred.parties if pred else empty, g, p),
        *people_slots(gold.people if gold else [], pred.people if pred else [], g, p),
        *item_slots("areas", gold.areas if gold else [], pred.areas if pred else [], g, p),
        *item_slots(
            "establishes", gold.establishes if gold else [], pred.establishes if pred else [], g, p
        ),
    ]


TIE_BREAK = 1e-6


def agreement_similarity(gold: Agreement, pred: Agreement) -> float:
    """F1 of the aligned party sets, plus 0.1 for the same kind; 0 with no party in common.

    Exact ties (two agreements of the same parties and kind) are broken by a tiny weight on
    status, date, title and evidence, so that the pair that also agrees on those aligns.
    """
    pairs = align(gold.parties, pred.parties, party_similarity)
    if not pairs:
        return 0.0
    matched = len(pairs)
    precision, recall = matched / len(pred.parties), matched / len(gold.parties)
    f1 = 2 * precision * recall / (precision + recall)
    secondary = (
        (gold.status == pred.status)
        + (gold.signed_on == pred.signed_on)
        + token_f1(gold.title or "", pred.title or "")
        + token_f1(gold.evidence, pred.evidence)
    ) / 4
    return f1 + (0.1 if gold.kind == pred.kind else 0.0) + TIE_BREAK * secondary


def score_article(article_id: str, gold: ArticleRecord, pred: ArticleRecord | None) -> ArticleScore:
    """Score a prediction (None: the extraction failed, scored as empty) against gold."""
    pred = pred or ArticleRecord()
    pairs = align(gold.agreements, pred.agreements, agreement_similarity)
    slots = date_slots("published_on", gold.published_on, pred.published_on, None, None)
    for gi, pi, _ in pairs:
        slots += agreement_slots(gold.agreements[gi], pred.agreements[pi], gi, pi)
    taken_g, taken_p = {gi for gi, _, _ in pairs}, {pi for _, pi, _ in pairs}
    for gi, ag in enumerate(gold.agreements):
        if gi not in taken_g:
            slots += agreement_slots(ag, None, gi, None)
    for pi, ag in enumerate(pred.agreements):
        if pi not in taken_p:
            slots += agreement_slots(None, ag, None, pi)
    return ArticleScore(
        article_id=article_id,
        slots=slots,
        gold_agreements=len(gold.agreements),
        pred_agreements=len(pred.agreements),
        aligned=[(gi, pi) for gi, pi, _ in pairs],
    )


def count_slots(record: ArticleRecord) -> int:
    """How many slots a record fills (its slots scored against an empty prediction)."""
    return len(score_article("", record, None).slots)
