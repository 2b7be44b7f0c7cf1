"""The generated access matrix: every role x data category x purpose x basis x consent state x
age, decided by the shipped policy and judged against the law's rules written out below.

The expected outcomes are NOT read from the policy file: ``_law`` states, from the statutes
and guidance the hub follows, the most a caller may lawfully see (anything more is a leak) and,
for statutory and safeguarding duties, the least they must be shown (anything less is a
wrongful denial). A policy may be stricter than the law allows, never looser; and it may
never refuse what a duty compels.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field
from datetime import date, timedelta

from hub.consent import BreakGlass, ConsentState, Decision, Outcome, ReadContext, Relationships
from hub.files.policy import load_policy
from hub.models import (
    AssessDecision,
    ConsentAction,
    ConsentRecord,
    DataCategory,
    Event,
    GiverRole,
    Purpose,
)
from hub.models import EventType as T
from tests.unit.consent import world as w

C, P, G = DataCategory, Purpose, GiverRole
NONE, THIN, FULL = 0, 1, 2
_LEVEL = {Outcome.DENY: NONE, Outcome.ALLOW_THIN: THIN, Outcome.ALLOW: FULL}

# Each role's organisation. SW, DSCO and the LA's coordinators belong to the LA (888).
ORG = {
    "SENCO": "100001", "DSL": "100001", "EHC_COORD": "888", "EP": "EPS01", "DCO": "QE1",
    "DSCO": "888", "SW": "888", "HV": "RXN", "PAED": "RXN", "OPS": "888", "ADMIN": "888",
}  # fmt: skip
ROLES = tuple(ORG)

# Entries, one per category, plus the two kinds of advice the LA must receive in an EHC case.
ENTRIES: dict[str, tuple[DataCategory, Event | DataCategory]] = {
    "IDENTITY": (C.IDENTITY, C.IDENTITY),
    "EDU": (C.EDU, w.entry(T.AttendanceSummary)),
    "SEN": (C.SEN, w.entry(T.EHCDraftIssued)),
    "HEALTH": (C.HEALTH, w.entry(T.Diagnosis)),
    "HEALTH_ADVICE": (C.HEALTH, w.entry(T.HealthAdviceForEHC)),
    "SOCIAL": (C.SOCIAL, w.entry(T.CINPlanStarted)),
    "SOCIAL_ADVICE": (C.SOCIAL, w.entry(T.SocialCareAdviceForEHC)),
    "SAFEGUARDING": (C.SAFEGUARDING, w.entry(T.CPPlanStarted)),
    "SEALED": (C.SEALED, w.entry(T.AppointmentAttended, category=C.SEALED)),
}

# Read moments, with the end of compulsory school age (ECSA) worked out by hand.
AGES: dict[str, tuple[date, date, date]] = {  # name: (date of birth, read day, ECSA)
    "age 8": (date(2018, 5, 10), date(2026, 9, 15), date(2034, 6, 30)),
    "age 14": (date(2012, 1, 10), date(2026, 9, 15), date(2028, 6, 30)),
    "16, before ECSA": (date(2010, 10, 1), date(2026, 11, 2), date(2027, 6, 25)),
    "17, after ECSA": (date(2009, 3, 1), date(2026, 11, 2), date(2025, 6, 27)),
    "ECSA day, mid-assessment": (date(2010, 2, 14), date(2026, 6, 26), date(2026, 6, 26)),
    "after ECSA, mid-assessment": (date(2010, 2, 14), date(2026, 6, 29), date(2026, 6, 26)),
}
CASE_OPENED = date(2026, 3, 2)  # every EHC case below opened then (before every read day)
SCENARIOS = (
    "nothing", "relationship", "unrelated", "ehc_open", "ehc_elsewhere", "ehc_closed",
    "sg_record", "break_glass", "cp_open", "consent",
)  # fmt: skip
OVERLAYS = ("none", "withdrawn", "objection", "opt_out")


@dataclass
class Facts:
    """What the world holds for one caller: the law's inputs."""

    dob: date
    day: date
    ecsa: date
    rel: set[str] = field(default_factory=set)  # kinds of the caller org's own involvement
    case_open: bool = False
    case_involved: bool = False
    rationale: bool = False  # recorded safeguarding rationale or break-glass for this caller
    grant: GiverRole | None = None  # a live consent grant to the caller, by whom
    objection: bool = False
    opt_out: bool = False


