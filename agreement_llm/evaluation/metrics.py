"""Figures over a set of scored articles: P/R/F1 per field, micro, macro, detection, and the
paired bootstrap comparison of two prompt versions."""

from __future__ import annotations

from typing import Literal

import numpy as np
from pydantic import BaseModel, ConfigDict, Field

from agreement_llm.evaluation.scoring import FIELDS, ArticleScore

__all__ = ["Comparison", "Counts", "Figures", "compare", "f1_intervals", "figures"]

BOOTSTRAP_RESAMPLES = 10_000
BOOTSTRAP_SEED = 20261121


class Counts(BaseModel):
    """True positives, false positives and false negatives, with P/R/F1."""

    model_config = ConfigDict(extra="forbid")

    tp: int = 0
    fp: int = 0
    fn: int = 0

    @property
    def precision(self) -> float:
        """tp / (tp + fp); 0 when nothing was predicted."""
        return self.tp / (self.tp + self.fp) if self.tp + self.fp else 0.0

    @property
    def recall(self) -> float:
        """tp / (tp + fn); 0 when gold has nothing."""
        return self.tp / (self.tp + self.fn) if self.tp + self.fn else 0.0

    @property
    def f1(self) -> float:
        """Harmonic mean of precision and recall (2tp / (2tp + fp + fn))."""
        denominator = 2 * self.tp + self.fp + self.fn
        return 2 * self.tp / denominator if denominator else 0.0

    @property
    def slots(self) -> int:
        """How many slots these counts cover (fp+fn slots count once each side)."""
        return self.tp + self.fp + self.fn

    def summary(self) -> dict[str, float | int]:
        """All figures as plain numbers."""
        return {
            "tp": self.tp,
            "fp": self.fp,
            "fn": self.fn,
            "precision": self.precision,
            "recall": self.recall,
            "f1": self.f1,
        }


class Figures(BaseModel):
    """Every figure of one prompt version over a set of articles."""

    model_config = ConfigDict(extra="forbid")

    fields: dict[str, Counts]
    micro: Counts
    macro_f1: float
    detection: Counts
    per_article_f1: dict[str, float]
    intervals: dict[str, tuple[float, float]] = Field(default_factory=dict)


def _article_counts(score: ArticleScore) -> tuple[int, int, int]:
    return (
        sum(s.tp for s in score.slots),
        sum(s.fp for s in score.slots),
        sum(s.fn for s in score.slots),
    )


def figures(scores: list[ArticleScore]) -> Figures:
    """Aggregate article scores into the spec's figures."""
    fields = {name: Counts() for name in FIELDS}
    for score in scores:
        for slot in score.slots:
            c = fields[slot.field]
            c.tp += slot.tp
            c.fp += slot.fp
            c.fn += slot.fn
    micro = Counts(
        tp=sum(c.tp for c in fields.values()),
        fp=sum(c.fp for c in fields.values()),
        fn=sum(c.fn for c in fields.values()),
    )
    present = [c.f1 for c in fields.values() if c.slots]
    aligned = sum(len(s.aligned) for s in scores)
    detection = Counts(
        tp=aligned,
        fp=sum(s.pred_agreements for s in scores) - aligned,
        fn=sum(s.gold_agreements for s in scores) - aligned,
    )
    return Figures(
        fields=fields,
        micro=micro,
        macro_f1=sum(present) / len(present) if present else 0.0,
        detection=detection,
        per_article_f1={s.article_id: s.f1 for s in scores},
        intervals=f1_intervals(scores),
    )


def _f1(tp: np.ndarray, fp: np.ndarray, fn: np.ndarray) -> np.ndarray:
    denominator = 2 * tp + fp + fn
    out: np.ndarray = np.divide(2 * tp, denominator, out=np.zeros_like(tp), where=denominator > 0)
    return out


def f1_intervals(
    scores: list[ArticleScore],
    *,
    resamples: int = BOOTSTRAP_RESAMPLES,
    seed: int = BOOTSTRAP_SEED,
) -> dict[str, tuple[float, float]]:
    """95% bootstrap interval (over articles) of each field's F1 and of micro F1."""
    if not scores:
        return {}
    names = [*FIELDS, "micro"]
    counts = np.zeros((len(scores), len(names), 3))
    for i, score in enumerate(scores):
        for slot in score.slots:
            j = FIELDS.index(slot.field)
            counts[i, j] += (slot.tp, slot.fp, slot.fn)
    counts[:, -1] = counts[:, :-1].sum(axis=1)
    rng = np.random.default_rng(seed)
    picks = rng.integers(0, len(scores), size=(resamples, len(scores)))
    weights = np.zeros((resamples, len(scores)))
    np.add.at(weights, (np.arange(resamples)[:, None], picks), 1.0)
    totals = (weights @ counts.reshape(len(scores), -1)).reshape(resamples, len(names), 3)
    f1 = _f1(totals[..., 0], totals[..., 1], totals[..., 2])
    low, high = np.percentile(f1, [2.5, 97.5], axis=0)
    present = counts.sum(axis=(0, 2)) > 0
    return {name: (float(low[j]), float(high[j])) for j, name in enumerate(names) if present[j]}


class Comparison(BaseModel):
    """The newer column's micro F1 minus the older's, with a 95% paired bootstrap interval.

    `kind` says what differs: the prompt version (`parent`: a version against its parent on
    the same model) or the model (`model`: two models on the same version)."""

    model_config = ConfigDict(extra="forbid")

    kind: Literal["parent", "model"] = "parent"
    older: str
    newer: str
    difference: float
    low: float
    high: float
    share_worse: float
    resamples: int
    articles: int


def compare(
    older: str,
    older_scores: list[ArticleScore],
    newer: str,
    newer_scores: list[ArticleScore],
    *,
    resamples: int = BOOTSTRAP_RESAMPLES,
    seed: int = BOOTSTRAP_SEED,
) -> Comparison:
    """Paired bootstrap over articles of the difference in micro F1 (newer - older)."""
    by_id = {s.article_id: s for s in older_scores}
    ids = [s.article_id for s in newer_scores if s.article_id in by_id]
    newer_by_id = {s.article_id: s for s in newer_scores}
    a = np.array([_article_counts(by_id[i]) for i in ids], dtype=float).reshape(-1, 3)
    b = np.array([_article_counts(newer_by_id[i]) for i in ids], dtype=float).reshape(-1, 3)

    def micro_f1(counts: np.ndarray) -> np.ndarray:
        tp, fp, fn = counts[..., 0], counts[..., 1], counts[..., 2]
        denominator = 2 * tp + fp + fn
        out: np.ndarray = np.divide(
            2 * tp, denominator, out=np.zeros_like(tp), where=denominator > 0
        )
        return out

    difference = float(micro_f1(b.sum(axis=0)) - micro_f1(a.sum(axis=0)))
    if not ids:
        return Comparison(
            older=older,
            newer=newer,
            difference=0.0,
            low=0.0,
            high=0.0,
            share_worse=0.0,
            resamples=0,
            articles=0,
        )
    rng = np.random.default_rng(seed)
    picks = rng.integers(0, len(ids), size=(resamples, len(ids)))
    diffs = micro_f1(b[picks].sum(axis=1)) - micro_f1(a[picks].sum(axis=1))
    low, high = np.percentile(diffs, [2.5, 97.5])
    return Comparison(
        older=older,
        newer=newer,
        difference=difference,
        low=float(low),
        high=float(high),
        share_worse=float(np.mean(diffs < 0)),
        resamples=resamples,
        articles=len(ids),
    )
