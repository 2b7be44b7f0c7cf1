"""Who acts on the hub: caller roles and the reviewer identity that decisions carry.

A review decision names the person who made it (and, for an unmerge, the second person who
approved it) as their access token named them, so the worker can check that they may decide
for these children before it changes who is who.
"""

from enum import StrEnum

from pydantic import Field

from hub.models.base import AvroModel
from hub.models.enums import AgencyKind

__all__ = ["CallerRole", "Reviewer"]


class CallerRole(StrEnum):
    """Recipient roles of the partnership's data-sharing rules, plus operators and admins."""

    SENCO = "SENCO"
    EHC_COORD = "EHC_COORD"
    EP = "EP"
    DCO = "DCO"
    DSCO = "DSCO"
    SW = "SW"
    HV = "HV"
    PAED = "PAED"
    DSL = "DSL"
    OPS = "OPS"
    ADMIN = "ADMIN"


class Reviewer(AvroModel):
    """A signed-in person acting on identities (subject, organisation, its kind, role)."""

    subject: str = Field(min_length=1, max_length=200)
    org: str = Field(min_length=1, max_length=64)
    org_kind: AgencyKind
    role: CallerRole
