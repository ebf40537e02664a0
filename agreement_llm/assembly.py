"""The record assembled from a stepwise version's answers by the spec's rules
(`agreement_llm.rules`): codes are normalised or dropped and flagged instead of failing the
record, the kind follows the title's words, amounts are read from the text as written, dates
the text does not give are dropped, a weekday resolves against the article's own date, one
record per document, the evidence is the article's own sentence, and the people of a signing
attend each agreement signed there.
"""

from __future__ import annotations

from collections.abc import Callable, Collection
from typing import Any

from agreement_llm import areas, documents, persons, rules
from agreement_llm.dates import Context, answered_date, published_on_from_text, signing_date
from agreement_llm.grounding import FoldedText, Match, locate
from agreement_llm.models import (
    Agreement,
    ArticleRecord,
    Money,
    Party,
    Person,
    Role,
    Sector,
    Status,
)
from agreement_llm.parties import (
    collective_parties,
    government_in_full,
    not_in_the_header,
    parties_between,
    parties_in_sentence,
)
from agreement_llm.sectors import sector_from_name, state_owned_group
from agreement_llm.steps import (
    AgreementsAnswer,
    PeopleAnswer,
    SignsForAnswer,
    StepMoney,
    StepParty,
)

__all__ = ["assemble"]


class _Source:
    """The article, for keeping only values found in it (spec: every free-text value is found
    in the text); each value dropped is noted."""

    def __init__(self, text: str, notes: list[str], extra: Collection[str] = ()) -> None:
        self.folded = FoldedText.of(text)
        self.text = text
        self.notes = notes
        self.phrases = "phrases_not_identifiers" in extra
        self.words = "short_values_are_words" in extra
        self.sectors = "sectors_from_names" in extra
        self.as_written = "names_as_written" in extra
        self.titles = "parties_from_titles" in extra
        self.groups = "state_owned_groups" in extra
        self.numbers = "numbers_as_written" in extra  # "1.2 billion" is not near "0.5 billion"
        self.governments = "governments_in_full" in extra  # "People's Government of Jilin"

    def keep(self, value: str | None, where: str) -> str | None:
        value = (value or "").strip()
        if not value:
            return None
        if self.phrases and "_" in value and " " not in value:
            value = value.replace("_", " ")  # "port_logistics": a phrase written as a name
        if locate(value, self.folded, numbers=self.numbers).status is Match.not_found or (
            self.words and len(value) <= 4 and not rules.whole_word_in(value, self.text)
        ):
            self.notes.append(f"{where}: {value!r} is not in the article; dropped")
            return None
        return value

    def keep_all(self, values: list[str], where: str) -> list[str]:
        kept = (self.keep(v, f"{where}[{i}]") for i, v in enumerate(values))
        return [v for v in kept if v]


def _as_written(party: StepParty, source: _Source) -> str | None:
    """The name the article writes for a party the model named more fully ("Jilin Province"
    for "Jilin"): its short name, else the name without up to two last words, when the
    article has it as a whole word."""
    words = party.name.split()
    for shorter in (party.short_name, " ".join(words[:-1]), " ".join(words[:-2])):
        if shorter and len(shorter) > 2 and rules.whole_word_in(shorter, source.text):
            return shorter
    return None


def _party(party: StepParty, where: str, source: _Source) -> Party | None:
    if source.titles and (found := persons.organization_in_title(party.name, source.text)):
        source.notes.append(f"{where}.name: {party.name!r} is a person of {found!r}")
        party = party.model_copy(update={"name": found, "short_name": None})
    name = source.keep(party.name, f"{where}.name")
    if name is None and source.as_written and (found := _as_written(party, source)):
        source.notes.append(f"{where}.name: {party.name!r} is written {found!r} in the article")
        party, name = party.model_copy(update={"name": found}), found
    if name is None:
        return None
    country = rules.country_code(party.country)
    if party.country and country is None:
        source.notes.append(f"{where}.country: {party.country!r} is not a country code; dropped")
    short = source.keep(party.short_name, f"{where}.short_name")
    sector = sector_from_name(name, party.sector) if source.sectors else party.sector
    if source.groups and state_owned_group(name, short):  # "a well-known state-owned group"
        sector = Sector.state_owned_enterprise
    if sector is not party.sector:
        source.notes.append(f"{where}.sector: the name {name!r} says {sector.value}")
    if (
        source.governments
        and sector is Sector.local_government
        and (full := government_in_full(name, source.text))
    ):
        source.notes.append(f"{where}.name: {name!r} is written in full {full!r}")
        name = full
    return Party(name=name, short_name=short, sector=sector, country=country)


