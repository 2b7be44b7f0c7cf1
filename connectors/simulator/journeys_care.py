"""Children's social care journeys, as the case management system records them.

Contacts with CIN-census sources and outcomes, referrals, CIN assessments and plans,
s47 enquiries and child protection plans, early help, looked-after episodes and
short breaks for disabled children, including episodes already open on day one.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, timedelta

from connectors.simulator.calendar import add_working_days, age_days
from connectors.simulator.journeys import SimRecord, next_id
from connectors.simulator.population import Child
from connectors.simulator.world import World

__all__ = ["social_care_journeys"]

# Needs that make a child with an EHC plan eligible for short breaks.
_DISABILITIES = {"SLD", "PMLD", "ASD", "PD"}


def social_care_journeys(world: World, child: Child, counter: list[int]) -> list[SimRecord]:
    if age_days(child.dob, world.start) >= 18 * 365:
        return []
    records = _baseline_episodes(world, child, counter)
    rates = world.ref.rates
    if world.chance(rates["contact_sen"] if child.sen != "N" else rates["contact"]):
        records += _contact(world, child, counter, world.day_in_window())
    return records


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


def _early_help_fields(counter: list[int], lead: str) -> dict[str, object]:
    return {
        "Episode ID": next_id(counter, "EH"),
        "Family ID": next_id(counter, "FAM"),
        "Lead Practitioner": lead,
        "Closure Reason": "NM",
    }


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
        fields = _early_help_fields(counter, "Family support worker")
        out = _episode(child, "early_help", opened, end, world, fields)
    disabled = _DISABILITIES & set(child.needs)
    if child.sen == "E" and disabled and rng.random() < base["short_break_of_ehc"]:
        fields = {
            "Episode ID": next_id(counter, "SB"),
            "Break Type": rng.choice(["ONR", "ONF", "DAY", "COM", "DP"]),
            "Hours Per Week": rng.choice([2, 3.5, 6, 8]),
        }
        out += _episode(child, "short_breaks", opened, None, world, fields)
    return out


def _looked_after(world: World, child: Child, counter: list[int], opened: date) -> list[SimRecord]:
    rng = world.rng
    end = world.start + timedelta(days=rng.randint(30, 900))
    fields = {
        "Episode ID": next_id(counter, "LAC"),
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
        "Plan ID": next_id(counter, "CINP"),
        "Assessment ID": next_id(counter, "CINA"),
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
        "Contact ID": next_id(counter, "CON"),
        "Contact Date": day,
        "Contact Source": rng.choice(["2A", "2A", "3A", "3B", "5D", "1A", "8"]),
        "Outcome": outcome,
        "Outcome Date": decided,
    }
    if outcome == "REF":
        row["Referral ID"] = next_id(counter, "REF")
        row["Primary Need"] = rng.choice(["N1", "N2", "N4", "N5"])
    out = [SimRecord("social_care", "contacts", child, decided, row)]
    if outcome == "EH":
        out += _early_help(world, child, counter, decided)
    elif outcome == "REF":
        out += _assessment(world, child, counter, decided)
    return out


def _early_help(world: World, child: Child, counter: list[int], decided: date) -> list[SimRecord]:
    """An early help episode led by the school, opened within weeks of the contact."""
    rng = world.rng
    start = decided + timedelta(days=rng.randint(3, 20))
    end = start + timedelta(days=rng.randint(90, 240))
    fields = _early_help_fields(counter, "School")
    return _episode(child, "early_help", start, end, world, fields)


def _assessment(world: World, child: Child, counter: list[int], referred: date) -> list[SimRecord]:
    rng = world.rng
    started = referred + timedelta(days=rng.randint(0, 3))
    authorised = add_working_days(
        started, rng.randint(10, 45) if rng.random() < 0.8 else rng.randint(46, 70)
    )
    outcome = rng.choices(["CIN", "STRAT", "NFA", "EH"], weights=[35, 10, 45, 10])[0]
    row = {
        "Assessment ID": next_id(counter, "CINA"),
        "Assessment Start": started,
        "Factors": rng.choice(["1C,21", "2B", "3A,4A", "21", "6A"]),
    }
    decided = {**row, "Assessment Authorised": authorised, "Assessment Outcome": outcome}
    out = [
        SimRecord("social_care", "cin", child, started, row),
        SimRecord("social_care", "cin", child, authorised, decided),
    ]
    if outcome == "CIN":
        start = authorised + timedelta(days=rng.randint(0, 10))
        plan = {**decided, "Plan ID": next_id(counter, "CINP"), "Plan Start": start}
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
    row = {"Enquiry ID": next_id(counter, "S47"), "S47 Start": start, "Strategy Discussion": start}
    out = [SimRecord("social_care", "child_protection", child, start, row)]
    done = {**row, "ICPC Date": icpc, "CP Plan": "Y" if plan else "N"}
    if plan:
        done.update(
            {
                "Plan ID": next_id(counter, "CPP"),
                "Plan Start": icpc,
                "Category of Abuse": rng.choice(["NEG", "NEG", "EMO", "PHY", "MUL"]),
            }
        )
    out.append(SimRecord("social_care", "child_protection", child, icpc, done))
    return out
