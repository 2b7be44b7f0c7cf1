"""Which organisations are involved with a child, for deciding who may review its identity.

For now involvement comes from a configured partnership file (read by `hub.files.partnership`):
groups of organisations that share casework under one agreement. A reviewer's organisation is
involved with a child when it holds one of the child's records itself, or shares a group with
an organisation that does. Without a file only the first holds, which is the safe default.
A group listing ``"*"`` covers every organisation: for the synthetic demo only.

`involved` is the one function to swap when relationships derived from the streams (consent
work) replace the file.
"""

from collections.abc import Iterable
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

__all__ = ["ANY_ORGANISATION", "Partnership", "PartnershipGroup", "involved", "org_of_key"]

ANY_ORGANISATION = "*"


class PartnershipGroup(BaseModel):
    """Organisations (ODS codes, URNs, LA codes) sharing casework under one agreement."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    name: str = Field(min_length=1)
    organisations: frozenset[str] = Field(min_length=1)


class Partnership(BaseModel):
    """The partnership membership file (version 1)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    version: Literal[1] = 1
    groups: tuple[PartnershipGroup, ...] = ()


def org_of_key(key: str) -> str | None:
    """The organisation code of a source person key ``src:<kind>:<org>:<system>:<id>``."""
    parts = key.split(":", 4)
    return parts[2] if len(parts) == 5 and parts[0] == "src" else None


def involved(partnership: Partnership | None, org: str, child_orgs: Iterable[str]) -> bool:
    """Whether a person of ``org`` is involved with a child whose records come from these."""
    held = set(child_orgs)
    if org in held:
        return True
    for group in partnership.groups if partnership else ():
        everyone = ANY_ORGANISATION in group.organisations
        if (everyone or org in group.organisations) and (everyone or held & group.organisations):
            return True
    return False
