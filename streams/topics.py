"""Topic names the worker reads and writes, from the hub settings' prefix."""

from dataclasses import dataclass

from hub.config import Settings

__all__ = ["AGENCY_OF_TOPIC", "HubTopics", "hub_topics"]

_INGEST = {
    "ingest.education": "EDUCATION",
    "ingest.health": "HEALTH",
    "ingest.social_care": "SOCIAL_CARE",
    "ingest.local_authority": "LOCAL_AUTHORITY",
}
AGENCY_OF_TOPIC = _INGEST  # short ingest topic name -> agency kind (a metric label)


@dataclass(frozen=True)
class HubTopics:
    """Full topic names for one prefix."""

    ingest: dict[str, str]  # full topic name -> agency kind
    timeline: str
    links: str
    deadletter: str
    review: str = ""
    decisions: str = ""
    audit: str = ""  # refused identity decisions are audited here

    def agency_of(self, topic: str) -> str:
        return self.ingest.get(topic, "UNKNOWN")


def hub_topics(settings: Settings) -> HubTopics:
    """The worker's topics under ``settings.topic_prefix``."""
    return HubTopics(
        ingest={settings.topic(short): kind for short, kind in _INGEST.items()},
        timeline=settings.topic("timeline"),
        links=settings.topic("identity.links"),
        deadletter=settings.topic("deadletter"),
        review=settings.topic("identity.review"),
        decisions=settings.topic("identity.decisions"),
        audit=settings.topic("audit"),
    )
