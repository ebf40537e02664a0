"""Rules the spec fixes, applied in code to a model's answer instead of asked of the model.

Each function is deterministic and reads only the article and the answer: a code that
maps with certainty (RMB -> CNY), the kind from the words of a title, a money amount from the
text as written, the sentence that best reports an agreement, one record per document, and
which people attend which signing.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence

from agreement_llm.models import AgreementKind, is_country_code, is_currency_code

__all__ = [
    "amount_from_text",
    "beside_the_partners",
    "best_sentence",
    "country_code",
    "currency_code",
    "currency_from_text",
    "fold",
    "kind_from_title",
    "name_at_start",
    "names_a_document",
    "one_document_signed",
    "partners_listed",
    "plural_documents",
    "same_organization",
    "sentences",
    "several_documents",
    "signing_verb",
    "status_in_sentence",
    "whole_word_in",
    "without_headline",
]

# Mappings that are certain; anything else that is not a code is dropped (and flagged).
_COUNTRY_ALIASES = {"UK": "GB", "EL": "GR", "PRC": "CN", "CHN": "CN", "USA": "US", "UAE": "AE"}
_CURRENCY_ALIASES = {
    "RMB": "CNY",
    "YUAN": "CNY",
    "RENMINBI": "CNY",
    "CNH": "CNY",
    "US$": "USD",
    "$": "USD",
    "DOLLAR": "USD",
    "DOLLARS": "USD",
    "€": "EUR",
    "EURO": "EUR",
    "EUROS": "EUR",
    "£": "GBP",
    "HK$": "HKD",
    "¥": "CNY",
}


def country_code(value: str | None) -> str | None:
    """`value` as an ISO 3166-1 alpha-2 code when it is one or maps to one with certainty."""
    if value is None:
        return None
    code = value.strip().upper()
    code = _COUNTRY_ALIASES.get(code, code)
    return code if len(code) == 2 and is_country_code(code) else None


def currency_code(value: str | None) -> str | None:
    """`value` as an ISO 4217 code when it is one or maps to one with certainty."""
    if value is None:
        return None
    code = value.strip().upper()
    code = _CURRENCY_ALIASES.get(code, code)
    return code if len(code) == 3 and is_currency_code(code) else None


_CURRENCY_WORDS = (
    (re.compile(r"hk\$|\bhkd\b|hong kong dollars?"), "HKD"),
    (re.compile(r"us\$|\busd\b|(?:us |american |u\.s\. )?dollars?"), "USD"),
    (re.compile(r"\brmb\b|\byuan\b|renminbi|\bcny\b|¥"), "CNY"),
    (re.compile(r"€|\beuros?\b|\beur\b"), "EUR"),
    (re.compile(r"£|\bpounds? sterling\b|\bgbp\b"), "GBP"),
)
_SCALES = {"thousand": 1e3, "million": 1e6, "billion": 1e9, "trillion": 1e12, "bn": 1e9, "mn": 1e6}
_AMOUNT = re.compile(
    r"(\d{1,3}(?:,\d{3})+|\d+)(\.\d+)?\s*(thousand|million|billion|trillion|bn|mn)?\b", re.I
)


def currency_from_text(text: str) -> str | None:
    """The currency a money phrase names first, when it names one."""
    low = text.lower()
    found = [(m.start(), code) for rx, code in _CURRENCY_WORDS if (m := rx.search(low))]
    return min(found)[1] if found else None


def amount_from_text(text: str) -> float | None:
    """The first amount a money phrase gives ("70.5 billion yuan" -> 70500000000.0)."""
    match = _AMOUNT.search(text)
    if match is None:
        return None
    number = float(match.group(1).replace(",", "") + (match.group(2) or ""))
    return number * _SCALES.get((match.group(3) or "").lower(), 1.0)


_KIND_WORDS: tuple[tuple[re.Pattern[str], AgreementKind], ...] = tuple(
    (re.compile(pattern), kind)
    for pattern, kind in (
        (r"memorand|\bmous?\b|\bmocs?\b", AgreementKind.memorandum_of_understanding),
        (r"letters? of intent", AgreementKind.letter_of_intent),
        (
            r"sister[- ]cit|friendship[- ]cit|twin(?:ning)?[- ]cit",
            AgreementKind.sister_city_agreement,
        ),
        (
            r"strategic\b.*\bframework|framework\b.*\bstrategic",
            AgreementKind.strategic_cooperation_framework_agreement,
        ),
        (r"framework", AgreementKind.framework_agreement),
        (r"strategic (?:cooperation|partnership)", AgreementKind.strategic_cooperation_agreement),
        (r"investment (?:agreement|contract|deal)", AgreementKind.investment_agreement),
        (
            r"(?:cooperation|co-construction|partnership|collaboration) agreement",
            AgreementKind.cooperation_agreement,
        ),
        (r"\bcontracts?\b", AgreementKind.contract),
    )
)
_MIXED = re.compile(r"\b(?:and|or)\b")


def kind_from_title(title: str | None) -> AgreementKind | None:
    """The kind the words of a title name (spec: "pick from the words the article uses"), or
    None when they name none; a title naming two kinds of document is `other`."""
    if not title:
        return None
    low = title.lower()
    kinds = {kind for rx, kind in _KIND_WORDS if rx.search(low)}
    if not kinds:
        return None
    if len(kinds) > 1 and _MIXED.search(low) and AgreementKind.memorandum_of_understanding in kinds:
        return AgreementKind.other  # "MOUs and letters of intent": a batch of mixed kinds
    return next(kind for rx, kind in _KIND_WORDS if kind in kinds)


def fold(text: str) -> str:
    """The text lowercased, punctuation as spaces, spaces collapsed (for comparing names)."""
    text = unicodedata.normalize("NFKC", text).lower()
    return " ".join(re.sub(r"[^\w\s]", " ", text).split())


_SENTENCE_END = re.compile(r"(?<=[.!?。])\s+|\n+")
_ABBREVIATION = re.compile(
    r"\b(?:co|no|nos|mr|mrs|ms|dr|st|jr|sr|inc|ltd|corp|gov|prof|dept|vs|etc)\.$", re.IGNORECASE
)


def sentences(text: str, *, past_abbreviations: bool = False) -> list[str]:
    """The article's sentences (its lines split at sentence ends), header lines left out. With
    `past_abbreviations`, a full stop that ends an abbreviation ("Co., Ltd. and", "No. 4") or
    is followed by a lower-case word ("etc. since") ends no sentence."""
    body = "\n".join(
        line for line in text.split("\n") if not line.startswith(("SOURCE:", "TITLE:"))
    )
    parts, start = [], 0
    for end in _SENTENCE_END.finditer(body):
        if (
            past_abbreviations
            and "\n" not in end.group()
            and (
                _ABBREVIATION.search(body[start : end.start()])
                or body[end.end() : end.end() + 1].islower()
            )
        ):
            continue
        parts.append(body[start : end.start()])
        start = end.end()
    parts.append(body[start:])
    return [p.strip() for p in parts if len(p.strip()) > 20]


_SIGNING = re.compile(
    r"\b(?:sign|signs|signed|signing|ink|inked|agreements?|memorand|mous?|contracts?)"
)


def without_headline(candidates: Sequence[str], text: str) -> list[str]:
    """The sentences less the article's headline (its first line, when that does not end a
    sentence): a headline runs its clauses together ("A and B Signed agreement Li Ganjie
    attended the signing ceremony")."""
    lines = [line.strip() for line in text.split("\n") if line.strip()]
    first = lines[0] if lines else ""
    headline = "" if first.endswith((".", "!", "?", "。", '"', "”")) else f" {fold(first)} "
    return [s for s in candidates if not ((f := fold(s)) and f" {f} " in headline)]


def best_sentence(names: Sequence[str], candidates: Sequence[str]) -> str | None:
    """The sentence that names most of `names` and speaks of signing (ties: the first)."""
    keys = [fold(n) for n in names if n and fold(n)]
    best: tuple[float, str] | None = None
    for sentence in candidates:
        folded = f" {fold(sentence)} "
        score = sum(1.0 for k in keys if f" {k} " in folded)
        score += 1.5 if _SIGNING.search(sentence.lower()) else 0.0
        if best is None or score > best[0]:
            best = (score, sentence)
    return best[1] if best else None


_DOCUMENT = re.compile(
    r"\b(?:agreements?|memorand(?:um|a|ums)|mous?|mocs?|contracts?|deals?|letters? of intent"
    r"|protocols?|accords?|pacts?|treaty|treaties)\b"
)


def names_a_document(sentence: str) -> bool:
    """True when a sentence names a document that can be signed (an agreement is a document:
    a sentence about talks, visits or wishes to cooperate names none)."""
    return bool(_DOCUMENT.search(sentence.lower()))


_PLURAL_DOCUMENTS = re.compile(
    r"\b(?:agreements|memoranda|memorandums|mous|mocs|contracts|deals|letters of intent)\b"
)
_JOINT = re.compile(r"\b(?:tripartite|trilateral|triparty|joint|jointly|among|multilateral)\b")


def plural_documents(sentence: str) -> bool:
    """True when a sentence speaks of several documents and not of one joint document
    ("signed agreements with A, B and C": one document per partner)."""
    low = sentence.lower()
    return bool(_PLURAL_DOCUMENTS.search(low)) and not _JOINT.search(low)


_ONE_DOCUMENT = re.compile(
    r"\b(?:a|an|another)\s+(?:[^\s.,;:]+\s+){0,8}?"
    r"(?:agreement|memorandum|mou|moc|contract|letter of intent|protocol|accord|pact|treaty)\b"
)
_SIGNING_VERB = re.compile(
    r"\b(?:sign|signs|signed|signing|ink|inks|inked|entered into|concluded)\b"
)


def signing_verb(sentence: str) -> bool:
    """True when a sentence says something was signed ("signed", "inked", "entered into")."""
    return bool(_SIGNING_VERB.search(sentence.lower()))


def one_document_signed(sentence: str) -> bool:
    """True when a sentence tells of one document signed, introduced as another one ("A
    memorandum on X was signed by ...", "B signed an agreement with C"), not several."""
    low = sentence.lower()
    return bool(
        _ONE_DOCUMENT.search(low) and signing_verb(sentence) and not several_documents(sentence)
    )


_PARTNER_COUNT = re.compile(
    r"\bwith (?:\d+|two|three|four|five|six|seven|eight|nine|ten|several|various|many|multiple)"
    r" [a-z]"
)


def several_documents(sentence: str) -> bool:
    """True when a sentence speaks of several documents: `plural_documents`, or one party
    signing "with 8 provinces", "with several companies" (not one joint document)."""
    low = sentence.lower()
    return plural_documents(sentence) or (
        bool(_PARTNER_COUNT.search(low)) and not _JOINT.search(low)
    )


_LIST_AFTER_WITH = re.compile(
    r"\bwith\b(?:[^,;:]*?\b(?:such as|including|namely|like)\b)?\s+(?P<items>[^;:]+)"
)
_NAME_WORDS = {"of", "and", "for", "the", "&", "de", "on", "in"}  # small words inside a name


def name_at_start(item: str) -> str | None:
    """The capitalised name an item of a list opens with ("Chengde in 2010": "Chengde")."""
    words = item.removeprefix("the ").split()
    kept: list[str] = []
    for word in words:
        if not word[:1].isupper() and not word[:1].isdigit() and word.lower() not in _NAME_WORDS:
            break
        if word[:1].isupper() and kept and kept[-1].lower() in ("in", "on"):
            kept.pop()  # "Chengde in Hebei": "in" ends the name
            break
        kept.append(word)
    while kept and kept[-1].lower() in _NAME_WORDS:
        kept.pop()
    return " ".join(kept) if kept and kept[0][:1].isupper() else None


def partners_listed(sentence: str) -> list[str]:
    """The partners a sentence of several documents lists after "with" ("signed agreements
    with cities such as A, B, C and D": A, B, C, D), in its own words: two or more names, each
    opening an item of the list; [] when the sentence lists none."""
    for match in _LIST_AFTER_WITH.finditer(sentence.rstrip(".")):
        parts = [p.strip() for p in match["items"].split(",")]
        *head, last = parts
        items = [*head, *[p.strip() for p in last.split(" and ", 1)]] if last else head
        items = [i.removeprefix("and ").strip() for i in items]
        names: list[str] = []
        for item in items:
            name = name_at_start(item)
            if name is None:
                break
            names.append(name)
        if len(names) >= 2:
            return names
    return []


_LIST_PREAMBLE = re.compile(r"\bwith\b[^,;:]*?\b(?:such as|including|namely|like)\b")


def beside_the_partners(sentence: str, names: Sequence[str]) -> str:
    """The sentence without its parties' names and the words that introduce a list of partners
    ("with cities and districts such as"): what it says besides who signed."""
    rest = _LIST_PREAMBLE.sub(" ", sentence)
    for name in sorted(filter(None, names), key=len, reverse=True):
        rest = re.sub(re.escape(name), " ", rest, flags=re.IGNORECASE)
    return rest


_EARLIER = re.compile(
    r"^(?:previously|earlier|to date|so far|in the past|prior to this|before this)\b"
    r"|\bhad (?:already )?(?:signed|inked)\b"
)
_PLANNED = re.compile(
    r"\b(?:will|would|is to|are to|plans? to|planned to|intends? to|expected to|set to) "
    r"(?:sign|ink)\b|\b(?:will|would|is to|are to) be (?:signed|inked)\b|\bto be (?:signed|inked)\b"
    r"|\b(?:pursue|pursuing|negotiate|negotiating) (?:an? |the )?"
    r"(?:[a-z-]+ ){0,4}(?:agreement|memorandum|mou|contract|deal)\b"
)


def status_in_sentence(sentence: str) -> str | None:
    """The status an agreement's sentence states in words: "earlier" for background
    ("Previously, X has signed...", "To date...", "had signed"), "planned" for a signing to
    come ("will sign", "to be signed", "pursuing a memorandum"), else None."""
    low = " ".join(sentence.lower().split())
    if _EARLIER.search(low):
        return "earlier"
    if _PLANNED.search(low):
        return "planned"
    return None


def same_organization(a: str | None, b: str | None) -> bool:
    """True when two names are the same organization's as written (one contains the other)."""
    if not a or not b:
        return False
    fa, fb = f" {fold(a)} ", f" {fold(b)} "
    return fa.strip() != "" and fb.strip() != "" and (fa in fb or fb in fa)


def whole_word_in(value: str, text: str) -> bool:
    """True when `value` occurs in `text` as a whole word (case aside): a short value such as
    "CA" is not found inside another word."""
    return re.search(rf"(?<!\w){re.escape(value)}(?!\w)", text, re.IGNORECASE) is not None


_NUMBER_WORDS = [
    "zero",
    "one",
    "two",
    "three",
    "four",
    "five",
    "six",
    "seven",
    "eight",
    "nine",
    "ten",
    "eleven",
    "twelve",
    "thirteen",
    "fourteen",
    "fifteen",
    "sixteen",
    "seventeen",
    "eighteen",
    "nineteen",
    "twenty",
]


def number_in(number: int, sentence: str) -> bool:
    """True when a sentence gives this number, in digits or (up to twenty) in words."""
    low = sentence.lower()
    word = _NUMBER_WORDS[number] if 0 <= number < len(_NUMBER_WORDS) else None
    return re.search(rf"(?<![\d.,]){number}(?![\d])", low) is not None or (
        word is not None and re.search(rf"\b{word}\b", low) is not None
    )
