"""The sharing policy as data: which lawful bases let which role see which data category for
which purpose, and in how much detail.

A policy is a versioned file (``hub/consent/policies/v<N>.yaml``) parsed here from an
already-read mapping; ``hub.files.policy`` reads the file. Rules are a flat list of *permits*
(roles x categories x purposes -> one basis at one detail); anything no permit names is
denied. The conditions a basis needs (a relationship, an open case, a valid grant, a recorded
rationale) are the law's and live in `hub.consent.decision`; the policy says which bases a
partnership relies on and how much each shows.
"""

from __future__ import annotations

from datetime import date
from enum import StrEnum
from typing import Any, Literal, Self

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from hub.errors import ConfigError
from hub.models import EVENT_TYPES, BasisKind, DataCategory, Event, EventType, Purpose

__all__ = [
    "Detail",
    "ObjectionEffect",
    "Permit",
    "PolicyError",
    "SharingPolicy",
    "parse_policy",
]


class PolicyError(ConfigError):
    """A sharing policy file is malformed or contradicts the rules every policy must keep."""


class Detail(StrEnum):
    """How much of an entry a permit shows: the whole entry, or type, date and agency only."""

    FULL = "full"
    THIN = "thin"


ObjectionEffect = Literal["continue", "thin", "deny"]
"""What an Art 21 objection does to a flow on one basis (it is shown whenever it applies)."""

_Role = Literal[
    "SENCO", "EHC_COORD", "EP", "DCO", "DSCO", "SW", "HV", "PAED", "DSL", "OPS", "ADMIN"
]  # fmt: skip
_RelationshipKind = Literal[
    "ON_ROLL", "EHC_CASE", "EHC_ADVICE", "HEALTH_EPISODE", "SOCIAL_CARE", "EARLY_HELP",
    "CHILD_PROTECTION", "LOOKED_AFTER",
]  # fmt: skip


class _Strict(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class Permit(_Strict):
    """One rule: these roles may see these categories for these purposes on this basis."""

    id: str = Field(pattern=r"^[a-z0-9][a-z0-9-]*$")
    roles: tuple[_Role, ...] = Field(min_length=1)
    categories: tuple[DataCategory, ...] = Field(min_length=1)
    purposes: tuple[Purpose, ...] = Field(min_length=1)
    basis: BasisKind
    detail: Detail
    event_types: tuple[EventType, ...] = ()  # empty = every event type of the categories
    citation: str | None = None  # the duty a STATUTORY or SAFEGUARDING permit rests on
    why: str = Field(min_length=1)

    def covers(
        self, role: str, category: DataCategory, purpose: Purpose, etype: str | None
    ) -> bool:
        """Whether this permit speaks about this role, category, purpose and event type."""
        if role not in self.roles or category not in self.categories:
            return False
        if purpose not in self.purposes:
            return False
        return not self.event_types or (etype is not None and etype in self.event_types)


class Deciders(_Strict):
    """Ages at which decisions pass from the parent to the child or young person."""

    capacity_presumed_age: int = Field(ge=16, le=18)  # MCA 2005: presumed from 16
    opt_out_self_age: int = Field(ge=12, le=16)  # national data opt-out: self-set from 13
    send_categories: tuple[DataCategory, ...]  # CFA 2014 s.80: pass at end of compulsory school age
    gillick_categories: tuple[DataCategory, ...]  # a competent child decides on own health info


class OptOut(_Strict):
    """What the national data opt-out covers."""

    categories: tuple[DataCategory, ...] = Field(min_length=1)
    purposes: tuple[Purpose, ...] = Field(min_length=1)


class SharingPolicy(_Strict):
    """A whole sharing policy; `parse_policy` builds and checks one."""

    version: int = Field(ge=1)
    effective_from: date
    description: str
    no_child_data_roles: tuple[_Role, ...]
    access_log_roles: tuple[_Role, ...]
    event_categories: dict[EventType, DataCategory]
    escalating_categories: tuple[DataCategory, ...]
    relationship_kinds: dict[_Role, tuple[_RelationshipKind, ...]]
    objection_effect: dict[BasisKind, ObjectionEffect]
    deciders: Deciders
    opt_out: OptOut
    permits: tuple[Permit, ...] = Field(min_length=1)

    @model_validator(mode="after")
    def _consistent(self) -> Self:
        ids = [p.id for p in self.permits]
        if len(set(ids)) != len(ids):
            raise ValueError("permit ids must be unique")
        for permit in self.permits:
            _check_permit(self, permit)
        return self

    def category_of(self, event: Event) -> DataCategory:
        """An entry's data category: the policy's for its type (the event catalogue's for a
        type newer than the policy), unless the producer raised it to an escalating one."""
        if event.category in self.escalating_categories:
            return event.category
        found = self.event_categories.get(event.event_type)
        return found if found is not None else EVENT_TYPES[event.event_type].category

    def kinds_for(self, role: str) -> tuple[str, ...]:
        """Relationship kinds that make ``role`` actively involved for direct care."""
        for name, kinds in self.relationship_kinds.items():
            if name == role:
                return kinds
        return ()

    def permits_for(
        self, role: str, category: DataCategory, purpose: Purpose, etype: str | None
    ) -> list[Permit]:
        """Every permit that speaks about this role, category, purpose and event type."""
        return [p for p in self.permits if p.covers(role, category, purpose, etype)]


def _check_permit(policy: SharingPolicy, permit: Permit) -> None:
    """Rules no policy file may break, whatever a partnership writes in it."""
    blocked = (set(permit.roles) | set(policy.access_log_roles)) & set(policy.no_child_data_roles)
    if blocked:
        raise ValueError(f"permit {permit.id}: roles {sorted(blocked)} see no child data")
    if permit.basis is BasisKind.ANONYMISED:
        raise ValueError(f"permit {permit.id}: anonymised data is never read per child")
    if permit.basis in (BasisKind.STATUTORY, BasisKind.SAFEGUARDING) and not permit.citation:
        raise ValueError(f"permit {permit.id}: a {permit.basis} permit must cite its duty")
    if permit.basis is BasisKind.SAFEGUARDING and set(permit.roles) - {"DSL", "SW"}:
        raise ValueError(f"permit {permit.id}: safeguarding is for DSL and SW only")
    if permit.basis is BasisKind.DIRECT_CARE and Purpose.DIRECT_CARE not in permit.purposes:
        raise ValueError(f"permit {permit.id}: the direct-care basis serves direct care only")


def parse_policy(data: Any) -> SharingPolicy:
    """A validated `SharingPolicy` from an already-read mapping (YAML or JSON)."""
    try:
        return SharingPolicy.model_validate(data)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first["loc"]) or "policy"
        raise PolicyError(f"sharing policy: {where}: {first['msg']}") from exc
