"""Synthetic children and the records agencies hold about them, with ground truth.

For identity tests and ``bench/linkage.py`` only (the real simulator lives in
``connectors/simulator``). Households share a surname and address; about 3 % of
births are twins (same surname, date of birth and home). Each source has its own
habits: nicknames, typos, day/month swaps and other date slips, surname changes,
house moves, missing or mistyped NHS numbers, temporary UPNs, accents and casing.
Everything is driven by one seeded ``random.Random``.
"""

import random
from dataclasses import dataclass, replace
from datetime import date, timedelta

from hub.identifiers import make_nhs_number, make_upn
from hub.identity.nicknames import load_nicknames, related
from hub.identity.records import PersonRecord
from tests.unit.identity.synthetic_names import (
    DISTRICTS,
    GIVEN_POOL,
    INWARD,
    STREETS,
    SURNAME_POOL,
)

__all__ = ["SOURCES", "Source", "TrueChild", "make_children", "make_records", "records_for"]


@dataclass(frozen=True, slots=True)
class TrueChild:
    """The real child behind the records (ground truth)."""

    child_id: str
    sex: str
    given: str
    family: str
    dob: date
    nhs: str | None
    upn: str
    postcode: str
    address: str
    twin_of: str | None = None
    middle: str = ""


@dataclass(frozen=True, slots=True)
class Source:
    """Data-quality habits of one kind of agency system (probabilities per record)."""

    name: str
    nhs: float
    upn: float
    nickname: float
    dob_swap: float
    dob_slip: float
    typo: float
    moved: float
    surname_change: float
    bad_nhs: float
    missing: float


SOURCES = (
    Source("education", 0.25, 1.0, 0.30, 0.01, 0.01, 0.03, 0.10, 0.03, 0.01, 0.02),
    Source("health", 0.97, 0.0, 0.10, 0.005, 0.01, 0.02, 0.08, 0.02, 0.01, 0.01),
    Source("social_care", 0.70, 0.4, 0.40, 0.02, 0.02, 0.04, 0.15, 0.05, 0.02, 0.05),
)


def _postcode(rng: random.Random) -> str:
    inward = f"{rng.randint(1, 9)}{rng.choice(INWARD)}{rng.choice(INWARD)}"
    return f"{rng.choice(DISTRICTS)} {inward}"


def _nhs(index: int) -> str:
    # Disjoint ranges of eleven per child: unique, and one of any eleven is valid.
    for k in range(11):
        number = make_nhs_number(f"{900_000_000 + index * 11 + k}")
        if number:
            return number
    raise AssertionError("unreachable: some check digit in any 11 consecutive is valid")


def _given(rng: random.Random, sex: str, avoid: list[str] | None = None) -> str:
    """A given name; siblings get different names (not even nickname-related ones)."""
    names, cum = GIVEN_POOL[sex]
    taken = {n.upper() for n in avoid or []}
    while True:
        name = rng.choices(names, cum_weights=cum)[0]
        if name.upper() not in taken and not any(related(name.upper(), t) for t in taken):
            return name


def _household(rng: random.Random, start: int, today: date) -> list[TrueChild]:
    family = rng.choices(SURNAME_POOL[0], cum_weights=SURNAME_POOL[1])[0]
    if rng.random() < 0.04:
        family += "-" + rng.choices(SURNAME_POOL[0], cum_weights=SURNAME_POOL[1])[0]
    postcode, address = _postcode(rng), f"{rng.randint(1, 200)} {rng.choice(STREETS)}"
    out: list[TrueChild] = []
    for n in range(rng.choice((1, 1, 1, 2, 2, 3))):
        dob = today - timedelta(days=rng.randrange(365, 19 * 365))
        sex = rng.choice("FM")
        i = start + len(out)
        middle = _given(rng, sex) if rng.random() < 0.6 else ""
        kid = TrueChild(
            f"T{i:07d}",
            sex,
            _given(rng, sex, avoid=[k.given for k in out]),
            family,
            dob,
            _nhs(i),
            _upn(i, dob),
            postcode,
            address,
            middle=middle,
        )
        out.append(kid)
        if n == 0 and rng.random() < 0.03:
            out.append(_twin(rng, kid, start + len(out)))
    return out


