"""Which organizations are a document's parties, and by which name (spec 2, Party; spec 3): the
parties a sentence names for its document ("the Memorandum ... between A and B"), a party the
text names only collectively ("various departments of Tsinghua") or counts ("with 18
enterprises"), a local government by the fullest name the text writes, and no newspaper's
masthead."""

from __future__ import annotations

import re

from agreement_llm import rules
from agreement_llm.models import Agreement, Party, Sector
from agreement_llm.sectors import sector_from_name
from agreement_llm.steps import StepAgreement, StepParty

__all__ = [
    "collective_parties",
    "counted_partners",
    "government_in_full",
    "names_organization",
    "not_in_the_header",
    "parties_between",
    "parties_in_sentence",
    "parties_named",
]

_PLACE = r"(?:\s+(?:province|city|municipality|prefecture|county|district|region))?"
_LEVEL = r"(?:\s+(?:provincial|municipal|city|prefectural|county|district))?"
_PLACE_SUFFIX = re.compile(rf"{_PLACE}$", re.IGNORECASE)


def government_in_full(name: str, text: str) -> str | None:
    """The fullest name the article writes for the government of a party the model named by
    its place ("the People's Government of Jilin Province", "Jilin Provincial People's
    Government" for "Jilin Province"); None when it writes none (spec 2, Party `name`: the
    fullest name as written)."""
    stem = _PLACE_SUFFIX.sub("", name.strip())
    if not stem[:1].isupper() or "government" in name.lower():
        return None
    place = rf"{re.escape(stem)}{_PLACE}"
    pattern = re.compile(
        rf"\bPeople['\u2019]?s\s+Government\s+of\s+(?:the\s+)?{place}\b"
        rf"|\b{place}{_LEVEL}\s+(?:People['\u2019]?s\s+)?Government\b",
        re.IGNORECASE,
    )
    found = [m.group(0) for m in pattern.finditer(text)]
    return max(found, key=len) if found else None


_NAMED_BETWEEN = re.compile(
    r"\b(?:agreements?|memorand\w*|mous?|contracts?|protocols?|letters? of intent)\b"
    # up to eight words of its title, none "to" or a lower-case "-ing" ("on boosting trade")
    r"(?:\s+(?!to\b)(?!(?-i:(?!understanding)[a-z]+ing)\b)[\w\u2019'&-]+){0,8}?"
    r"\s+between\s+(?P<names>.+?)"
    r"(?=[;:(]|(?<!\bCo)(?<!\bLtd)(?<!\bInc)\.(?:\s|$)|,\s+(?-i:[a-z])"
    r"|\s+(?:on|at|to|which|that|was|were|is|are|will|has|have|had|signed)\s|$)",
    re.IGNORECASE,
)


def parties_named(sentence: str) -> list[str]:
    """The parties a sentence names for its document, whole, as written ("the Memorandum of
    Understanding on E-commerce Cooperation between the Ministry of Commerce of China and the
    Ministry of Trade and Industry of Singapore"); [] when it names none, a side by no name
    ("between the two sides"), or what the document is for ("an agreement to deepen
    cooperation between China and Russia", "on boosting trade between ...")."""
    match = _NAMED_BETWEEN.search(sentence)
    if match is None:
        return []
    names = match["names"].strip()
    # "between the A of X and the B of Y": the sides open with "the"; else split at each "and"
    split = (
        r"\s+and\s+the\s+"
        if names.lower().startswith("the ")
        else r",(?!\s*(?:Ltd|Inc|LLC)\b)\s*(?:and\s+)?|\s+and\s+"
    )
    items = [re.sub(r"^the\s+", "", i.strip(), flags=re.IGNORECASE) for i in re.split(split, names)]
    if len(items) < 2 or any(not re.search(r"[A-Z]", i) for i in items):
        return []
    return items


def parties_between(records: list[Agreement], notes: list[str]) -> list[Agreement]:
    """The records whose evidence names their document's parties ("the agreement between A and
    B") with those parties, as written: the answer's party where it is the same organization,
    else one of the sector its name says."""
    out = []
    for i, record in enumerate(records):
        named = parties_named(record.evidence)
        if not named or record.count not in (1, None):
            out.append(record)
            continue
        template = record.parties[0] if record.parties else None
        parties = [
            next((p for p in record.parties if rules.same_organization(p.name, n)), None)
            or Party(
                name=n,
                sector=sector_from_name(n, template.sector if template else Sector.other),
                country=template.country if template else None,
            )
            for n in named
        ]
        if [p.name for p in parties] != [p.name for p in record.parties]:
            notes.append(f"record {i}: the parties its sentence names, {named}")
            record = record.model_copy(update={"parties": parties})
        out.append(record)
    return out


_COLLECTIVE = re.compile(
    r"\b(?:various|several|some|many|a number of|relevant|other)\s+(?:[a-z-]+\s+){0,2}?"
    r"(?:departments|units|organi[sz]ations|institutions|enterprises|companies|firms|agencies"
    r"|bureaus|schools|colleges|institutes|subsidiaries|branches)\s+(?:of|under|from)\s+"
    r"(?:the\s+)?(?P<name>[A-Z][\w'\u2019&-]*(?:\s+[A-Z][\w'\u2019&-]*)*)"
)


