"""Rules about the people at a signing (spec 2, Person): who is a person and not an
organization, what part the text says they played, a name written with its title, and the title
the text writes beside a name."""

from __future__ import annotations

import re
from collections.abc import Collection, Sequence

from agreement_llm.models import Role
from agreement_llm.rules import fold, sentences, whole_word_in
from agreement_llm.steps import AgreementsAnswer, PeopleAnswer

__all__ = [
    "fuller_title",
    "holds_the_name",
    "is_a_name",
    "looks_like_an_organization",
    "name_after",
    "name_after_title",
    "organization_in_title",
    "people_as_parties",
    "people_in_titles",
    "role_as_written",
    "role_in_text",
    "sentences_of",
    "separate_sentences",
    "title_in_text",
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


def separate_sentences(text: str, *, past_abbreviations: bool = False) -> list[str]:
    """The article's sentences, also where the text runs them together at a full stop (with
    `past_abbreviations`, as `rules.sentences` splits them)."""
    return sentences(_RUN_TOGETHER.sub(". ", text), past_abbreviations=past_abbreviations)


# "The document was signed by A and B": a sentence that speaks of the one document just named
_REFERS_BACK = re.compile(
    r"(?:the|this|that)\s+(?:document|agreement|memorandum|mou|deal|contract|pact)\b(?!s)"
    r"|it\s+was\s+(?:signed|inked)\b",
    re.IGNORECASE,
)


def sentences_of(evidence: str, candidates: Sequence[str]) -> list[str]:
    """An agreement's evidence sentence, and the sentence after it (in `candidates`, the
    article's sentences) when that one opens by speaking of the document just named ("The
    document was signed by A and B")."""
    after = [
        candidates[i + 1]
        for i, sentence in enumerate(candidates[:-1])
        if sentence == evidence and _REFERS_BACK.match(candidates[i + 1])
    ]
    return [evidence, *after]


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


def role_as_written(
    role: Role, found: str | None, name: str, notes: list[str], where: str, extra: Collection[str]
) -> Role:
    """The person's role as the text supports it (`found`, from `role_in_text`): signatory when
    the text says they signed, not signatory when it does not, witness for an attendee the
    text says witnessed it (rule `witnesses_from_the_text`) and attendee for a witness it says
    only attended or spoke (`witnesses_as_written`); each change is noted."""
    if found == "signatory" and role is not Role.signatory:
        notes.append(f"{where}.role: the text says {name} signed: signatory")
        return Role.signatory
    if found is not None and found != "signatory" and role is Role.signatory:
        notes.append(f"{where}.role: the text does not say {name} signed: {found}")
        return Role(found)
    if found == "witness" and role is Role.attendee and "witnesses_from_the_text" in extra:
        notes.append(f"{where}.role: the text says {name} witnessed it: witness")
        return Role.witness
    if found == "attendee" and role is Role.witness and "witnesses_as_written" in extra:
        notes.append(f"{where}.role: the text does not say {name} witnessed it: attendee")
        return Role.attendee
    return role


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


_NAME = r"(?P<name>[A-Z][\w'\u2019-]+(?:\s+[A-Z][\w'\u2019-]+){1,3})\b(?!\s+(?:of|for)\b)"


def name_after(title: str, text: str) -> str | None:
    """The name the text writes right after a title the model gave as a person's name
    ("Minister of Industry, Mines and Energy, Neila Nouira Genji"); None when the value does
    not open with a title word or no capitalised name follows it in the text."""
    first = fold(title).split()[:1]
    if not first or first[0] not in _TITLE_WORDS:
        return None
    found = re.search(re.escape(title) + r",?\s+" + _NAME, text)
    name = found.group("name") if found else None
    return name if name and not looks_like_an_organization(name) else None


_OF_ORGANIZATION = re.compile(r"\bof (?:the )?(?P<org>.+?)(?= under | in | at | and |$)")


def organization_in_title(party: str, text: str | None = None) -> str | None:
    """The organization a party written as a person with their title names ("Deputy Chairman
    of Azerbaijan Railways CJSC Hijran Valehov" -> "Azerbaijan Railways CJSC", "Masdar CEO
    Mohamed Jameel Al Ramahi" -> "Masdar"): the capitalised words after "of" that name an
    organization (an organization's word, or three words or more), else the capitalised words
    before the first title word; None when the party is not written so, or when `text` is
    given and does not have the organization as whole words."""
    found = _organization_in_title(party)
    return None if found is None or (text is not None and not whole_word_in(found, text)) else found


def _organization_in_title(party: str) -> str | None:
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


_CONNECTORS = frozenset(["of", "the", "and", "&", "for", "in", "under"])
_OPENERS = frozenset(
    ["when", "as", "after", "afterwards", "later", "also", "then", "while", "today", "yesterday"]
)
_HONORIFICS = frozenset(["professor", "prof", "dr", "mr", "mrs", "ms"])  # not a title alone


def _title_word(word: str) -> bool:
    bare = word.lower().strip(",.;:").removesuffix("\u2019s").removesuffix("'s")
    return any(part in _TITLE_WORDS for part in bare.split("-"))


def _in_title(word: str) -> bool:
    return word[:1].isupper() or _title_word(word) or word in _CONNECTORS


def _trimmed(words: list[str]) -> str | None:
    while words and (words[0] in _CONNECTORS or words[0].lower() in _OPENERS):
        words = words[1:]
    while words and words[-1] in _CONNECTORS:
        words = words[:-1]
    titled = any(_title_word(w) and w.lower().strip(".") not in _HONORIFICS for w in words)
    return " ".join(words) if titled else None


def _title_before(before: str) -> str | None:
    """ "CMG Chairman Li Jianhong", "CIMC's Executive Vice President and CIMC Enric Chairman Gao
    Xiang": the capitalised and title words right before a name (the text `before` it), back
    to a comma, a lower-case word or an "and" after no title word."""
    words = before.split()
    kept: list[str] = []
    for i in range(len(words) - 1, -1, -1):
        word = words[i]
        if word.endswith((",", ".", ";", ":")) or not _in_title(word):
            break
        if word == "and" and not (i > 0 and _title_word(words[i - 1])):
            break
        kept.insert(0, word)
    return _trimmed(kept)


_CLAUSE = re.compile(r",\s+(?P<clause>[^,;:()]+)")


def _title_after(after: str) -> str | None:
    """ "Zhang Ping, Secretary-General of Guizhou Provincial Government, ...": the capitalised
    and title words after a name (the text `after` it) and its comma, up to the clause's end, a
    lower-case word, or an "and" that opens no further title."""
    match = _CLAUSE.match(after)
    if match is None:
        return None
    words = match["clause"].split()
    kept: list[str] = []
    for i, word in enumerate(words):
        if not _in_title(word):
            break
        if word == "and" and not (i + 1 < len(words) and _title_word(words[i + 1])):
            break
        kept.append(word)
        if word.endswith(".") and not word[:-1].isupper():
            break  # the sentence ends
    title = _trimmed(kept) if len(kept) <= 20 else None
    return title.rstrip(".") if title else None


def title_in_text(name: str, text: str) -> str | None:
    """The title the article writes beside a person's name (spec 2, Person `title`, as
    written), where the name first has one: the words right before it ("CMG Chairman Li
    Jianhong"), else the clause after it ("Lu Yongzheng, Vice Governor of Guizhou Province,");
    None when no mention of the name has a title beside it."""
    for match in re.finditer(re.escape(name), text) if name else ():
        title = _title_before(text[: match.start()]) or _title_after(text[match.end() :])
        if title:
            return title
    return None


_AND_ANOTHER = re.compile(
    r"^(?P<own>.+?)\s+and\s+(?P<name>[A-Z][\w'\u2019-]*(?:\s+[A-Z][\w'\u2019-]*){1,2}),\s+"
    r"(?P<title>.+)$"
)


def _a_persons_name(value: str, text: str) -> bool:
    words = value.split()
    return (
        2 <= len(words) <= 3
        and all(w[:1].isupper() for w in words)
        and is_a_name(value)
        and not looks_like_an_organization(value)
        and not any(_title_word(w) for w in words)
        and whole_word_in(value, text)
    )


def people_in_titles(answer: PeopleAnswer, text: str, notes: list[str]) -> PeopleAnswer:
    """The answer with a person the model wrote into another's title made a person of their
    own, with the same role: "President of Southeast University and Lu Yongzheng, Vice
    Governor of Guizhou Province" is one title and then Lu Yongzheng with his; a title that is
    only a name ("Yao Kai", of "Zhang Dong, Yao Kai and Wang Zhipeng attended") is that
    person, with no title, and the first has none either."""
    people = []
    for k, person in enumerate(answer.people):
        title = (person.title or "").strip()
        match = _AND_ANOTHER.match(title)
        if _a_persons_name(title, text) and fold(title) != fold(person.name):
            own, name, theirs = None, title, None
        elif match and _a_persons_name(match["name"], text) and match["name"] != person.name:
            own, name, theirs = match["own"], match["name"], match["title"]
        else:  # no other person (a title that is the person's own name is no title: later)
            people.append(person)
            continue
        notes.append(f"people[{k}].title: {name!r} is another person at the signing")
        people.append(person.model_copy(update={"title": own}))
        people.append(
            person.model_copy(update={"name": name, "title": theirs, "organization": None})
        )
    return answer.model_copy(update={"people": people})


def holds_the_name(title: str, name: str) -> bool:
    """True when a person's "title" holds their own name ("Vice-Chancellor-Professor-Alex-
    Zelinsky" for Alex Zelinsky, an image's file name): it is no title as written."""
    words = fold(title.replace("-", " ")).split()
    return bool(name.split()) and all(w in words for w in fold(name).split())


def fuller_title(given: str | None, written: str | None) -> str | None:
    """Of the title the model gave and the one the text writes beside the name
    (`title_in_text`), the fuller: the written one when none was given, when the given one
    holds no title word ("presider"), or when the written one contains it."""
    if written is None:
        return given
    if given is None or not any(_title_word(w) for w in given.split()):
        return written
    return written if f" {fold(given)} " in f" {fold(written)} " else given


def people_as_parties(
    agreements: AgreementsAnswer, people: PeopleAnswer | None, text: str, extra: Collection[str]
) -> list[str]:
    """The parties of the answer that are people: a name the people step gives with a title
    (the minister who signed, written as the party), not an organization's name, and (under
    `parties_from_titles`) not one whose title names its organization."""
    named = {p.name for p in people.people if p.title} if people is not None else set()
    titles = "parties_from_titles" in extra
    found = [
        party.name
        for answer in agreements.agreements
        for party in answer.parties
        if party.name in named
        and not looks_like_an_organization(party.name)
        and not (titles and organization_in_title(party.name, text))
    ]
    return list(dict.fromkeys(found))