def _upn(index: int, dob: date, temporary: bool = False) -> str:
    # Establishment and serial from the child's number: unique, like real UPNs.
    return make_upn(888, 2000 + index // 1000 % 6000, dob.year + 5, index % 1000, temporary)


def _twin(rng: random.Random, kid: TrueChild, i: int) -> TrueChild:
    sex = kid.sex if rng.random() < 0.5 else ("M" if kid.sex == "F" else "F")
    given = _given(rng, sex, avoid=[kid.given])
    return replace(
        kid, child_id=f"T{i:07d}", sex=sex, given=given, nhs=_nhs(i), upn=_upn(i, kid.dob),
        twin_of=kid.child_id,
    )  # fmt: skip


def make_children(count: int, rng: random.Random, today: date, start: int = 0) -> list[TrueChild]:
    """``count`` children in households, ids ``T0000000`` onwards from ``start``."""
    out: list[TrueChild] = []
    while len(out) < count:
        out.extend(_household(rng, start + len(out), today))
    return out[:count]


_NICKS: dict[str, list[str]] = {}
for _name, _groups in load_nicknames().items():
    for _formal in _groups:
        if _name != _formal:
            _NICKS.setdefault(_formal.title(), []).append(_name.title())


def _typo(rng: random.Random, word: str) -> str:
    if len(word) < 4:
        return word
    i = rng.randrange(1, len(word) - 2)
    kind = rng.randrange(4)
    if kind == 0:
        return word[:i] + word[i + 1] + word[i] + word[i + 2 :]
    if kind == 1:
        return word[:i] + word[i + 1 :]
    if kind == 2:
        return word[:i] + word[i] + word[i:]
    return word[:i] + rng.choice("aeiourstnl") + word[i + 1 :]


def _given_as_recorded(rng: random.Random, child: TrueChild, src: Source) -> str:
    given = child.given
    nicks = _NICKS.get(given)
    if nicks and rng.random() < src.nickname:
        given = rng.choice(nicks)
    if rng.random() < src.typo / 2:
        given = _typo(rng, given)
    draw = rng.random()
    if child.middle and draw < 0.05:
        return f"{given} {child.middle}"
    if child.middle and draw < 0.06:
        return child.middle  # known by the middle name
    if draw > 0.995:
        return given[0]  # initial only
    return given


def _family_as_recorded(rng: random.Random, child: TrueChild, src: Source) -> str:
    family = child.family
    if rng.random() < src.surname_change:
        new = rng.choices(SURNAME_POOL[0], cum_weights=SURNAME_POOL[1])[0]
        family = new if rng.random() < 0.6 else f"{family}-{new}"
    if rng.random() < src.typo:
        family = _typo(rng, family)
    return family


def _dob_as_recorded(rng: random.Random, dob: date, src: Source) -> date | None:
    if rng.random() < src.missing / 2:
        return None
    # dob_swap is the rate among dates that can be swapped (day 12 or less).
    if dob.day <= 12 and dob.day != dob.month and rng.random() < src.dob_swap:
        return date(dob.year, dob.day, dob.month)
    if rng.random() < src.dob_slip:
        part = rng.randrange(3)
        if part == 0:
            return date(dob.year + rng.choice((-1, 1)), dob.month, min(dob.day, 28))
        if part == 1:
            return dob.replace(day=min(28, max(1, dob.day + rng.choice((-2, -1, 1, 2)))))
        return dob.replace(
            month=rng.choice([m for m in range(1, 13) if m != dob.month]), day=min(dob.day, 28)
        )
    return dob


def _nhs_as_recorded(rng: random.Random, child: TrueChild, src: Source) -> str | None:
    if child.nhs is None or rng.random() >= src.nhs:
        return None
    if rng.random() < src.bad_nhs:
        i = rng.randrange(10)
        return (
            child.nhs[:i] + str((int(child.nhs[i]) + rng.randint(1, 9)) % 10) + child.nhs[i + 1 :]
        )
    return child.nhs


def _home_as_recorded(
    rng: random.Random, child: TrueChild, src: Source
) -> tuple[str | None, str | None]:
    if rng.random() < src.missing:
        return None, None
    if rng.random() < src.moved:
        district = child.postcode.split()[0] if rng.random() < 0.5 else rng.choice(DISTRICTS)
        inward = f"{rng.randint(1, 9)}{rng.choice(INWARD)}{rng.choice(INWARD)}"
        return f"{district} {inward}", f"{rng.randint(1, 200)} {rng.choice(STREETS)}"
    return child.postcode, child.address


def _style(rng: random.Random, name: str) -> str:
    # Casing and spacing noise, and accents dropped by some systems.
    draw = rng.random()
    if draw < 0.2:
        name = name.upper()
    elif draw < 0.25:
        name = f" {name}  "
    if rng.random() < 0.5:
        name = name.replace("ë", "e").replace("é", "e").replace("Ł", "L").replace("ś", "s")
    return name


def _sex_as_recorded(rng: random.Random, sex: str, src: Source) -> str | None:
    draw = rng.random()
    if draw < src.missing:
        return None
    if draw > 0.997:
        return "F" if sex == "M" else "M"  # recorded wrongly
    return sex


def records_for(rng: random.Random, child: TrueChild, src: Source, record_id: str) -> PersonRecord:
    """One source's record of a child, with that source's habits applied."""
    postcode, address = _home_as_recorded(rng, child, src)
    upn = None
    if rng.random() < src.upn:
        upn = (
            _upn(int(child.child_id[1:]), child.dob, temporary=True)
            if rng.random() < 0.05
            else child.upn
        )
    return PersonRecord(
        record_id=record_id,
        given_name=_style(rng, _given_as_recorded(rng, child, src)),
        family_name=_style(rng, _family_as_recorded(rng, child, src)),
        date_of_birth=_dob_as_recorded(rng, child.dob, src),
        sex=_sex_as_recorded(rng, child.sex, src),
        postcode=postcode,
        address=address,
        nhs_number=_nhs_as_recorded(rng, child, src),
        upn=upn,
        local_id=record_id.split("-")[-1],
    )


def make_records(
    children: list[TrueChild],
    rng: random.Random,
    sources: tuple[Source, ...] = SOURCES,
    coverage: float = 0.8,
) -> list[tuple[str, str, PersonRecord]]:
    """``(true child id, source name, record)`` for each child known to each source."""
    out = []
    for child in children:
        chosen = [s for s in sources if rng.random() < coverage] or [rng.choice(sources)]
        for src in chosen:
            rid = f"{src.name[:2].upper()}-{len(out):08d}"
            out.append((child.child_id, src.name, records_for(rng, child, src, rid)))
    return out