_ROLE_REL = {"SENCO": "school", "DSL": "school", "HV": "health", "PAED": "health", "SW": "social"}


_Built = tuple[list[Event], list[ConsentRecord]]


def _relationship(role: str, org: str, dob: date, f: Facts) -> _Built:
    kind = _ROLE_REL.get(role) or ("adviser" if role == "EP" else "")
    events = {
        "school": [w.enrolled(org, date(2025, 9, 3), dob=dob)],
        "health": [w.referral(org, date(2026, 1, 5))],
        "social": [w.cin_plan(org, date(2026, 1, 5))],
        "adviser": [
            w.ehc_requested("889", "E1", CASE_OPENED, dob=dob),
            w.advice_requested("889", "E1", org, CASE_OPENED),
        ],
        "": [],
    }[kind]
    if kind:
        f.rel.add(kind)
    f.case_open = f.case_involved = kind == "adviser"
    return events, []


def _unrelated(role: str, org: str, dob: date, f: Facts) -> _Built:
    other = [w.referral("RXX", date(2026, 1, 5)), w.cin_plan("889", date(2026, 1, 5))]
    return [
        w.enrolled("100099", date(2025, 9, 3), dob=dob),
        *other,
        w.s47("889", date(2026, 1, 5)),
    ], []


def _ehc(role: str, org: str, dob: date, f: Facts, *, closed: bool = False) -> _Built:
    events = [w.ehc_requested("888", "E1", CASE_OPENED, dob=dob)]
    if org != "888":
        events.append(w.advice_requested("888", "E1", org, CASE_OPENED))
    if closed:
        events.append(w.assess_decision("888", "E1", date(2026, 4, 10), AssessDecision.NOT_ASSESS))
        return events, []
    f.case_open = f.case_involved = True
    if role == "EP":
        f.rel.add("adviser")  # an EP asked for advice works with the child
    return events, []


def _ehc_elsewhere(role: str, org: str, dob: date, f: Facts) -> _Built:
    f.case_open = True
    return [w.ehc_requested("889", "E1", CASE_OPENED, dob=dob)], []


def _sg_record(role: str, org: str, dob: date, f: Facts) -> _Built:
    f.rationale = role in ("DSL", "SW")
    basis = w.safeguarding_basis()
    rec = w.record(
        ConsentAction.GRANT,
        consent_id="S1",
        org=org,
        role=_recipient(role),
        basis=basis,
        purposes=(P.SAFEGUARDING,),
    )
    return [], [rec]


def _cp_open(role: str, org: str, dob: date, f: Facts) -> _Built:
    if role == "SW":  # their own organisation's enquiry; a school's DSL has no such record
        f.rationale = True
        f.rel.add("social")
    return [w.s47(org, date(2026, 1, 5))], []


_SCENARIO_BUILDERS = {
    "nothing": lambda role, org, dob, f: ([], []),
    "relationship": _relationship,
    "unrelated": _unrelated,
    "ehc_open": _ehc,
    "ehc_closed": lambda role, org, dob, f: _ehc(role, org, dob, f, closed=True),
    "ehc_elsewhere": _ehc_elsewhere,
    "sg_record": _sg_record,
    "break_glass": lambda role, org, dob, f: ([], []),
    "cp_open": _cp_open,
    "consent": lambda role, org, dob, f: ([], []),
}


def _world(
    role: str, scenario: str, overlay: str, giver: GiverRole | None, age: str
) -> tuple[Relationships, ConsentState, Facts]:
    org = ORG[role]
    dob, day, ecsa = AGES[age]
    facts = Facts(dob, day, ecsa)
    events, records = _SCENARIO_BUILDERS[scenario](role, org, dob, facts)
    events = [w.enrolled("100077", date(2024, 9, 1), dob=dob), *events]  # the child's own school
    if scenario == "consent" and giver is not None:
        basis = w.consent_basis(giver)
        records.append(
            w.record(
                ConsentAction.GRANT, consent_id="G1", org=org, role=_recipient(role), basis=basis
            )
        )
        facts.grant = giver
    state = ConsentState.from_records(records)
    if scenario == "break_glass":
        now = w.noon(day)
        glass = BreakGlass(
            "me", org, role, "disclosure", now - timedelta(hours=1), now + timedelta(hours=3)
        )
        state.add_break_glass(glass)
        facts.rationale = role in ("DSL", "SW")
    _overlay(state, overlay, org, role, facts)
    return Relationships.from_events(events), state, facts


