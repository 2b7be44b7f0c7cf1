"""Brothers, sisters and twins: children who share a family name and a home.

Matching must never merge two children of one household, who share surname, address,
postcode and (twins) date of birth. After the population is made, some children become
the sibling of the child made just before them (so families of three or more happen
too): they take the elder's surname and first home; some are twins instead, born the
same day (their SEN status and ULN are set again for that age), with a different given
name. Families draw from their own random stream, seeded from the population itself,
so adding them leaves every later draw of the simulation where it was.
"""

from __future__ import annotations

import random
from datetime import date
from itertools import pairwise

from connectors.simulator.population import Child, _set_sen, _uln
from connectors.simulator.reference import Reference

__all__ = ["SIBLING_SHARE", "TWIN_SHARE", "make_families"]

SIBLING_SHARE = 0.25  # of children, a sibling of the child before them
TWIN_SHARE = 0.03  # of children, the twin of the child before them


def _family_rng(children: list[Child]) -> random.Random:
    # Seeded from what the population's own seed produced, not from its stream.
    return random.Random("|".join(c.nhs_number or c.child_id for c in children[:8]))


def _join(younger: Child, elder: Child) -> None:
    younger.surnames = [(younger.dob, elder.surnames[0][1])]
    younger.addresses = [(younger.dob, elder.addresses[0][1])]


def _twin(rng: random.Random, ref: Reference, child: Child, elder: Child, start: date) -> None:
    child.dob = elder.dob
    if child.given_name == elder.given_name:
        others = [n for n in ref.given_names[child.sex] if n != elder.given_name]
        child.given_name = rng.choice(others)
    child.uln = _uln(rng) if elder.uln else None
    child.sen, child.needs = "N", []
    _set_sen(child, rng, ref, start)
    _join(child, elder)


def make_families(children: list[Child], ref: Reference, start: date) -> int:
    """Turn some children into siblings or twins of the one before; returns how many."""
    rng = _family_rng(children)
    joined = 0
    for elder, child in pairwise(children):
        draw = rng.random()
        if draw < TWIN_SHARE:
            _twin(rng, ref, child, elder, start)
        elif draw < TWIN_SHARE + SIBLING_SHARE:
            _join(child, elder)
        else:
            continue
        joined += 1
    return joined
