"""The sector an organization's name settles (spec 2: what a careful reader of the name
knows), for the `sectors_from_names` rule, and China's well-known state-owned groups, for the
`state_owned_groups` rule."""

from __future__ import annotations

import re
from functools import cache
from importlib.resources import files

from agreement_llm.models import Sector
from agreement_llm.rules import fold

__all__ = ["sector_from_name", "state_owned_group"]

_PROVINCES = (
    "anhui|beijing|chongqing|fujian|gansu|guangdong|guangxi|guizhou|hainan|hebei|heilongjiang"
    "|henan|hubei|hunan|inner mongolia|jiangsu|jiangxi|jilin|liaoning|ningxia|qinghai|shaanxi"
    "|shandong|shanghai|shanxi|sichuan|tianjin|tibet|xinjiang|yunnan|zhejiang"
)
_STATE_OWNED = re.compile(r"\bstate owned\b")
_LOCAL_GOVERNMENT = re.compile(
    r"\b(?:provinces?|provincial|municipal|municipality|city|cities|county|district"
    r"|prefecture|autonomous region|new area|management committee|town|township)\b"
    rf"|^(?:{_PROVINCES})(?: province)?$"
)
# the sectors whose words may share a name: the first of them in the name wins
_FIRST_WORD_WINS: tuple[tuple[Sector, re.Pattern[str]], ...] = (
    (
        Sector.international_organization,
        re.compile(
            r"\b(?:united nations|undp|unesco|unicef|world bank|international organization)\b"
        ),
    ),
    (Sector.research_institute, re.compile(r"\b(?:institutes?|academy|academies|think tank)\b")),
    (Sector.university, re.compile(r"\b(?:university|universities|college)\b")),
    (
        Sector.national_government,
        re.compile(
            r"\b(?:ministry|ministries|state council"
            r"|state \w+(?: \w+)? (?:agency|administration|commission|bureau))\b"
        ),
    ),
)
_COMPANY_WORDS = re.compile(
    r"\b(?:co|ltd|limited|corp|corporation|company|companies|group|inc|holdings|llc|plc|cjsc"
    r"|jsc|firms?|enterprises?|bank)\b"
)


def sector_from_name(name: str, said: Sector) -> Sector:
    """The sector the words of an organization's name settle (spec: what a careful reader of
    the name knows), else `said`. "State-owned" settles it; a company's name keeps `said` when
    that is a company or state-owned enterprise, otherwise a "China ..." company is
    state-owned; a local government's words outrank "national" and "state"; among the other
    words, the first in the name wins ("Institute ... at Renmin University": an institute)."""
    folded = fold(name)
    if _STATE_OWNED.search(folded):
        return Sector.state_owned_enterprise
    if _COMPANY_WORDS.search(folded):
        if said in (Sector.company, Sector.state_owned_enterprise):
            return said
        chinese = folded.startswith(("china ", "chinese ", "sino"))
        return Sector.state_owned_enterprise if chinese else Sector.company
    if _LOCAL_GOVERNMENT.search(folded):
        return Sector.local_government
    found = [
        (m.start(), i) for i, (_, rx) in enumerate(_FIRST_WORD_WINS) if (m := rx.search(folded))
    ]
    return _FIRST_WORD_WINS[min(found)[1]][0] if found else said


@cache
def _groups() -> tuple[str, ...]:
    lines = files("agreement_llm").joinpath("state_owned_groups.txt").read_text(encoding="utf-8")
    names = [n for line in lines.splitlines() if not line.startswith("#") for n in line.split("|")]
    return tuple(sorted({f for n in names if (f := _folded(n))}, key=len, reverse=True))


def _folded(name: str) -> str:
    return fold(name.replace("&", " and ")).removeprefix("the ")


def state_owned_group(name: str, short_name: str | None = None) -> str | None:
    """The well-known Chinese state-owned group (`state_owned_groups.txt`: the central
    enterprises and state-owned financial groups) whose name or short form an organization's
    name or short name opens with ("CNOOC Gas & Power Group": CNOOC); None for none."""
    for written in (name, short_name):
        folded = _folded(written or "")
        for group in _groups():
            if folded == group or folded.startswith(f"{group} "):
                return group
    return None