def _recipient(role: str) -> str:
    # OPS and ADMIN are not recipient roles at all; a record can only name a real one.
    return role if role not in ("OPS", "ADMIN") else "SENCO"


def _overlay(state: ConsentState, overlay: str, org: str, role: str, facts: Facts) -> None:
    basis = w.consent_basis(G.PR_HOLDER)
    if overlay == "withdrawn":
        state.add(
            w.record(
                ConsentAction.WITHDRAW,
                consent_id="G1",
                org=org,
                role=_recipient(role),
                basis=basis,
                recorded=date(2026, 4, 1),
            )
        )
        facts.grant = None
    elif overlay == "objection":
        state.add(
            w.record(
                ConsentAction.OBJECT, consent_id="O1", org=org, role=_recipient(role), basis=basis
            )
        )
        facts.objection = True
    elif overlay == "opt_out":
        state.add(
            w.record(
                ConsentAction.OPT_OUT, consent_id="N1", org=org, role=_recipient(role), basis=basis
            )
        )
        facts.opt_out = True


# ---- the law, written out (not read from the policy file) -------------------------------

_SEND = {C.IDENTITY, C.EDU, C.SEN}  # CFA 2014 s.80: these pass to the young person at ECSA


def _consent_valid(f: Facts, cat: DataCategory) -> bool:
    """A grant counts only if the person who may decide today gave it."""
    if f.grant is None:
        return False
    age = f.day.year - f.dob.year - ((f.day.month, f.day.day) < (f.dob.month, f.dob.day))
    young_person = {G.YOUNG_PERSON, G.DEPUTY_OR_ATTORNEY}
    if cat in _SEND:
        return f.grant is G.PR_HOLDER if f.day <= f.ecsa else f.grant in young_person
    if age >= 16:  # Mental Capacity Act 2005 presumes capacity from 16
        return f.grant in young_person
    return f.grant is G.PR_HOLDER or (
        f.grant is G.GILLICK_COMPETENT_CHILD and cat in {C.HEALTH, C.SEALED}
    )


# Direct care (public task; Caldicott: need to know): per professional domain, what an
# involved organisation may see of each category at most.
_DIRECT_CARE_MAX = {
    "school": {C.IDENTITY: FULL, C.EDU: FULL, C.SEN: FULL, C.HEALTH: THIN, C.SOCIAL: THIN},
    "health": {C.IDENTITY: FULL, C.HEALTH: FULL, C.EDU: THIN, C.SEN: THIN, C.SOCIAL: THIN},
    "social": {
        C.IDENTITY: FULL,
        C.SOCIAL: FULL,
        C.SAFEGUARDING: FULL,
        C.EDU: THIN,
        C.SEN: THIN,
        C.HEALTH: THIN,
    },
    "adviser": {C.IDENTITY: FULL, C.EDU: FULL, C.SEN: FULL, C.HEALTH: THIN},
}


# Reg 6(1): education (the SENCO), an educational psychologist, health (DCO, HV, PAED) and
# social care (DSCO, SW) give advice.
_ADVISERS = {"SENCO", "EP", "DCO", "HV", "PAED", "DSCO", "SW"}


