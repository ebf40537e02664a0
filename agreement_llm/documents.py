"""One record per document (the spec's labelling rules): a document a sentence names with
parties of its own is found, a list of partners is split into one record each, a document the
model wrote again for another sentence is dropped, as is a record counting several documents
the article tells one by one; a party the text names only collectively is named so, and one by
its place is the government the text names in full; the documents of one signing event share
its place."""

from __future__ import annotations

import re
from collections.abc import Collection

from agreement_llm import rules
from agreement_llm.models import Agreement, Party, Sector, Status
from agreement_llm.sectors import sector_from_name
from agreement_llm.steps import StepAgreement, StepParty

__all__ = [
    "collective_parties",
    "count_given",
    "counted_partners",
    "document_parties",
    "government_in_full",
    "listed_partners",
    "names_new_parties",
    "names_organization",
    "not_in_the_header",
    "one_place",
    "parties_between",
    "parties_in_sentence",
    "repeats",
    "sides_from_summaries",
    "without_told_summaries",
]

_DOCUMENT_BETWEEN = re.compile(
    r"\b(?:agreement|memorandum(?: of understanding)?|mou|moc|contract|protocol|letter of intent)"
    r"\s+(?:among|between)\s+(?P<names>[^;:]+)",
    re.IGNORECASE,
)
_LEGAL_SUFFIX = re.compile(r"^(?:co|ltd|inc|llc|corp|plc|limited|s\.?a|ag|gmbh)\.?$", re.IGNORECASE)


def document_parties(sentence: str) -> list[str]:
    """The organizations a sentence names as one document's parties ("the Cooperation
    Agreement among A, B and C", "a memorandum between A and B"), as written; [] for none."""
    match = _DOCUMENT_BETWEEN.search(sentence)
    if match is None:
        return []
    items = re.split(r",\s*|\s+and\s+", match["names"].rstrip(". "))
    names = [rules.name_at_start(i.strip()) for i in items if not _LEGAL_SUFFIX.match(i.strip())]
    return [n for n in names if n]


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


def names_new_parties(sentence: str, known: Collection[str]) -> bool:
    """True when a sentence tells of a document signed whose parties, as the sentence names
    them, include one that is none of the `known` organizations: another document."""
    if not rules.signing_verb(sentence):
        return False
    return any(
        not any(rules.same_organization(name, k) for k in known)
        for name in document_parties(sentence)
    )


def listed_partners(
    parties: list[Party], evidence: str, where: str, notes: list[str], sectors: bool
) -> list[Party]:
    """For a sentence of several documents that lists their partners ("signed agreements with
    cities such as A, B and C"): the party that signed with them, then one party per listed
    name (the answer's own party where it is that name). Else the parties as answered."""
    listed = rules.partners_listed(evidence)
    words = set(rules.fold(evidence).split())
    signers = [
        p
        for p in parties
        if not any(rules.same_organization(p.name, name) for name in listed)
        and any(len(w) > 3 and w in words for w in rules.fold(p.name).split())
    ]
    if not listed or not signers:
        return parties
    signer = signers[0]
    others = [p for p in parties if p is not signer]
    template = others[0] if others else signer
    partners = [
        next((p for p in others if rules.same_organization(p.name, name)), None)
        or Party(
            name=name,
            sector=sector_from_name(name, template.sector) if sectors else template.sector,
            country=template.country,
        )
        for name in listed
    ]
    if partners == others:
        return parties
    notes.append(f"{where}: the {len(listed)} partners the sentence lists")
    return [signer, *partners]


def sides_from_summaries(
    records: list[Agreement], told: list[Agreement], asked: Collection[str], notes: list[str]
) -> list[Agreement]:
    """The records with the party a summary ("Azerbaijan and UAE's Masdar company signed four
    memorandums") shares with each of the documents the article then tells one by one given to
    those of them told with one party ("A memorandum on ... was also signed": its other side is
    the summary's). `told` is updated in place."""
    out = list(records)

    def has(record: Agreement, party: Party) -> bool:
        return any(rules.same_organization(party.name, q.name) for q in record.parties)

    for summary in records:
        if (summary.count or 1) < 2 or summary.evidence in asked:
            continue
        mine = [t for t in told if any(has(summary, p) for p in t.parties)]
        lone = [t for t in told if len(t.parties) == 1 and t not in mine]
        common = [p for p in (mine[0].parties if mine else []) if all(has(t, p) for t in mine)]
        common = [p for p in common if has(summary, p)]
        if not lone or len(common) != 1 or len(mine) + len(lone) < (summary.count or 1):
            continue
        for t in lone:
            i, j = out.index(t), told.index(t)
            notes.append(f"record {i}: the other side of the documents its summary counts")
            out[i] = told[j] = t.model_copy(update={"parties": [*t.parties, common[0]]})
    return out


def without_told_summaries(
    records: list[Agreement], told: list[Agreement], asked: Collection[str], notes: list[str]
) -> list[Agreement]:
    """The records without those that count several documents ("signed four memorandums")
    when the article tells at least that many of them one by one with a party in common: the
    documents have their own records (one record per document)."""
    kept = []
    for i, record in enumerate(records):
        count = record.count or 1
        if count > 1 and record.evidence not in asked:
            mine = [
                t
                for t in told
                if any(
                    rules.same_organization(p.name, q.name)
                    for p in t.parties
                    for q in record.parties
                )
            ]
            if len(mine) >= count:
                notes.append(f"record {i}: its {count} documents told one by one; dropped")
                continue
        kept.append(record)
    return kept


def repeats(
    answer: StepAgreement,
    earlier: list[StepAgreement],
    asked: Collection[str],
    told: bool = False,
) -> bool:
    """True when every party of a `sentences` step's answer is a party of one of step 1's
    answers (the model wrote that agreement again for another sentence). A `told` answer (one
    of several documents the article tells one by one) repeats only an answer of one document
    or a list of three or more parties, not one that counts the documents it is one of."""
    return any(
        all(
            any(rules.same_organization(p.name, q.name) for q in found.parties)
            for p in answer.parties
        )
        for found in earlier
        if found.evidence not in asked
        and (not told or (found.count or 1) == 1 or len(found.parties) >= 3)
    )


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


def count_given(count: int | None, evidence: str, where: str, notes: list[str]) -> int | None:
    """A count is a number the evidence gives; else 1 for one document, null for several."""
    if count == 1 or (count is not None and rules.number_in(count, evidence)):
        return count
    several = rules.plural_documents(evidence)
    if count is None and several:
        return None
    notes.append(f"{where}.count: {count} is not a number the sentence gives")
    return None if several else 1


def one_place(records: list[Agreement], notes: list[str]) -> list[Agreement]:
    """The records signed at the event an article reports, given the one place that any of
    them has where the others have none (agreements signed at one event share its place)."""
    signed = [i for i, r in enumerate(records) if r.status is Status.signed]
    given = [place for i in signed if (place := records[i].place)]
    if len({rules.fold(place) for place in given}) != 1:
        return records
    place = given[0]
    out = list(records)
    for i in signed:
        if not out[i].place:
            notes.append(f"agreements[{i}].place: the event's place, {place!r}")
            out[i] = out[i].model_copy(update={"place": place})
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
