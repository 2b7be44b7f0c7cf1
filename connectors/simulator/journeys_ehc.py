"""The EHC statutory process as the LA's case system records it, plus the advice it asks for.

New requests run request -> decision (mostly within 6 weeks) -> advice requested and
received (often after the 6-week due date) -> issue decision -> draft -> final, with a
final that is late more often than not. Existing plans get annual reviews (meeting,
decision, amendment or cease) and phase transfers with their 15 Feb / 31 Mar deadlines.
Health and social care advice requests produce records in those agencies' own feeds.
"""

from __future__ import annotations

import random
from datetime import date, timedelta
from typing import Any

from connectors.simulator.calendar import phase_transfer_deadline, year_group
from connectors.simulator.journeys import SimRecord
from connectors.simulator.population import Child
from connectors.simulator.world import World

__all__ = ["ehc_journeys"]

_TRANSFERS = {-1: "EY-S", 6: "P-S", 11: "S-16"}
# Advice type -> chance the adviser replies after the 6-week due date (others: 0.15).
_LATE_ADVICE = {"EP": 0.55, "HLT": 0.4, "SC": 0.35}
# Advice type -> (source, export, provider role) of the adviser's own record of it.
_ADVICE_FEEDS = {
    "HLT": ("health", "advice", "Designated Clinical Officer"),
    "SC": ("social_care", "ehc_advice", "Designated Social Care Officer"),
}


class _Case:
    """Numbers activities and builds LA rows for one child's case."""

    def __init__(self, world: World, child: Child, counter: list[int]) -> None:
        self.world, self.child, self.counter = world, child, counter
        if not child.case_ref:
            child.case_ref = f"EHC/{self._next():06d}"
        self.records: list[SimRecord] = []
        # Steps added with event v3 draw from their own generator, so the rest of a
        # simulation (and every figure measured on it) stays as it was.
        self.extra = random.Random(f"ehc-v3/{child.child_id}")

    def _next(self) -> int:
        self.counter[0] += 1
        return self.counter[0]

    def add(self, activity: str, when: date, recorded: date | None = None, **fields: Any) -> None:
        row = {
            "Case Ref": self.child.case_ref,
            "Activity ID": f"A{self._next():07d}",
            "Activity": activity,
            "Activity Date": when,
        }
        row.update({k.replace("_", " "): v for k, v in fields.items()})
        self.records.append(
            SimRecord("sen_case", "ehc_activity", self.child, recorded or when, row)
        )

    def other(self, source: str, export: str, when: date, fields: dict[str, Any]) -> None:
        self.records.append(SimRecord(source, export, self.child, when, fields))


def ehc_journeys(world: World, child: Child, counter: list[int]) -> list[SimRecord]:
    """LA milestones of an existing plan, or of a new request when one is made."""
    if child.sen == "E":
        case = _Case(world, child, counter)
        _existing_plan(case)
        return case.records
    rates = world.ref.rates
    rate = rates["ehc_request_from_k"] if child.sen == "K" else rates["ehc_request_other"]
    if year_group(child.dob, world.start) > 13 or not world.chance(rate):
        return []
    case = _Case(world, child, counter)
    _request(case, world.day_in_window())
    return case.records


def _request(case: _Case, received: date) -> None:
    rng = case.world.rng
    request_id = f"R{case._next():06d}"
    source = "SCH" if case.child.sen == "K" and rng.random() < 0.7 else rng.choice(["PAR", "HLT"])
    ids: dict[str, Any] = {"Request_ID": request_id}
    case.add(
        "REQUEST",
        received,
        RequestSource=source,
        RYA="N",
        Due_Date=received + timedelta(days=140),
        **ids,
    )
    decided = received + timedelta(
        days=rng.randint(20, 42) if rng.random() < 0.85 else rng.randint(43, 75)
    )
    assess = rng.random() < 0.7
    case.add("DECISION", decided, Decision="A" if assess else "N", **ids)
    if assess:
        _plan(case, received, _advice(case, request_id, decided), ids)
    elif case.extra.random() < 0.3:
        _disagreement(case, decided, ids)


def _disagreement(case: _Case, decided: date, ids: dict[str, Any]) -> None:
    """A refusal to assess taken to mediation advice, a certificate and sometimes an appeal."""
    rng = case.extra
    contacted = decided + timedelta(days=rng.randint(10, 50))
    case.add("MEDIATION_ADVICE", contacted, Decision_Date=decided, Mediation="N", **ids)
    certificate = contacted + timedelta(days=rng.randint(1, 6))
    case.add("MEDIATION_CERTIFICATE", certificate, Decision_Date=decided, Mediation="N", **ids)
    if rng.random() < 0.5:
        lodged = certificate + timedelta(days=rng.randint(7, 30))
        case.add("APPEAL_LODGED", lodged, Decision_Date=decided, Placement_Only="N", **ids)


