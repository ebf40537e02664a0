"""Error analysis: every missed or false slot of a column put in one class, so a prompt engineer
sees what kind of mistake a version makes and where (spec section 5's slots, classed)."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

from agreement_llm.evaluation.scoring import Slot
from agreement_llm.evaluation.suite import RunResult, VersionRun
from agreement_llm.grounding import Match

__all__ = ["ERROR_CLASSES", "ClassedError", "ErrorSummary", "classify", "error_summary"]

# in the order they are tried: the first that applies is the class
ERROR_CLASSES = (
    "output invalid",
    "agreement missed",
    "agreement spurious",
    "hallucinated",
    "party wrong or missing",
    "wrong role",
    "date part wrong",
    "kind or status wrong",
    "other value wrong or missing",
)
_EXPLAINED = {
    "output invalid": "the extraction failed: every gold slot of the article is lost",
    "agreement missed": "a gold agreement no predicted agreement aligned with",
    "agreement spurious": "a predicted agreement with no gold agreement",
    "hallucinated": "a predicted value the article does not contain (grounding: not found)",
    "party wrong or missing": "a party (or its sector) missed, invented or different",
    "wrong role": "a person's role differs from gold",
    "date part wrong": "a year, month or day of a date missed or wrong",
    "kind or status wrong": "the agreement's kind or status differs from gold",
    "other value wrong or missing": "people, titles, place, value, duration, areas, count",
}


@dataclass(frozen=True)
class ClassedError:
    """One missed or false slot and its class."""

    article_id: str
    error_class: str
    slot: Slot


def _ungrounded(result: RunResult) -> set[str]:
    if result.extraction is None:
        return set()
    spans = result.extraction.grounding.spans
    return {s.value for s in spans if s.status is Match.not_found}


def classify(slot: Slot, result: RunResult, ungrounded: set[str] | None = None) -> str:
    """The class of one missed (fn), false (fp) or wrong (fp+fn) slot."""
    if result.extraction is None:
        return "output invalid"
    if slot.gold_agreement is not None and slot.pred_agreement is None:
        return "agreement missed"
    if slot.pred_agreement is not None and slot.gold_agreement is None:
        return "agreement spurious"
    missing = _ungrounded(result) if ungrounded is None else ungrounded
    if slot.fp and slot.pred is not None and slot.pred in missing:
        return "hallucinated"
    if slot.field in ("parties", "sector"):
        return "party wrong or missing"
    if slot.field == "role":
        return "wrong role"
    if slot.field in ("signed_on", "published_on"):
        return "date part wrong"
    if slot.field in ("kind", "status"):
        return "kind or status wrong"
    return "other value wrong or missing"


@dataclass(frozen=True)
class ErrorSummary:
    """A column's errors: counts per class, and its worst articles (lowest F1 first)."""

    label: str
    errors: list[ClassedError]
    counts: dict[str, int]
    worst: list[tuple[str, float, int]]  # article id, F1, errors

    def as_data(self) -> dict[str, object]:
        """Plain JSON data (for report.json)."""
        return {
            "counts": self.counts,
            "worst": [{"article": a, "f1": f, "errors": n} for a, f, n in self.worst],
            "errors": [
                {
                    "article": e.article_id,
                    "class": e.error_class,
                    "field": e.slot.field,
                    "part": e.slot.part,
                    "gold": e.slot.gold,
                    "pred": e.slot.pred,
                }
                for e in self.errors
            ],
        }


def error_summary(run: VersionRun, *, worst: int = 5) -> ErrorSummary:
    """Class every missed and false slot of one column; count them; list its worst articles."""
    errors: list[ClassedError] = []
    for result, score in zip(run.results, run.scores, strict=True):
        missing = _ungrounded(result)
        errors += [
            ClassedError(result.article_id, classify(slot, result, missing), slot)
            for slot in score.slots
            if slot.outcome != "tp"
        ]
    counted = Counter(e.error_class for e in errors)
    per_article = Counter(e.article_id for e in errors)
    ranked = sorted(run.scores, key=lambda s: (s.f1, -per_article[s.article_id], s.article_id))
    return ErrorSummary(
        run.label,
        errors,
        {name: counted[name] for name in ERROR_CLASSES},
        [(s.article_id, s.f1, per_article[s.article_id]) for s in ranked[:worst] if s.f1 < 1.0],
    )


def explain(error_class: str) -> str:
    """One line on what an error class means."""
    return _EXPLAINED[error_class]
