"""The organisations of a simulated county that the demo's sign-in page offers people from.

The demo signs people in as staff of the same organisations whose feeds the simulator
publishes, so what they read is their own organisations' data: the first authority's
local authority and children's social care, its community health provider, and its
special school (the school with the most pupils with EHC plans).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from connectors.simulator.world import build_world

__all__ = ["DemoOrganisations", "demo_organisations"]


@dataclass(frozen=True)
class DemoOrganisations:
    """Codes and plain names of the organisations the demo people work for."""

    la_code: str
    la_name: str
    sen_system: str
    social_care_system: str
    health_org: str
    health_system: str
    school_urn: str
    school_system: str


def demo_organisations(children: int, days: int, seed: int, start: date) -> DemoOrganisations:
    """The first authority's organisations in the world ``simulate`` builds from these inputs."""
    world = build_world(children, days, seed, start)
    code = sorted(world.ref.authorities)[0]
    la = world.ref.authorities[code]
    school = world.schools[(code, "special")][0]
    return DemoOrganisations(
        la_code=code, la_name=la.name, sen_system=la.sen_case, social_care_system=la.social_care,
        health_org=la.health_org, health_system=la.health_system, school_urn=school.urn,
        school_system=school.system,
    )  # fmt: skip