def _plan(case: _Case, received: date, last_advice: date, ids: dict[str, Any]) -> None:
    """Issue decision, draft and final after assessment; a few are refused a plan."""
    rng = case.world.rng
    weeks = rng.uniform(14, 20) if rng.random() < 0.17 else 20 + min(40.0, rng.expovariate(0.1))
    final = received + timedelta(days=int(weeks * 7))
    if rng.random() < 0.06:
        refused = received + timedelta(days=rng.randint(90, 112))
        case.add("ISSUE_DECISION", refused, Decision="N", **ids)
        return
    issue = max(last_advice + timedelta(days=5), final - timedelta(days=45))
    draft = max(issue, final - timedelta(days=rng.randint(15, 40)))
    case.add("ISSUE_DECISION", issue, Decision="I", **ids)
    case.add("DRAFT", draft, Due_Date=draft + timedelta(days=15), **ids)
    _final(case, final, received, ids)


def _final(case: _Case, final: date, received: date, ids: dict[str, Any]) -> None:
    child, rng = case.child, case.world.rng
    school = child.school_on(final)
    needs = [n for n in child.needs if n != "NSA"] or ["SLCN"]
    exception = rng.random() < 0.03
    case.add(
        "FINAL",
        final,
        Received_Date=received,
        SENType=";".join(needs),
        URN=school.urn if school else "",
        SENSetting="" if school else "EYP",
        Exception20Week="Y" if exception else "N",
        Exception="EPC" if exception else "",
        **ids,
    )
    if child.sen == "K" and school is not None and final < case.world.end:
        _school_records_plan(case, school.urn, final, needs)
    child.sen, child.needs = "E", needs


def _school_records_plan(case: _Case, urn: str, final: date, needs: list[str]) -> None:
    """The school records the plan: SEN support ends, an E period starts."""
    recorded = final + timedelta(days=case.world.rng.randint(3, 40))
    fields = {
        "URN": urn,
        "Needs Updated": final,
        "SEN Provision": "E",
        "Start Date": final,
        "Primary Need": needs[0],
        "Secondary Need": [*needs, ""][1],
    }
    case.other("school", "sen", recorded, fields)


def _advice(case: _Case, request_id: str, requested: date) -> date:
    """Request every kind of advice at once; returns the day the last one arrived."""
    kinds = ["EDU", "EP", "HLT", "SC", "PAR"] + (
        ["PFA"] if year_group(case.child.dob, requested) >= 9 else []
    )
    last = requested
    for kind in kinds:
        last = max(last, _advice_of_kind(case, request_id, requested, kind))
    return last


def _advice_of_kind(case: _Case, request_id: str, requested: date, kind: str) -> date:
    """One adviser's request and reply; health and social care also record it themselves."""
    rng, child = case.world.rng, case.child
    advice_id = f"ADV{case._next():07d}"
    due = requested + timedelta(days=42)
    late = _LATE_ADVICE.get(kind, 0.15)
    took = rng.randint(43, 110) if rng.random() < late else rng.randint(10, 42)
    got = requested + timedelta(days=took)
    health_org = case.world.ref.authorities[child.la].health_org
    org = {"HLT": health_org, "SC": child.la}.get(kind, "")
    ids: dict[str, Any] = {"Request_ID": request_id, "Advice_ID": advice_id, "Advice_Type": kind}
    case.add("ADVICE_REQUESTED", requested, Due_Date=due, Adviser_Org=org, **ids)
    case.add("ADVICE_RECEIVED", got, **ids)
    if kind in _ADVICE_FEEDS:
        source, export, role = _ADVICE_FEEDS[kind]
        fields = {
            "Advice ID": advice_id,
            "EHC Request ID": request_id,
            "Requested Date": requested,
            "Due Date": due,
            "Provided Date": got,
            "Provider Role": role,
        }
        case.other(source, export, got, fields)
    return got