def collective_parties(records: list[Agreement], notes: list[str]) -> list[Agreement]:
    """The records with a party their evidence names only collectively ("various departments
    of Tsinghua have signed ...") named by that phrase as written (the spec: "relevant
    organizations of Xiamen" is one party of that name), where the answer gave the
    organization ("Tsinghua University") and the rest of the sentence does not name it."""
    out = []
    for i, record in enumerate(records):
        sentence = f" {rules.fold(_COLLECTIVE.sub(' ', record.evidence))} "  # the rest of it
        parties = list(record.parties)
        for j, party in enumerate(parties):
            name = rules.fold(party.name)
            if f" {name} " in sentence:
                continue
            words = {w for w in name.split() if len(w) > 3}
            for match in _COLLECTIVE.finditer(record.evidence):
                if words & set(rules.fold(match["name"]).split()):
                    phrase = match.group(0)
                    notes.append(f"record {i}: {party.name!r} is named {phrase!r}")
                    parties[j] = party.model_copy(update={"name": phrase, "short_name": None})
                    break
        out.append(record.model_copy(update={"parties": parties}))
    return out


_COUNTED = re.compile(
    r"\bwith\s+(?P<phrase>(?:(?:more than|over|nearly|about|some|around)\s+)?"
    r"(?:\d[\d,]*|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|dozens of|several"
    r"|multiple|a number of)\s+(?:[a-z-]+\s+){0,2}?"
    r"(?:enterprises|companies|firms|businesses|banks|investors|universities|colleges|institutes"
    r"|institutions|organi[sz]ations|cities|provinces|counties|districts))\b"
    r"(?!\s*(?::|,?\s*(?:such as|including|namely|like)\b))"
)


def counted_partners(sentence: str) -> str | None:
    """The partners a sentence counts instead of naming them ("Jinpu signed contracts with 18
    enterprises": "18 enterprises"), as written; None when it names them ("with 3 companies,
    including A") or counts none. The spec: a party the text names only collectively is one
    party whose name is that phrase."""
    match = _COUNTED.search(sentence)
    return match["phrase"] if match and not rules.partners_listed(sentence) else None


_CAPITALISED_RUN = re.compile(r"[A-Z][\w'\u2019&-]*(?:\s+[A-Z][\w'\u2019&-]*)*")


def names_organization(sentence: str, name: str) -> bool:
    """True when a sentence names an organization: its name whole, or the capitalised words
    the name opens with ("Jinpu signed ..." names "Jinpu New Area")."""
    key = rules.fold(name).removeprefix("the ")
    if not key or f" {key} " in f" {rules.fold(sentence)} ":
        return True
    words = key.split()
    return any(
        (run := rules.fold(m.group(0)).split()) == words[: len(run)]
        for m in _CAPITALISED_RUN.finditer(sentence)
    )


def parties_in_sentence(
    answer: StepAgreement, text: str, where: str, notes: list[str]
) -> StepAgreement:
    """The answer with the parties its sentence names and the partners it counts as one party,
    where the sentence counts the partners it signs with ("Jinpu signed contracts with 18
    enterprises": Jinpu and "18 enterprises", not another agreement's party copied); unchanged
    where it counts none, names none of the answer's parties or is not the article's."""
    sentence = answer.evidence
    counted = counted_partners(sentence) if sentence in text else None
    named = [
        p
        for p in answer.parties
        if names_organization(sentence, p.name)
        or (p.short_name and names_organization(sentence, p.short_name))
    ]
    if counted is None or not named:
        return answer
    if not any(rules.same_organization(counted, p.name) for p in named):
        sector = sector_from_name(counted, Sector.other)
        named.append(StepParty(name=counted, short_name=None, sector=sector, country=None))
    if named == answer.parties:
        return answer
    notes.append(f"{where}.parties: those its sentence names, {[p.name for p in named]}")
    return answer.model_copy(update={"parties": named})


def _header_lines(text: str) -> list[str]:
    """The short lines above an article's first paragraph that neither end a sentence nor
    speak of a document or a signing: a masthead ("Saskatoon StarPhoenix"), a byline, a site's
    name; not a headline ("Alpha and Beta sign MoU")."""
    header = []
    for line in (line.strip() for line in text.split("\n")):
        if line.startswith(("SOURCE:", "TITLE:")):
            continue
        if len(line.split()) >= 10:
            break
        if (
            0 < len(line.split()) <= 4
            and not line.endswith((".", "!", "?", "\u3002"))
            and not (rules.names_a_document(line) or rules.signing_verb(line))
        ):
            header.append(line)
    return header


def not_in_the_header(records: list[Agreement], text: str, notes: list[str]) -> list[Agreement]:
    """The records without a party or place the article writes only in its header lines (a
    newspaper's masthead is no party to the agreements it reports, nor their place; spec 2:
    parties are not reporters). A record keeps its last party."""
    header = set(_header_lines(text))
    rest = " ".join(
        rules.fold(line)
        for line in text.split("\n")
        if line.strip() not in header and not line.startswith("SOURCE:")
    )

    top = " ".join(rules.fold(line) for line in header)

    def only_there(value: str) -> bool:
        key = f" {rules.fold(value)} "
        return key.strip() != "" and key in f" {top} " and key not in f" {rest} "

    out = []
    for i, record in enumerate(records):
        parties = [p for p in record.parties if not only_there(p.name)] or record.parties
        place = None if record.place and only_there(record.place) else record.place
        if parties != record.parties or place != record.place:
            notes.append(f"record {i}: no party or place from the article's header lines")
            record = record.model_copy(update={"parties": parties, "place": place})
        out.append(record)
    return out
