"""Worked examples chosen per article: hand-labelled records of other articles, shown to the
model before it answers.

A prompt version that uses them holds `examples.json` (written by `agreement-llm prompts
examples`, from a gold set): for each labelled article, its text's hash, its words and the
answer its gold record makes. For an article, the examples are the most similar articles by
their words, never the article itself (its text's hash), so an evaluation over the gold set is
leave-one-out while a user's `extract` draws on the whole set.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Sequence
from pathlib import Path

from pydantic import BaseModel, ConfigDict, TypeAdapter

from agreement_llm.articles import text_sha256
from agreement_llm.errors import InputError

__all__ = ["Example", "choose", "parse_examples", "render", "text_key", "words_of"]

_WORD = re.compile(r"[a-z][a-z'-]{3,}")
_COMMON = frozenset(
    [
        "that",
        "this",
        "with",
        "from",
        "have",
        "were",
        "will",
        "which",
        "their",
        "said",
        "also",
        "been",
        "they",
        "more",
        "than",
        "into",
        "about",
        "after",
        "other",
        "would",
        "there",
        "these",
        "when",
        "what",
        "year",
        "years",
        "while",
        "where",
    ]
)


class Example(BaseModel):
    """One labelled article as an example: its text's hash, its words, the answer it makes."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    article_id: str
    text_sha256: str
    words: list[str]
    answer: str


def text_key(text: str) -> str:
    """The hash that identifies an article's text (outer white space aside)."""
    return text_sha256(text.strip())


def words_of(text: str) -> list[str]:
    """The distinct content words of a text, lower-cased and sorted."""
    return sorted(set(_WORD.findall(text.lower())) - _COMMON)


def parse_examples(data: bytes, path: Path) -> tuple[Example, ...]:
    """The examples of a prompt version's `examples.json` (`data`, read from `path`)."""
    try:
        return tuple(TypeAdapter(list[Example]).validate_json(data))
    except ValueError as exc:
        raise InputError(f"{path}: not a list of examples ({str(exc).splitlines()[0]})") from None


def choose(examples: Sequence[Example], text: str, count: int) -> list[Example]:
    """The `count` examples whose words are most like the article's (cosine over the sets of
    words; ties by article id), leaving out the article itself."""
    own = set(words_of(text))
    key = text_key(text)

    def likeness(example: Example) -> float:
        theirs = set(example.words)
        return len(own & theirs) / math.sqrt(max(1, len(own)) * max(1, len(theirs)))

    pool = [e for e in examples if e.text_sha256 != key]
    return sorted(pool, key=lambda e: (-likeness(e), e.article_id))[:count]


def render(chosen: Sequence[Example]) -> str:
    """The examples as they open a step's cue."""
    if not chosen:
        return ""
    shown = "\n\n".join(f"Example {i}:\n{e.answer}" for i, e in enumerate(chosen, start=1))
    return (
        "Answers to step 1 for other articles (examples of the form, not of this article's "
        f"content):\n\n{shown}\n\n"
    )


def dump(examples: Sequence[Example]) -> str:
    """`examples.json` for these examples."""
    return json.dumps([e.model_dump() for e in examples], ensure_ascii=False, indent=1) + "\n"
