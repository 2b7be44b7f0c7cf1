"""Health and children's social care journeys.

Health: the 2-2.5 year review with ASQ-3 scores, referrals (SALT, OT, physio,
paediatrics, CAMHS) with acceptance, long waits, appointments (some not brought)
and, after paediatric assessment, diagnoses coded in SNOMED CT. Social care:
contacts with CIN-census sources and outcomes, referrals, CIN assessments and plans,
s47 enquiries and child protection plans, early help, looked-after episodes and
short breaks for disabled children, including episodes already open on day one.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, timedelta

from connectors.simulator.calendar import add_working_days
from connectors.simulator.journeys import SimRecord
from connectors.simulator.population import Child
from connectors.simulator.world import World

__all__ = ["health_journeys", "social_care_journeys"]

# Service -> (treatment function code, wait days low, high).
_SERVICES = {
    "SALT": ("652", 60, 220),
    "OT": ("651", 40, 160),
    "PHYSIO": ("650", 30, 120),
    "PAEDIATRICS": ("290", 100, 400),
    "CAMHS": ("711", 60, 300),
}
_DIAGNOSES = [
    ("35919005", "Autism spectrum disorder"),
    ("406506008", "Attention deficit hyperactivity disorder"),
    ("248290002", "Developmental delay"),
]
_ASQ_CUTOFF = {
    "communication": 25,
    "gross_motor": 38,
    "fine_motor": 35,
    "problem_solving": 30,
    "personal_social": 32,
}


def _age_days(child: Child, when: date) -> int:
    return (when - child.dob).days


def health_journeys(world: World, child: Child, counter: list[int]) -> list[SimRecord]:
    records = _two_year_review(world, child)
    rates = world.ref.rates
    rate = rates["referral_health_sen"] if child.sen != "N" else rates["referral_health"]
    if _age_days(child, world.start) < 19 * 365 and world.chance(rate):
        records += _referral(world, child, counter, world.day_in_window())
    return records


def _two_year_review(world: World, child: Child) -> list[SimRecord]:
    rng = world.rng
    due = child.dob + timedelta(days=730 + rng.randint(0, 180))
    if not (world.start <= due < world.end) or rng.random() > 0.85:
        return []
    delayed = child.sen != "N" or rng.random() < 0.12
    # ASQ-3 domain scores are multiples of 5 from 0 to 60.
    scores = {
        d: rng.randrange(0, cut, 5)
        if delayed and rng.random() < 0.5
        else rng.randrange(cut + 5 - cut % 5, 61, 5)
        for d, cut in _ASQ_CUTOFF.items()
    }
    below = sum(scores[d] < cut for d, cut in _ASQ_CUTOFF.items())
    outcome = "refer" if below >= 2 else "monitor" if below == 1 else "on-track"
    age = _age_days(child, due) // 30
    fields = {"scores": scores, "outcome": outcome, "age_months": age}
    return [SimRecord("health", "review", child, due, fields)]


def _referral(world: World, child: Child, counter: list[int], made: date) -> list[SimRecord]:
    rng, years = world.rng, _age_days(child, made) / 365
    choices = ["SALT", "PAEDIATRICS", "OT"] if years < 8 else ["CAMHS", "PAEDIATRICS", "OT"]
    if "PD" in child.needs:
        choices.append("PHYSIO")
    service = rng.choice(choices)
    counter[0] += 1
    ref_id = f"SR{counter[0]:07d}"
    code, low, high = _SERVICES[service]
    base = {"referral_id": ref_id, "service": code}
    wait = rng.randint(low, high)
    accepted = made + timedelta(days=rng.randint(2, 20))
    records = [
        SimRecord(
            "health",
            "referral",
            child,
            made,
            {**base, "priority": "urgent" if rng.random() < 0.1 else "routine"},
        ),
        SimRecord(
            "health", "accepted", child, accepted, {**base, "expected": made + timedelta(days=wait)}
        ),
    ]
    when, last_seen = made + timedelta(days=wait), None
    for visit in range(rng.randint(1, 4)):
        counter[0] += 1
        attended = rng.random() > 0.1
        kind = "appointment" if rng.random() < 0.7 or not attended else "encounter"
        fields = {
            **base,
            "appointment_id": f"AP{counter[0]:07d}",
            "attended": attended,
            "first": visit == 0,
        }
        records.append(SimRecord("health", kind, child, when, fields))
        last_seen = when if attended else last_seen
        when += timedelta(days=rng.randint(14, 21) if not attended else rng.randint(21, 70))
    if service == "PAEDIATRICS" and last_seen is not None and rng.random() < 0.5:
        code, display = _DIAGNOSES[0] if years < 10 or rng.random() < 0.5 else _DIAGNOSES[1]
        records.append(
            SimRecord("health", "diagnosis", child, last_seen, {"code": code, "display": display})
        )
    return records


def social_care_journeys(world: World, child: Child, counter: list[int]) -> list[SimRecord]:
    if _age_days(child, world.start) >= 18 * 365:
        return []
    records = _baseline_episodes(world, child, counter)
    rates = world.ref.rates
    if world.chance(rates["contact_sen"] if child.sen != "N" else rates["contact"]):
        records += _contact(world, child, counter, world.day_in_window())
    return records


def _ident(counter: list[int], prefix: str) -> str:
    counter[0] += 1
    return f"{prefix}{counter[0]:07d}"


def _episode(
    child: Child,
    export: str,
    start: date,
    end: date | None,
    world: World,
    fields: Mapping[str, object],
) -> list[SimRecord]:
    """An episode row when opened (or on day one), re-sent with its end date when closed."""
    row = {"Start Date": start, **fields}
    out = [SimRecord("social_care", export, child, max(start, world.start), row)]
    if end is not None and end < world.end:
        out.append(SimRecord("social_care", export, child, end, {**row, "End Date": end}))
    return out


def _baseline_episodes(world: World, child: Child, counter: list[int]) -> list[SimRecord]:
    """Episodes already open on day one (opened up to 30 months earlier)."""
    rng, base = world.rng, world.ref.baseline
    opened = world.start - timedelta(days=rng.randint(30, 900))
    draw, out = rng.random(), []
    if draw < base["looked_after"]:
        out = _looked_after(world, child, counter, opened)
    elif draw < base["looked_after"] + base["cin_plan"]:
        end = world.start + timedelta(days=rng.randint(30, 500))
        out = _cin_plan(world, child, counter, opened, end)
    elif draw < base["looked_after"] + base["cin_plan"] + base["early_help"]:
        end = world.start + timedelta(days=rng.randint(30, 300))
        fields: dict[str, object] = {
            "Episode ID": _ident(counter, "EH"),
            "Family ID": _ident(counter, "FAM"),
            "Lead Practitioner": "Family support worker",
            "Closure Reason": "NM",
        }
        out = _episode(child, "early_help", opened, end, world, fields)
    disabled = {"SLD", "PMLD", "ASD", "PD"} & set(child.needs)
    if child.sen == "E" and disabled and rng.random() < base["short_break_of_ehc"]:
        fields = {
            "Episode ID": _ident(counter, "SB"),
            "Break Type": rng.choice(["ONR", "ONF", "DAY", "COM", "DP"]),
            "Hours Per Week": rng.choice([2, 3.5, 6, 8]),
        }
        out += _episode(child, "short_breaks", opened, None, world, fields)
    return out


def _looked_after(world: World, child: Child, counter: list[int], opened: date) -> list[SimRecord]:
    rng = world.rng
    end = world.start + timedelta(days=rng.randint(30, 900))
    fields = {
        "Episode ID": _ident(counter, "LAC"),
        "Legal Status": rng.choice(["C2", "C2", "V2", "E1"]),
        "Placement": rng.choice(["U4", "U5", "U6", "U1", "K2"]),
        "Virtual School Notified": "Y",
        "Reason Ceased": "E11" if end < world.end else "",
    }
    return _episode(child, "looked_after", opened, end, world, fields)


def _cin_plan(
    world: World, child: Child, counter: list[int], start: date, end: date
) -> list[SimRecord]:
    fields = {
        "Plan ID": _ident(counter, "CINP"),
        "Assessment ID": _ident(counter, "CINA"),
        "Assessment Start": start - timedelta(days=40),
        "Assessment Authorised": start,
        "Factors": world.rng.choice(["1C,21", "2B", "3A,4A", "21"]),
        "Assessment Outcome": "CIN",
    }
    rows = _episode(child, "cin", start, end, world, {})
    out = []
    for record in rows:
        row = {**fields, "Plan Start": record.fields["Start Date"]}
        if "End Date" in record.fields:
            row["Plan End"] = record.fields["End Date"]
        out.append(SimRecord("social_care", "cin", child, record.day, row))
    return out


def _contact(world: World, child: Child, counter: list[int], day: date) -> list[SimRecord]:
    rng = world.rng
    outcome = rng.choices(["NFA", "ADV", "EH", "REF"], weights=[35, 15, 20, 30])[0]
    decided = add_working_days(day, 1) if rng.random() < 0.3 else day
    row = {
        "Contact ID": _ident(counter, "CON"),
        "Contact Date": day,
        "Contact Source": rng.choice(["2A", "2A", "3A", "3B", "5D", "1A", "8"]),
        "Outcome": outcome,
        "Outcome Date": decided,
    }
    if outcome == "REF":
        row.update(
            {
                "Referral ID": _ident(counter, "REF"),
                "Primary Need": rng.choice(["N1", "N2", "N4", "N5"]),
            }
        )
    out = [SimRecord("social_care", "contacts", child, decided, row)]
    if outcome == "EH":
        start = decided + timedelta(days=rng.randint(3, 20))
        out += _episode(
            child,
            "early_help",
            start,
            start + timedelta(days=rng.randint(90, 240)),
            world,
            {
                "Episode ID": _ident(counter, "EH"),
                "Family ID": _ident(counter, "FAM"),
                "Lead Practitioner": "School",
                "Closure Reason": "NM",
            },
        )
    elif outcome == "REF":
        out += _assessment(world, child, counter, decided)
    return out


def _assessment(world: World, child: Child, counter: list[int], referred: date) -> list[SimRecord]:
    rng = world.rng
    started = referred + timedelta(days=rng.randint(0, 3))
    authorised = add_working_days(
        started, rng.randint(10, 45) if rng.random() < 0.8 else rng.randint(46, 70)
    )
    outcome = rng.choices(["CIN", "STRAT", "NFA", "EH"], weights=[35, 10, 45, 10])[0]
    row = {
        "Assessment ID": _ident(counter, "CINA"),
        "Assessment Start": started,
        "Factors": rng.choice(["1C,21", "2B", "3A,4A", "21", "6A"]),
    }
    out = [
        SimRecord("social_care", "cin", child, started, row),
        SimRecord(
            "social_care",
            "cin",
            child,
            authorised,
            {**row, "Assessment Authorised": authorised, "Assessment Outcome": outcome},
        ),
    ]
    if outcome == "CIN":
        start = authorised + timedelta(days=rng.randint(0, 10))
        plan = {
            **row,
            "Assessment Authorised": authorised,
            "Assessment Outcome": outcome,
            "Plan ID": _ident(counter, "CINP"),
            "Plan Start": start,
        }
        out.append(SimRecord("social_care", "cin", child, start, plan))
    elif outcome == "STRAT":
        out += _child_protection(world, child, counter, authorised)
    return out


def _child_protection(
    world: World, child: Child, counter: list[int], start: date
) -> list[SimRecord]:
    rng = world.rng
    icpc = add_working_days(
        start, rng.randint(10, 15) if rng.random() < 0.8 else rng.randint(16, 30)
    )
    plan = rng.random() < 0.6
    row = {"Enquiry ID": _ident(counter, "S47"), "S47 Start": start, "Strategy Discussion": start}
    out = [SimRecord("social_care", "child_protection", child, start, row)]
    done = {**row, "ICPC Date": icpc, "CP Plan": "Y" if plan else "N"}
    if plan:
        done.update(
            {
                "Plan ID": _ident(counter, "CPP"),
                "Plan Start": icpc,
                "Category of Abuse": rng.choice(["NEG", "NEG", "EMO", "PHY", "MUL"]),
            }
        )
    out.append(SimRecord("social_care", "child_protection", child, icpc, done))
    return out
