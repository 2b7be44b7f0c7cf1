"""The EHC statutory process as the LA's case system records it, plus the advice it asks for.

New requests run request -> decision (mostly within 6 weeks) -> advice requested and
received (often after the 6-week due date) -> issue decision -> draft -> final, with a
final that is late more often than not. Existing plans get annual reviews (meeting,
decision, amendment or cease) and phase transfers with their 15 Feb / 31 Mar deadlines.
Health and social care advice requests produce records in those agencies' own feeds.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from connectors.simulator.calendar import phase_transfer_deadline, year_group
from connectors.simulator.journeys import SimRecord
from connectors.simulator.population import Child
from connectors.simulator.world import World

__all__ = ["ehc_journeys"]

_TRANSFERS = {-1: "EY-S", 6: "P-S", 11: "S-16"}


class _Case:
    """Numbers activities and builds LA rows for one child's case."""

    def __init__(self, world: World, child: Child, counter: list[int]) -> None:
        self.world, self.child, self.counter = world, child, counter
        if not child.case_ref:
            child.case_ref = f"EHC/{self._next():06d}"
        self.records: list[SimRecord] = []

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
    if not assess:
        return
    last_advice = _advice(case, request_id, decided)
    weeks = rng.uniform(14, 20) if rng.random() < 0.17 else 20 + min(40.0, rng.expovariate(0.1))
    final = received + timedelta(days=int(weeks * 7))
    if rng.random() < 0.06:
        case.add(
            "ISSUE_DECISION", received + timedelta(days=rng.randint(90, 112)), Decision="N", **ids
        )
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
        # The school records the plan: SEN support ends, an E period starts.
        base = {"URN": school.urn, "Needs Updated": final}
        case.other(
            "school",
            "sen",
            final + timedelta(days=rng.randint(3, 40)),
            {
                **base,
                "SEN Provision": "E",
                "Start Date": final,
                "Primary Need": needs[0],
                "Secondary Need": [*needs, ""][1],
            },
        )
    child.sen, child.needs = "E", needs


def _advice(case: _Case, request_id: str, requested: date) -> date:
    world, rng, child = case.world, case.world.rng, case.child
    kinds = ["EDU", "EP", "HLT", "SC", "PAR"] + (
        ["PFA"] if year_group(child.dob, requested) >= 9 else []
    )
    authority = world.ref.authorities[child.la]
    last = requested
    for kind in kinds:
        advice_id = f"ADV{case._next():07d}"
        due = requested + timedelta(days=42)
        late = {"EP": 0.55, "HLT": 0.4, "SC": 0.35}.get(kind, 0.15)
        took = rng.randint(43, 110) if rng.random() < late else rng.randint(10, 42)
        got = requested + timedelta(days=took)
        org = {"HLT": authority.health_org, "SC": child.la}.get(kind, "")
        ids: dict[str, Any] = {
            "Request_ID": request_id,
            "Advice_ID": advice_id,
            "Advice_Type": kind,
        }
        case.add("ADVICE_REQUESTED", requested, Due_Date=due, Adviser_Org=org, **ids)
        case.add("ADVICE_RECEIVED", got, **ids)
        last = max(last, got)
        fields = {
            "Advice ID": advice_id,
            "EHC Request ID": request_id,
            "Requested Date": requested,
            "Due Date": due,
            "Provided Date": got,
        }
        if kind == "HLT":
            case.other(
                "health", "advice", got, {**fields, "Provider Role": "Designated Clinical Officer"}
            )
        elif kind == "SC":
            case.other(
                "social_care",
                "ehc_advice",
                got,
                {**fields, "Provider Role": "Designated Social Care Officer"},
            )
    return last


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
        case.add("PHASE_TRANSFER", final, Transfer_Phase=_TRANSFERS[group], Due_Date=deadline)


def _review(case: _Case, meeting: date) -> None:
    rng, child = case.world.rng, case.child
    adult = year_group(child.dob, meeting) >= 9
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
        school = child.school_on(decided)
        case.add(
            "AMENDED",
            decided + timedelta(days=rng.randint(30, 110)),
            Notice_Date=decided,
            Amended_Sections=sections,
            URN=school.urn if school else "",
        )
    elif outcome == "C":
        reason = (
            rng.choice(["3", "4", "6"])
            if year_group(child.dob, meeting) >= 14
            else rng.choice(["2", "5", "9"])
        )
        case.add(
            "CEASED",
            decided + timedelta(days=rng.randint(28, 60)),
            Notice_Date=decided,
            CeaseReason=reason,
        )
