"""Similarities of spec section 5: token F1, party match, one-to-one alignment."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Sequence
from typing import TypeVar

import numpy as np
from pydantic import BaseModel
from scipy.optimize import linear_sum_assignment

from agreement_llm.models import Party
from agreement_llm.textnorm import normalize, normalize_org

__all__ = ["align", "canonical", "party_similarity", "token_f1"]

T = TypeVar("T")
U = TypeVar("U")

PARTY_F1 = 0.6


def _f1_tokens(a: list[str], b: list[str]) -> float:
    if not a or not b:
        return 1.0 if not a and not b else 0.0
    same = sum((Counter(a) & Counter(b)).values())
    if same == 0:
        return 0.0
    precision, recall = same / len(a), same / len(b)
    return 2 * precision * recall / (precision + recall)


def token_f1(a: str, b: str) -> float:
    """SQuAD token F1 between two strings after normalisation."""
    return _f1_tokens(normalize(a).split(), normalize(b).split())


def party_similarity(a: Party, b: Party) -> float:
    """1.0 when names or short names match, else the names' token F1 if >= 0.6, else 0."""
    name_a, name_b = normalize_org(a.name), normalize_org(b.name)
    if name_a and name_a == name_b:
        return 1.0
    short_a = normalize_org(a.short_name) if a.short_name else None
    short_b = normalize_org(b.short_name) if b.short_name else None
    if short_a and short_a in (name_b, short_b):
        return 1.0
    if short_b and short_b == name_a:
        return 1.0
    f1 = _f1_tokens(name_a.split(), name_b.split())
    return f1 if f1 >= PARTY_F1 else 0.0


def canonical(value: object) -> str:
    """A text that is the same for equal values, whatever the order of the lists inside."""
    if isinstance(value, BaseModel):
        fields = (f"{name}={canonical(getattr(value, name))}" for name in type(value).model_fields)
        return f"{type(value).__name__}({','.join(fields)})"
    if isinstance(value, list | tuple):
        return f"[{','.join(sorted(canonical(item) for item in value))}]"
    return repr(value)


def _canonical_order(items: Sequence[object]) -> list[int]:
    if len(items) < 2:
        return list(range(len(items)))
    return sorted(range(len(items)), key=lambda i: canonical(items[i]))


def align(
    gold: Sequence[T],
    pred: Sequence[U],
    similarity: Callable[[T, U], float],
) -> list[tuple[int, int, float]]:
    """Pairs (gold index, predicted index, similarity) of maximum total similarity.

    One-to-one (Hungarian assignment); pairs of similarity 0 are left unaligned, so
    `similarity` returns 0 for pairs that must not align. Where several alignments reach the
    maximum, the one chosen does not depend on the order of either list: both are put in
    the order of their `canonical` texts first.
    """
    if not gold or not pred:
        return []
    g_order, p_order = _canonical_order(gold), _canonical_order(pred)
    matrix = np.array(
        [[similarity(gold[g], pred[p]) for p in p_order] for g in g_order], dtype=float
    )
    rows, cols = linear_sum_assignment(matrix, maximize=True)
    return [
        (g_order[r], p_order[c], float(matrix[r, c]))
        for r, c in zip(rows, cols, strict=True)
        if matrix[r, c] > 0
    ]


def thresholded(threshold: float) -> Callable[[str, str], float]:
    """Token F1 that counts as 0 below `threshold`."""

    def sim(a: str, b: str) -> float:
        f1 = token_f1(a, b)
        return f1 if f1 >= threshold else 0.0

    return sim
