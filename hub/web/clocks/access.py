"""Who may read the partnership KPIs: one small function, so the consent policy can replace it.

KPIs are aggregates (counts by LA and month, no child), read for statutory returns and
planning. For now: people at a local authority in the EHC coordinator or administrator role.
"""

from hub.auth import Caller, OrgKind, Role

__all__ = ["KPI_ROLES", "can_read_kpis"]

KPI_ROLES = frozenset({Role.EHC_COORD, Role.ADMIN})


def can_read_kpis(caller: Caller) -> bool:
    """Whether ``caller`` may read the KPI rows and the board."""
    return caller.org_kind is OrgKind.LOCAL_AUTHORITY and caller.role in KPI_ROLES
