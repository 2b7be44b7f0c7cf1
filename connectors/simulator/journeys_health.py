"""Health journeys: the 2-2.5 year review, referrals, appointments and diagnoses.

The 2-2.5 year review carries ASQ-3 scores; referrals (SALT, OT, physio, paediatrics,
CAMHS) are accepted, wait long, lead to appointments (some not brought) and, after
paediatric assessment, to diagnoses coded in SNOMED CT.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from connectors.simulator.calendar import age_days
from connectors.simulator.journeys import SimRecord, next_id
from connectors.simulator.population import Child
from connectors.simulator.world import World

__all__ = ["health_journeys"]

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


def health_journeys(world: World, child: Child, counter: list[int]) -> list[SimRecord]:
    records = _two_year_review(world, child)
    rates = world.ref.rates
    rate = rates["referral_health_sen"] if child.sen != "N" else rates["referral_health"]
    if age_days(child.dob, world.start) < 19 * 365 and world.chance(rate):
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
    age = age_days(child.dob, due) // 30
    fields = {"scores": scores, "outcome": outcome, "age_months": age}
    return [SimRecord("health", "review", child, due, fields)]


def _referral(world: World, child: Child, counter: list[int], made: date) -> list[SimRecord]:
    rng, years = world.rng, age_days(child.dob, made) / 365
    service = _service(world, child, years)
    code, low, high = _SERVICES[service]
    base = {"referral_id": next_id(counter, "SR"), "service": code}
    expected = made + timedelta(days=rng.randint(low, high))
    accepted = made + timedelta(days=rng.randint(2, 20))
    priority = "urgent" if rng.random() < 0.1 else "routine"
    records = [
        SimRecord("health", "referral", child, made, {**base, "priority": priority}),
        SimRecord("health", "accepted", child, accepted, {**base, "expected": expected}),
    ]
    visits, last_seen = _appointments(world, child, counter, base, expected)
    records += visits
    if service == "PAEDIATRICS" and last_seen is not None and rng.random() < 0.5:
        records.append(_diagnosis(world, child, last_seen, years))
    return records


def _service(world: World, child: Child, years: float) -> str:
    """Younger children go to speech and language, older ones to mental health."""
    choices = ["SALT", "PAEDIATRICS", "OT"] if years < 8 else ["CAMHS", "PAEDIATRICS", "OT"]
    if "PD" in child.needs:
        choices.append("PHYSIO")
    return world.rng.choice(choices)


def _appointments(
    world: World, child: Child, counter: list[int], base: dict[str, Any], first: date
) -> tuple[list[SimRecord], date | None]:
    """One to four visits from ``first``, and the last day the child was actually seen."""
    rng, when = world.rng, first
    records: list[SimRecord] = []
    last_seen: date | None = None
    for visit in range(rng.randint(1, 4)):
        appointment_id = next_id(counter, "AP")
        attended = rng.random() > 0.1
        kind = "appointment" if rng.random() < 0.7 or not attended else "encounter"
        fields = {**base, "appointment_id": appointment_id, "attended": attended}
        fields["first"] = visit == 0
        records.append(SimRecord("health", kind, child, when, fields))
        last_seen = when if attended else last_seen
        # A child not brought is rebooked sooner than a routine follow-up.
        when += timedelta(days=rng.randint(14, 21) if not attended else rng.randint(21, 70))
    return records, last_seen


def _diagnosis(world: World, child: Child, day: date, years: float) -> SimRecord:
    rng = world.rng
    code, display = _DIAGNOSES[0] if years < 10 or rng.random() < 0.5 else _DIAGNOSES[1]
    return SimRecord("health", "diagnosis", child, day, {"code": code, "display": display})