def _law(role: str, name: str, cat: DataCategory, purpose: Purpose, f: Facts) -> tuple[int, int]:
    """(most the law permits, least a duty compels) for this read."""
    if role in ("OPS", "ADMIN"):
        return NONE, NONE  # they run the hub; no lawful purpose reaches a child's data
    if f.opt_out and cat is C.HEALTH and purpose in (P.PLANNING, P.RESEARCH):
        return NONE, NONE  # national data opt-out
    most = FULL if _consent_valid(f, cat) and not f.objection else NONE
    least = NONE
    if cat is C.SEALED:
        return most, NONE  # adoption, confidential address, sexual health: explicit consent only
    if purpose is P.DIRECT_CARE:
        for kind in f.rel:
            cap = _DIRECT_CARE_MAX[kind].get(cat, NONE)
            most = max(most, min(cap, THIN) if f.objection else cap)  # Art 18(1)(d) restriction
    if purpose is P.STATUTORY_EHC and f.case_open and f.case_involved and cat is not C.SAFEGUARDING:
        # CFA 2014 s.28, s.31; SEND Regs regs 6-8: the LA assesses with everything relevant;
        # an adviser must be told whom and what they advise on. Objection: the duty continues.
        if role == "EHC_COORD":
            most = FULL
            least = {C.IDENTITY: FULL, C.SEN: FULL, C.EDU: THIN}.get(cat, THIN)
            if name.endswith("_ADVICE"):
                least = FULL  # advice given for the assessment is given to the LA
        elif role in _ADVISERS:
            most = max(most, FULL if cat in (C.IDENTITY, C.SEN) else THIN)
            least = THIN if cat in (C.IDENTITY, C.SEN) else NONE
    if purpose is P.SAFEGUARDING and role in ("DSL", "SW") and f.rationale:
        # Children Act 1989 s.47, DPA 2018 Sch 1 para 18: necessary and proportionate, recorded.
        most = FULL
        least = THIN if cat in (C.IDENTITY, C.SAFEGUARDING) else NONE
    return most, least


def _worlds() -> list[tuple[str, str, GiverRole | None, str]]:
    found = []
    for scenario, age in itertools.product(SCENARIOS, AGES):
        if scenario == "consent":
            found += [(scenario, o, g, age) for o in OVERLAYS for g in G]
        else:
            found += [(scenario, o, None, age) for o in OVERLAYS if o != "withdrawn"]
    return found


@dataclass(frozen=True)
class _Caller:
    subject: str
    org: str
    role: str


@dataclass
class _Tally:
    cases: int = 0
    leaks: int = 0
    denials: int = 0
    hidden_objections: int = 0
    examples: list[str] = field(default_factory=list)

    def judge(self, decision: Decision, law: tuple[int, int], facts: Facts, where: str) -> None:
        got, (most, least) = _LEVEL[decision.outcome], law
        self.cases += 1
        if got > most:
            self.leaks += 1
            self.examples.append(f"LEAK {where}: {decision}")
        if got < least:
            self.denials += 1
            self.examples.append(f"DENIED {where}: {decision}")
        duty = decision.basis in ("STATUTORY", "SAFEGUARDING")
        if facts.objection and got and duty and decision.objection is None:
            self.hidden_objections += 1
            self.examples.append(f"OBJECTION NOT SHOWN {where}: {decision}")


def _run_matrix() -> _Tally:
    policy, tally = load_policy(), _Tally()
    for (scenario, overlay, giver, age), role in itertools.product(_worlds(), ROLES):
        rels, state, facts = _world(role, scenario, overlay, giver, age)
        caller, now = _Caller("me", ORG[role], role), w.noon(facts.day)
        for purpose in P:
            ctx = ReadContext.build(policy, state, rels, caller, purpose, now)
            for name, (cat, item) in ENTRIES.items():
                where = f"{role} {name} {purpose.value} {scenario}/{overlay}/{giver} {age}"
                tally.judge(ctx.decide(item), _law(role, name, cat, purpose, facts), facts, where)
    return tally


def test_access_matrix_has_no_leaks_and_no_wrongful_statutory_denials() -> None:
    tally = _run_matrix()
    print(
        f"\naccess matrix: {tally.cases} cases, {tally.leaks} leaks, {tally.denials} wrongful "
        f"statutory or safeguarding denials, {tally.hidden_objections} objections not shown"
    )
    assert tally.cases > 100_000
    assert (tally.leaks, tally.denials, tally.hidden_objections) == (0, 0, 0), tally.examples[:5]


def test_the_law_table_itself_can_fail() -> None:
    # A reader who may see everything would leak: the oracle must call that a leak.
    facts = Facts(date(2015, 1, 1), date(2026, 5, 1), date(2031, 6, 27))
    assert _law("SENCO", "SAFEGUARDING", C.SAFEGUARDING, P.DIRECT_CARE, facts)[0] < FULL
    # A policy that refused the LA its open case would be a wrongful denial.
    facts.case_open = facts.case_involved = True
    assert _law("EHC_COORD", "SEN", C.SEN, P.STATUTORY_EHC, facts)[1] == FULL
