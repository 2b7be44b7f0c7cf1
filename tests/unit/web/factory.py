"""Synthetic timeline entries and identity links for the web tests (no real people).

`Person` is a child as one source system knows them; `entry` builds a `TimelineEntry` of
one of that person's events exactly as the pipeline would publish it.
"""

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

from hub import models as m
from hub.models import (
    EventType as T,
)
from hub.models import (
    IdentityLink,
    MatchExplanation,
    MatchInfo,
    MatchOutcome,
    Provenance,
    TimelineEntry,
)
from hub.timeline.summary import summarise
from tests.unit.models.samples import PAYLOADS

__all__ = ["BASE", "Person", "entry", "link", "merge"]

BASE = datetime(2025, 3, 3, 9, 0, tzinfo=UTC)

_SYSTEMS = {
    m.AgencyKind.EDUCATION: ("119000", "SIMS"),
    m.AgencyKind.HEALTH: ("RXN", "SystmOne"),
    m.AgencyKind.SOCIAL_CARE: ("888", "Mosaic"),
    m.AgencyKind.LOCAL_AUTHORITY: ("888", "CapitaOne"),
}


@dataclass(frozen=True)
class Person:
    """A child as one source knows them."""

    person_id: str
    given_name: str | None = "Ada"
    family_name: str | None = "Example"
    date_of_birth: date | None = date(2019, 3, 1)
    nhs_number: str | None = None
    upn: str | None = None

    def subject(self) -> m.Subject:
        return m.Subject(
            source_person_id=self.person_id, nhs_number=self.nhs_number, upn=self.upn,
            given_name=self.given_name, family_name=self.family_name,
            date_of_birth=self.date_of_birth, sex=m.Sex.FEMALE, postcode="PR1 2AB",
        )  # fmt: skip


def entry(
    child_id: str,
    person: Person,
    event_type: T = T.PupilEnrolled,
    *,
    day: int = 0,
    record: str | None = None,
    recorded_after: timedelta = timedelta(hours=1),
    outcome: MatchOutcome = "LINK_IDENTIFIER",
    rule: str = "source_person",
    score: float | None = None,
    published: datetime | None = None,
    offset: int = 0,
    explanation: MatchExplanation | None = None,
) -> TimelineEntry:
    """One entry on ``child_id``'s timeline: ``event_type`` occurring ``day`` days after BASE."""
    info = m.EVENT_TYPES[event_type]
    org, system = _SYSTEMS[info.agency_kind]
    source = m.Source(
        agency_kind=info.agency_kind, org_code=org, system=system,
        source_record_id=record or f"{person.person_id}-{event_type}-{day}", record_version=1,
    )  # fmt: skip
    occurred = BASE + timedelta(days=day)
    event = m.build_event(
        PAYLOADS[event_type], source=source, subject=person.subject(),
        occurred_at=occurred, recorded_at=occurred + recorded_after,
    )  # fmt: skip
    payload = event.payload.model_dump(mode="json")
    return TimelineEntry(
        entry_id=event.event_id, child_id=child_id, event=event,
        summary=summarise(event_type.value, payload),
        provenance=Provenance(
            event_id=event.event_id, topic=f"send.ingest.{info.agency_kind.value.lower()}",
            partition=0, offset=offset, match=MatchInfo(
                outcome=outcome, rule=rule, score=score,
                model_version="default-v1" if score is not None else None,
                explanation=explanation,
            ),
        ),
        published_at=published or occurred + timedelta(hours=2),
    )  # fmt: skip


def link(key: str, child_id: str, *, at: datetime = BASE) -> IdentityLink:
    """A LINK of ``key`` to ``child_id``."""
    return IdentityLink(
        key=key, child_id=child_id, kind="LINK",
        match=MatchInfo(outcome="LINK_IDENTIFIER", rule=key.split(":")[0]), at=at,
    )  # fmt: skip


def merge(loser: str, survivor: str, *, at: datetime = BASE) -> IdentityLink:
    """The MERGE redirecting ``loser`` to ``survivor``."""
    return IdentityLink(
        key=f"child:{loser}", child_id=survivor, kind="MERGE", merged_into=survivor,
        match=MatchInfo(outcome="LINK_IDENTIFIER", rule="reconcile"), at=at,
    )  # fmt: skip
