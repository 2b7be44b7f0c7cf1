"""What ``send-hub demo`` prepares before it starts the services: the demo people.

The people work for the organisations the simulator publishes as (`connectors.simulator.
organisations`), so each one reads their own organisations' records. They are written to
``<SEND_HUB_DATA_DIR>/demo/people.json``, where the web service finds them.
"""

from datetime import date
from pathlib import Path

from connectors.simulator.organisations import DemoOrganisations, demo_organisations
from hub.auth import Role
from hub.models import AgencyKind, Purpose
from hub.web.demo.people import DemoPerson, people_path, save_people

__all__ = ["demo_people", "write_demo_people"]


# The EHC coordinator reads for the statutory EHC duty (the sharing policy's basis for the LA);
# the others for direct care. The ops engineer sees no child data, so starts on /ops.
_PURPOSE = {"ehc-coordinator": Purpose.STATUTORY_EHC}
_HOME = {"ops-engineer": "/ops"}


def demo_people(orgs: DemoOrganisations) -> list[DemoPerson]:
    """An LA EHC coordinator, a school SENCo, a health visitor, a social worker, an ops engineer."""
    la = f"{orgs.la_name} County Council (local authority {orgs.la_code})"
    rows = [
        ("ehc-coordinator", "EHC coordinator", f"{la}, SEN team ({orgs.sen_system})",
         "Runs EHC needs assessments and plans; decides identity reviews.",
         orgs.la_code, AgencyKind.LOCAL_AUTHORITY, Role.EHC_COORD),
        ("senco", "SENCo", f"Special school, URN {orgs.school_urn} ({orgs.school_system})",
         "Co-ordinates SEN support for the school's pupils.",
         orgs.school_urn, AgencyKind.EDUCATION, Role.SENCO),
        ("health-visitor", "Health visitor",
         f"Community health provider {orgs.health_org} ({orgs.health_system})",
         "Sees young children and their families; refers to therapies.",
         orgs.health_org, AgencyKind.HEALTH, Role.HV),
        ("social-worker", "Social worker",
         f"{orgs.la_name} children's social care ({orgs.social_care_system})",
         "Works with children in need and on protection plans.",
         orgs.la_code, AgencyKind.SOCIAL_CARE, Role.SW),
        ("ops-engineer", "Operations engineer", f"{la}, data and digital team",
         "Watches the streams: lag, dead letters, quiet feeds; never sees a child's data.",
         orgs.la_code, AgencyKind.LOCAL_AUTHORITY, Role.OPS),
    ]  # fmt: skip
    return [
        DemoPerson(
            key=key,
            title=title,
            organisation=org_name,
            does=does,
            subject=f"demo.{key}",
            org=org,
            org_kind=kind,
            role=role,
            purpose=_PURPOSE.get(key, Purpose.DIRECT_CARE),
            home=_HOME.get(key, "/search"),
        )
        for key, title, org_name, does, org, kind, role in rows
    ]


def write_demo_people(data_dir: Path, children: int, days: int, seed: int, start: date) -> Path:
    """Write the demo people for this simulation; the path written."""
    path = people_path(data_dir)
    save_people(path, demo_people(demo_organisations(children, days, seed, start)))
    return path
