"""One record per document (the spec's labelling rules): a document a sentence names with
parties of its own is found, a list of partners is split into one record each, a document the
model wrote again for another sentence is dropped, as is a record counting several documents
the article tells one by one (whose documents told with one party take the side it shares with
them); the documents of one signing event share its place. Which organizations are a
document's parties, and by which name, is `agreement_llm.parties`."""

from __future__ import annotations

import re
from collections.abc import Collection

from agreement_llm import rules
from agreement_llm.models import Agreement, Party, Status
from agreement_llm.sectors import sector_from_name
from agreement_llm.steps import StepAgreement

__all__ = [
    "count_given",
    "document_parties",
    "earlier_document",
    "listed_partners",
    "names_new_parties",
    "one_place",
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


def _has(record: Agreement, party: Party) -> bool:
    """True when one of the record's parties is the same organization as `party`."""
    return any(rules.same_organization(party.name, q.name) for q in record.parties)


def _share_a_party(a: Agreement, b: Agreement) -> bool:
    return any(_has(b, p) for p in a.parties)


def sides_from_summaries(
    records: list[Agreement], told: list[Agreement], asked: Collection[str], notes: list[str]
) -> list[Agreement]:
    """The records with the party a summary ("Azerbaijan and UAE's Masdar company signed four
    memorandums") shares with each of the documents the article then tells one by one given to
    those of them told with one party ("A memorandum on ... was also signed": its other side is
    the summary's). `told` is updated in place."""
    out = list(records)
    for summary in records:
        if (summary.count or 1) < 2 or summary.evidence in asked:
            continue
        mine = [t for t in told if _share_a_party(t, summary)]
        lone = [t for t in told if len(t.parties) == 1 and t not in mine]
        common = [p for p in (mine[0].parties if mine else []) if all(_has(t, p) for t in mine)]
        common = [p for p in common if _has(summary, p)]
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
            mine = [t for t in told if _share_a_party(t, record)]
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


_BEFORE_THIS_ONE = re.compile(
    r"\b(?:preceding|previous|former|earlier|last)\s+(?:round|phase|batch)\s+of\b"
    r"|\bsince (?:the )?signing of\b"
    r"|\b(?:preceding|previous|former|earlier)\s+(?:[a-z-]+\s+){0,3}?"
    r"(?:agreements?|memorand\w*|mous?|contracts?)\b"
)


def earlier_document(sentence: str) -> bool:
    """True when a sentence tells of a document signed before the article's event: its status
    is "earlier" (`status_in_sentence`), or it speaks of a preceding round or document ("since
    the signing of the preceding round of strategic cooperation agreement")."""
    low = " ".join(sentence.lower().split())
    return rules.names_a_document(sentence) and (
        rules.status_in_sentence(sentence) == "earlier" or bool(_BEFORE_THIS_ONE.search(low))
    )