def _money(value: StepMoney | None, where: str, source: _Source) -> Money | None:
    text = source.keep(value.text, f"{where}.text") if value is not None else None
    if value is None or text is None:
        return None
    amount = rules.amount_from_text(text)
    currency = rules.currency_from_text(text) or rules.currency_code(value.currency)
    if amount is None or currency is None:
        source.notes.append(f"{where}: {text!r} gives no amount and currency; dropped")
        return None
    return Money(amount=amount, currency=currency, text=text)


def assemble(
    agreements: AgreementsAnswer,
    people: PeopleAnswer | None,
    text: str,
    extra: Collection[str] = (),
    asked: Collection[str] = (),
    signs_for: SignsForAnswer | None = None,
) -> tuple[ArticleRecord, list[str]]:
    """The record the steps' answers make under the spec's rules (and the `extra` rules a
    version names), and notes on each value the rules changed or dropped. An answer whose
    evidence is an `asked` sentence (the `sentences` step's) keeps it; a party that is a person
    (`persons.people_as_parties`) becomes the organization `signs_for` names."""
    notes: list[str] = []
    source = _Source(text, notes, extra)
    own = published_on_from_text(text)
    # an agreement is a document: it is reported by a sentence that names one
    whole = "sentences_past_abbreviations" in extra  # "Co., Ltd. and ..." ends no sentence
    body = rules.sentences(text, past_abbreviations=whole)
    candidates = [s for s in body if rules.names_a_document(s)]
    if "evidence_not_the_headline" in extra:  # a sentence of the body reports it better
        candidates = rules.without_headline(candidates, text) or candidates
    records: list[Agreement] = []
    told: list[Agreement] = []  # the documents an article of several tells one by one
    instead = _organizations(signs_for, people, source)
    for i, answer in enumerate(agreements.agreements):
        where = f"agreements[{i}]"
        if "parties_of_the_sentence" in extra:  # not step 1's parties copied; "18 enterprises"
            answer = parties_in_sentence(answer, text, where, notes)
        parties = [
            p
            for j, raw in enumerate(answer.parties)
            if (p := _party(_signed_for(raw, instead), f"{where}.parties[{j}]", source))
        ]
        if not parties:
            notes.append(f"{where}: no parties; dropped")
            continue
        asked_for = answer.evidence in asked  # the `sentences` step's answer for that sentence
        one_by_one = (
            "documents_one_by_one" in extra
            and asked_for
            and rules.one_document_signed(answer.evidence)
        )
        earlier = agreements.agreements[:i]
        # a document signed before this one, whatever parties it shares with it
        before = (
            asked_for
            and "earlier_documents" in extra
            and documents.earlier_document(answer.evidence)
        )
        if asked_for and not before and documents.repeats(answer, earlier, asked, one_by_one):
            notes.append(f"{where}: the parties of an agreement step 1 found; dropped")
            continue
        title = source.keep(answer.title, f"{where}.title")
        names = [p.name for p in parties] + [p.short_name for p in parties if p.short_name]
        evidence = (
            answer.evidence
            if asked_for
            else rules.best_sentence([*names, title or "", answer.evidence], candidates)
        )
        if evidence is None:
            notes.append(f"{where}: the article names no signed document; dropped")
            continue
        kind = rules.kind_from_title(title) or rules.kind_from_title(evidence) or answer.kind
        count = answer.count if answer.count is None or answer.count >= 1 else None
        if "counts_from_text" in extra:
            count = documents.count_given(count, evidence, where, notes)
        status = answer.status
        if "status_from_text" in extra and (said := rules.status_in_sentence(evidence)):
            if said != status:
                notes.append(f"{where}.status: the evidence sentence says {said}")
            status = Status(said)
        status = Status.earlier if before else status
        signed_on = signing_date(
            answered_date(answer.signed_on, text, own, f"{where}.signed_on", notes),
            Context(evidence, body, own, extra, f"{where}.signed_on", notes),
            background=status is Status.earlier,
        )
        base: dict[str, Any] = {
            "title": title,
            "kind": kind,
            "status": status,
            "count": count,
            "signed_on": signed_on,
            "place": source.keep(answer.place, f"{where}.place"),
            "areas": source.keep_all(answer.areas, f"{where}.areas"),
            "establishes": source.keep_all(answer.establishes, f"{where}.establishes"),
            "value": _money(answer.value, f"{where}.value", source),
            "duration": source.keep(answer.duration, f"{where}.duration"),
            "evidence": evidence,
        }
        several = rules.plural_documents(evidence) or (
            "several_documents" in extra and rules.several_documents(evidence)
        )
        if "partners_from_lists" in extra and several:
            parties = documents.listed_partners(
                parties, evidence, f"{where}.parties", notes, source.sectors
            )
        if len(parties) >= 3 and several:
            notes.append(f"{where}: several documents, one record per partner of {parties[0].name}")
            if "areas_of_lists" in extra:  # a list gives partners; fields only where written
                names = [*(p.name for p in parties), *(p.short_name or "" for p in parties)]
                rest = rules.beside_the_partners(evidence, names)
                kept = [a for a in base["areas"] if rules.whole_word_in(a, rest)]
                if kept != base["areas"]:
                    notes.append(f"{where}.areas: only those the list's sentence writes")
                base["areas"] = kept
            records += [
                Agreement(**{**base, "count": 1, "parties": [parties[0], other]})
                for other in parties[1:]
            ]
        else:
            records.append(Agreement(**base, parties=parties))
            if one_by_one:
                told.append(records[-1])
    if "sides_from_summaries" in extra:  # "... also signed": the other side is the summary's
        records = documents.sides_from_summaries(records, told, asked, notes)
    records = documents.without_told_summaries(records, told, asked, notes)
    after: dict[str, Callable[[list[Agreement], list[str]], list[Agreement]]] = {
        "parties_between": parties_between,
        "collective_parties": collective_parties,  # "various departments of X"
        "areas_from_the_text": lambda r, n: areas.with_listed_areas(
            r, body, n, theirs="earlier_documents" in extra
        ),
        "areas_of_cooperation": lambda r, n: areas.only_fields_of_cooperation(r, body, n),
        "areas_named": areas.without_unnamed,  # "other fields" names none
        "not_the_masthead": lambda r, n: not_in_the_header(r, text, n),
        "one_place": documents.one_place,  # the place of an article's one signing event
    }
    for name, rule in after.items():  # in this order, where the version names them
        records = rule(records, notes) if name in extra else records
    if people is not None:
        if "people_in_titles" in extra:  # "President of X and Lu Yongzheng, Vice Governor of Y"
            people = persons.people_in_titles(people, text, notes)
        records = _seat(records, people, source, extra, text, body)
    return ArticleRecord(published_on=own, agreements=records), notes