def _existing_plan(case: _Case) -> None:
    world, rng, child = case.world, case.world.rng, case.child
    earliest = child.dob + timedelta(days=730)
    made = max(earliest, world.start - timedelta(days=rng.randint(200, 2500)))
    school = child.school_on(world.start)
    case.add(
        "FINAL",
        made,
        recorded=world.start,
        SENType=";".join(child.needs),
        URN=school.urn if school else "",
        SENSetting="" if school else "OTH",
        Exception20Week="N",
        Received_Date=made - timedelta(days=rng.randint(100, 300)),
    )
    review_due = world.start + timedelta(days=rng.randint(-40, 330))
    if review_due < world.end:
        _review(case, review_due + timedelta(days=rng.randint(-20, 60)))
    group = year_group(child.dob, world.start)
    if group in _TRANSFERS:
        deadline = phase_transfer_deadline(world.start.year + (world.start.month >= 9), group == 11)
        final = deadline + timedelta(days=rng.randint(-40, 45))
        case.add(
            "PHASE_TRANSFER",
            final,
            Transfer_Phase=_TRANSFERS[group],
            Due_Date=deadline,
            Transfer_Year=deadline.year,
        )
    _maybe_transferred_in(case)


def _maybe_transferred_in(case: _Case) -> None:
    """Now and then the plan came with the child from another LA."""
    if case.extra.random() < 0.05:
        moved = case.world.start + timedelta(days=case.extra.randint(0, 120))
        others = sorted(a for a in case.world.ref.authorities if a != case.child.la)
        case.add("RESPONSIBLE", moved, Plan_In_Place="Y", From_LA=case.extra.choice(others))


def _review_paperwork(case: _Case, meeting: date) -> None:
    """Invitations and advice at least 2 weeks before (mostly), the report after."""
    rng = case.extra
    invited = meeting - timedelta(days=rng.randint(10, 28))
    case.add("REVIEW_INVITED", invited, Meeting_Date=meeting, Review_Kind="ANN")
    case.add("REVIEW_ADVICE", meeting - timedelta(days=rng.randint(7, 21)), Meeting_Date=meeting)
    case.add("REVIEW_REPORT", meeting + timedelta(days=rng.randint(3, 24)), Meeting_Date=meeting)


def _review(case: _Case, meeting: date) -> None:
    rng, child = case.world.rng, case.child
    adult = year_group(child.dob, meeting) >= 9
    _review_paperwork(case, meeting)
    case.add(
        "REVIEW_MEETING",
        meeting,
        Review_Kind="ANN",
        PfA="Y" if adult else "N",
        Due_Date=meeting + timedelta(days=28),
    )
    decided = meeting + timedelta(
        days=rng.randint(7, 28) if rng.random() < 0.44 else rng.randint(29, 80)
    )
    outcome = rng.choices(["M", "A", "C"], weights=[55, 38, 7])[0]
    sections = "B;F;I" if outcome == "A" else ""
    case.add(
        "REVIEW_DECISION",
        decided,
        Meeting_Date=meeting,
        Review_Outcome=outcome,
        Amended_Sections=sections,
    )
    if outcome == "A":
        _amend(case, decided, sections, meeting)
    elif outcome == "C":
        _cease(case, meeting, decided)


def _amend(case: _Case, decided: date, sections: str, meeting: date) -> None:
    school = case.child.school_on(decided)
    case.add(
        "AMEND_NOTICE",
        decided,
        Meeting_Date=meeting,
        Amended_Sections=sections,
        Due_Date=decided + timedelta(days=15),
    )
    case.add(
        "AMENDED",
        decided + timedelta(days=case.world.rng.randint(30, 110)),
        Notice_Date=decided,
        Amended_Sections=sections,
        URN=school.urn if school else "",
    )


def _two_months(day: date) -> date:
    month = day.month + 1  # zero-based month two months on
    year, month = day.year + month // 12, month % 12 + 1
    return date(year, month, min(day.day, 28))


def _cease(case: _Case, meeting: date, decided: date) -> None:
    # SEN2 cease reasons: from year 14 higher education, work or disengagement (3, 4, 6);
    # younger children's needs are met, they move LA, or other (2, 5, 9).
    rng = case.world.rng
    if year_group(case.child.dob, meeting) >= 14:
        reason = rng.choice(["3", "4", "6"])
    else:
        reason = rng.choice(["2", "5", "9"])
    notice = decided + timedelta(days=case.extra.randint(14, 28))
    case.add("CEASE_PROPOSED", decided, CeaseReason=reason)
    case.add("CEASE_NOTICE", notice, CeaseReason=reason, Due_Date=_two_months(notice))
    case.add(
        "CEASED",
        decided + timedelta(days=rng.randint(28, 60)),
        Notice_Date=decided,
        CeaseReason=reason,
    )
