"""Text folding and normalisation shared by grounding, the gold checker and the scorer."""

from __future__ import annotations

import re
import unicodedata

_QUOTES = str.maketrans(
    {
        "\u2018": "'",
        "\u2019": "'",
        "\u201a": "'",
        "\u201b": "'",
        "\u2032": "'",
        "\u00b4": "'",
        "`": "'",
        "\u201c": '"',
        "\u201d": '"',
        "\u201e": '"',
        "\u201f": '"',
        "\u2033": '"',
        "\u00ab": '"',
        "\u00bb": '"',
        "\u300c": '"',
        "\u300d": '"',
    }
)
_SPACE = re.compile(r"\s+")
_QUOTE_MAP = {chr(k): v for k, v in _QUOTES.items() if isinstance(v, str)}
_PUNCT = re.compile(r"[^\w\s]|_")
_LEGAL_SUFFIXES = ("group co", "corporation", "limited", "company", "corp", "ltd", "inc", "co")


def fold_quotes(text: str) -> str:
    """Curly and other quote marks made straight."""
    if text.isascii():
        return text.replace("`", "'")
    for mark, straight in _QUOTE_MAP.items():  # `in` and str.replace per mark: 5x a regex
        if mark in text:
            text = text.replace(mark, straight)
    return text


def fold_char(ch: str) -> str:
    """Fold one character for grounding: NFKC, case-folded, curly quotes made straight."""
    return fold_quotes(unicodedata.normalize("NFKC", ch).casefold())


def fold(text: str) -> str:
    """Fold text for grounding: NFKC, case, quotes, and runs of white space to one space."""
    if text.isascii():
        return _SPACE.sub(" ", fold_quotes(text.lower())).strip()
    return _SPACE.sub(" ", "".join(fold_char(c) for c in text)).strip()


def normalize(text: str) -> str:
    """Normalise a value for scoring (spec section 5).

    Folded as for grounding, punctuation made spaces, a leading 'the' dropped.
    """
    out = _SPACE.sub(" ", _PUNCT.sub(" ", fold(text))).strip()
    if out.startswith("the "):
        out = out[4:]
    return out


def normalize_org(name: str) -> str:
    """Normalise an organization name: as `normalize`, then legal suffixes dropped."""
    out = normalize(name)
    changed = True
    while changed:
        changed = False
        for suffix in _LEGAL_SUFFIXES:
            if out.endswith(" " + suffix):
                out = out[: -len(suffix) - 1].rstrip()
                changed = True
    return out
