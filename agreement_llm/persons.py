"""Rules about the people at a signing (spec 2, Person): who is a person and not an
organization, what part the text says they played, and a name written with its title."""

from __future__ import annotations

import re
from collections.abc import Sequence

from agreement_llm.rules import fold, sentences

__all__ = [
    "is_a_name",
    "looks_like_an_organization",
    "name_after_title",
    "organization_in_title",
    "role_in_text",
    "separate_sentences",
]

_ORGANIZATION_WORDS = re.compile(
    r"\b(?:corp|corporation|company|co|ltd|group|ministry|government|university|center|centre"
    r"|institute|committee|bank|council|department|office|agency|administration|association"
    r"|commission|bureau|province|city)\b"
)


def looks_like_an_organization(name: str) -> bool:
    """True when a "person's" name is an organization's (it has an organization's word)."""
    return bool(_ORGANIZATION_WORDS.search(fold(name)))


_PLACE_WORDS = re.compile(
    r"\b(?:resort|zone|park|port|area|district|county|region|school|hospital|museum|airport)\b"
)


def is_a_name(name: str) -> bool:
    """True when a "person's" name can be a person's: it has a capitalised word ("executive vice
    mayor" is a title) and no word of a place or institution ("... Tourism Resort")."""
    has_capital = any(w[:1].isupper() for w in name.split())
    return has_capital and not _PLACE_WORDS.search(fold(name))


_SIGNED = re.compile(r"\b(?:signed|signs|inked|put (?:their|his|her) signatures?)\b")
_WITNESSED = re.compile(r"\bwitness")
_RUN_TOGETHER = re.compile(r"(?<=[a-z0-9)])\.(?=[A-Z])")  # "in Jinan.Li Ganjie attended"


def separate_sentences(text: str) -> list[str]:
    """The article's sentences, also where the text runs them together at a full stop."""
    return sentences(_RUN_TOGETHER.sub(". ", text))


# "shakes hands with Y after signing the MOU": signing as a verb, not "the signing ceremony"
_AFTER_SIGNING = re.compile(
    r"\b(?:after|upon|before|while|when) signing (?:the|a|an|this|these|two|three|four|five)\b"
)


def role_in_text(
    name: str, candidates: Sequence[str], *, after_signing: bool = False
) -> str | None:
    """What the sentences (`separate_sentences`) naming this person say of their part:
    "signatory" when one says they signed (with `after_signing`, also "after signing the
    MOU"), "witness" when one says they witnessed it, "attendee" otherwise; None when no
    sentence names them."""
    folded = fold(name)
    mine = [s.lower() for s in candidates if folded and f" {folded} " in f" {fold(s)} "]
    if not mine:
        return None
    if any(_SIGNED.search(s) or (after_signing and _AFTER_SIGNING.search(s)) for s in mine):
        return "signatory"
    if any(_WITNESSED.search(s) for s in mine):
        return "witness"
    return "attendee"


_TITLE_WORDS = frozenset(
    [
        "governor",
        "president",
        "mayor",
        "ceo",
        "cfo",
        "coo",
        "minister",
        "chairman",
        "chairwoman",
        "chair",
        "director",
        "secretary",
        "professor",
        "prof",
        "dr",
        "chancellor",
        "manager",
        "premier",
        "ambassador",
        "consul",
        "dean",
        "commissioner",
        "deputy",
        "vice",
        "representative",
        "officer",
        "envoy",
        "principal",
        "emir",
        "prince",
        "sheikh",
        "mr",
        "mrs",
        "ms",
    ]
)


def name_after_title(name: str) -> tuple[str, str] | None:
    """A person's name written with its title before it ("Hebei Governor Niu Maosheng",
    "Masdar CEO Mohamed Jameel Al Ramahi", "Deputy Minister of Energy Samir Valiyev") split
    into (title, name), the name as the capitalised words after the last title word (after
    "of ...", its last two words); None when the name has no title word before a name."""
    words = name.replace("-", " ").split() if " " not in name else name.split()
    last = max(
        (i for i, w in enumerate(words) if w.lower().strip(",.") in _TITLE_WORDS), default=-1
    )
    rest = words[last + 1 :]
    if last < 0 or not rest:
        return None
    if rest[0] in ("of", "for"):
        rest = rest[-2:]
    if len(rest) < 2 or not all(w[:1].isupper() for w in rest) or "," in " ".join(words[:last]):
        return None  # "Li Ganjie, secretary of ...": the name came first
    if looks_like_an_organization(" ".join(rest)):
        return None
    title = " ".join(words[: len(words) - len(rest)])
    return title, " ".join(rest)


_OF_ORGANIZATION = re.compile(r"\bof (?:the )?(?P<org>.+?)(?= under | in | at | and |$)")


def organization_in_title(party: str) -> str | None:
    """The organization a party written as a person with their title names ("Deputy Chairman
    of Azerbaijan Railways CJSC Hijran Valehov" -> "Azerbaijan Railways CJSC", "Masdar CEO
    Mohamed Jameel Al Ramahi" -> "Masdar"): the capitalised words after "of" that name an
    organization (an organization's word, or three words or more), else the capitalised words
    before the first title word; None when the party is not written so."""
    split = name_after_title(party)
    if split is None:
        return None
    title = split[0]
    after = _OF_ORGANIZATION.search(title)
    if after is not None:
        org = after.group("org").strip(" ,")
        words = org.split()
        if all(w[:1].isupper() for w in words) and (
            looks_like_an_organization(org) or len(words) >= 3
        ):
            return org
    words = title.split()
    first = next(i for i, w in enumerate(words) if w.lower().strip(",.") in _TITLE_WORDS)
    before = words[:first]
    if before and len(before) <= 4 and all(w[:1].isupper() for w in before):
        return " ".join(before)
    return None
