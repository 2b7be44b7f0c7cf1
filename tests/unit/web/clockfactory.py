"""Timeline entries of chosen events, as the pipeline publishes them (for the clock tests)."""

from datetime import UTC, datetime

from hub import models as m
from hub.timeline.summary import summarise

__all__ = ["as_entry"]


def as_entry(child_id: str, event: m.Event) -> m.TimelineEntry:
    """``event`` on ``child_id``'s timeline."""
    kind = event.source.agency_kind.value.lower()
    return m.TimelineEntry(
        entry_id=event.event_id, child_id=child_id, event=event,
        summary=summarise(event.event_type.value, event.payload.model_dump(mode="json")),
        provenance=m.Provenance(
            event_id=event.event_id, topic=f"send.ingest.{kind}", partition=0, offset=0,
            match=m.MatchInfo(outcome="LINK_IDENTIFIER", rule="source_person"),
        ),
        published_at=datetime(2026, 1, 1, tzinfo=UTC),
    )  # fmt: skip
