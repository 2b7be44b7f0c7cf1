"""The identity link: the contract of ``send.identity.links`` (compacted).

The worker publishes an `IdentityLink` for every key it ties to a child. Readers (the web
service, other workers rebuilding their crosswalk) replay the compacted topic; a MERGE link
redirects the loser's entries to the survivor.
"""

from __future__ import annotations

from typing import Literal

from hub.models.base import AvroModel, UtcMillis
from hub.models.match import MatchInfo, PersonSnapshot

__all__ = ["IdentityLink", "LinkKind", "source_person_key"]

LinkKind = Literal["LINK", "MERGE", "UNMERGE"]


class IdentityLink(AvroModel):
    """A key tied to a child (LINK), a child merged into another (MERGE), or moved (UNMERGE).

    Keys: ``src:<agency_kind>:<org_code>:<system>:<source_person_id>``, ``nhs:<10 digits>``,
    ``upn:<13 chars>``, and for MERGE ``child:<loser id>`` with ``merged_into`` = survivor.
    UNMERGE re-ties a ``src:``/``nhs:``/``upn:`` key to ``child_id`` (split off its old child).
    """

    key: str
    child_id: str
    kind: LinkKind
    merged_into: str | None = None
    match: MatchInfo
    at: UtcMillis
    person: PersonSnapshot | None = None  # on src: links, to rebuild the candidate index


def source_person_key(agency_kind: str, org_code: str, system: str, source_person_id: str) -> str:
    """``src:<agency_kind>:<org_code>:<system>:<source_person_id>``: a person in their source.

    Local ids are unique only within one system of one organisation, so the key names both.
    """
    return f"src:{agency_kind}:{org_code}:{system}:{source_person_id}"