def _organizations(
    answer: SignsForAnswer | None, people: PeopleAnswer | None, source: _Source
) -> dict[str, str]:
    """For each person written as a party, the name of the party the `signs_for` step gives
    instead (an organization or country in the article, not the person again)."""
    if answer is None or people is None:
        return {}
    titled = {p.name for p in people.people if p.title}
    instead: dict[str, str] = {}
    for k, item in enumerate(answer.signs_for):
        where = f"signs_for[{k}]"
        name = source.keep(item.organization, f"{where}.organization")
        if item.person not in titled or name is None:
            continue
        if rules.same_organization(name, item.person):
            source.notes.append(f"{where}: {name!r} is the person again; not used")
            continue
        source.notes.append(f"{where}: the party {item.person!r} is a person; {name!r} instead")
        instead[item.person] = name
    return instead


def _signed_for(party: StepParty, instead: dict[str, str]) -> StepParty:
    """The party as answered, or the organization a person written as the party signs for
    (with the sector and country the model gave the party)."""
    if party.name not in instead:
        return party
    return party.model_copy(update={"name": instead[party.name], "short_name": None})


def _seat(
    records: list[Agreement],
    answer: PeopleAnswer,
    source: _Source,
    extra: Collection[str],
    text: str,
    body: list[str],
) -> list[Agreement]:
    """Each person at the signing(s) goes to the agreements signed there: to those whose
    evidence sentence names them when that is some but not all of them (under
    `people_in_their_sentence`), else to those whose parties include the person's organization
    when that is some but not all of them, else to every agreement not mentioned as background
    (a forum's attendees attend each signing). `body` is the article's sentences, as the
    evidence sentences were chosen from them."""
    live = [i for i, r in enumerate(records) if r.status is not Status.earlier] or list(
        range(len(records))
    )
    # split once for every person (roles_from_the_text reads the sentences naming each)
    whole = "sentences_past_abbreviations" in extra
    said = (
        persons.separate_sentences(text, past_abbreviations=whole)
        if "roles_from_the_text" in extra
        else None
    )
    if said is not None and "roles_not_from_headlines" in extra:
        said = rules.without_headline(said, text)
    after = "after_signing_is_signed" in extra  # "X and Y after signing the MOU": they signed
    seats: dict[int, list[Person]] = {i: [] for i in range(len(records))}
    by_sentence = "people_in_their_sentence" in extra
    next_ones = "people_of_the_next_sentence" in extra  # "The document was signed by A and B"
    written_in = [persons.sentences_of(r.evidence, body if next_ones else []) for r in records]
    once = "people_once" in extra  # a person the people step gives twice sits once in each
    for k, person in enumerate(answer.people):
        where = f"people[{k}]"
        name = source.keep(person.name, f"{where}.name")
        if name is None:
            continue
        split = persons.name_after_title(name) if "names_without_titles" in extra else None
        written = None  # the title written before the name, when the model wrote both
        if split is not None and rules.whole_word_in(split[1], text):
            written, name = split
            source.notes.append(f"{where}.name: {name!r} with its title {written!r} before it")
        after_title = persons.name_after(name, text) if "names_after_titles" in extra else None
        if after_title is not None:  # the model gave the title: the name the text writes after it
            source.notes.append(f"{where}.name: {after_title!r}, written after the title {name!r}")
            written, name = written or name, after_title
        if "persons_have_names" in extra and not persons.is_a_name(name):
            source.notes.append(f"{where}.name: {name!r} is not a person's name; dropped")
            continue
        if "people_are_persons" in extra and (
            persons.looks_like_an_organization(name)
            or any(rules.same_organization(name, p.name) for r in records for p in r.parties)
        ):
            source.notes.append(f"{where}.name: {name!r} is an organization, not a person; dropped")
            continue
        found = persons.role_in_text(name, said, after_signing=after) if said is not None else None
        role = persons.role_as_written(person.role, found, name, source.notes, where, extra)
        title = source.keep(person.title, f"{where}.title") or (
            source.keep(written, f"{where}.title") if written else None
        )
        if title and "titles_are_not_names" in extra and persons.holds_the_name(title, name):
            source.notes.append(f"{where}.title: {title!r} holds the name; dropped")
            title = None
        if "titles_from_the_text" in extra:  # the fullest title, as the text writes it
            title = persons.fuller_title(title, persons.title_in_text(name, text))
        organization = source.keep(person.organization, f"{where}.organization")
        if organization is None and title and "organizations_in_titles" in extra:
            # the organization a title names: "president of the State Information Center"
            organization = persons.organization_in_title(f"{title} {name}", text)
        own = [
            i
            for i in live
            if any(
                rules.same_organization(organization, n)
                for p in records[i].parties
                for n in (p.name, p.short_name)
            )
        ]
        if "attendees_at_each" in extra and role in (Role.attendee, Role.presider):
            own = []  # a forum's attendees attend each signing there, whatever their organization
        if by_sentence:  # the sentences of some but not all agreements name them: those
            mine = [i for i in live if any(rules.whole_word_in(name, s) for s in written_in[i])]
            own = mine if mine and len(mine) < len(live) else own
        for i in own if own and len(own) < len(live) else live:
            if once and any(rules.fold(p.name) == rules.fold(name) for p in seats[i]):
                continue
            seats[i].append(Person(name=name, title=title, organization=organization, role=role))
    return [r.model_copy(update={"people": seats[i]}) for i, r in enumerate(records)]
