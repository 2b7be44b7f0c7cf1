"""Who acts on identities: the reviewer identity that review decisions carry.

A review decision names the person who made it (and, for an unmerge, the second person who
approved it) as their access token named them, so the worker can check that they may decide
for these children before it changes who is who.
"""

from pydantic import Field

from hub.models.audit import CallerRole
from hub.models.base import AvroModel
from hub.models.enums import AgencyKind

__all__ = ["Reviewer"]


class Reviewer(AvroModel):
    """A signed-in person acting on identities (subject, organisation, its kind, role)."""

    subject: str = Field(min_length=1, max_length=200)
    org: str = Field(min_length=1, max_length=64)
    org_kind: AgencyKind
    role: CallerRole
