"""Simulator feeds published through the adapters and SDK to the real broker, read back exactly."""

import uuid
from collections import Counter
from pathlib import Path

from kafka import KafkaConsumer

from connectors.pipeline import PublisherSink
from connectors.sdk import ingest_topics
from connectors.simulator import simulate
from connectors.simulator.replay import publish_simulation
from hub.config import Settings
from hub.models import Event
from infra.credentials import Principal
from infra.security import KafkaConnection, connection_for
from infra.topics import ensure_hub_topics
from schemas.serde import decode_event


def _read_topic(kafka: KafkaConnection, topic: str, expected: int) -> list[tuple[bytes, Event]]:
    consumer = KafkaConsumer(
        topic,
        **kafka.kafka_python(),
        auto_offset_reset="earliest",
        enable_auto_commit=False,
        consumer_timeout_ms=15_000,
        group_id=f"it-{uuid.uuid4().hex}",
    )
    records = []
    for message in consumer:
        records.append((message.key, decode_event(message.value)))
        if len(records) >= expected:
            break
    consumer.close()
    return records


def test_simulator_output_is_published_and_read_back_per_topic(
    hub_settings: Settings, tmp_path: Path
) -> None:
    ensure_hub_topics(hub_settings)
    out = tmp_path / "sim"
    simulate(150, 60, 11, out)
    expected_events: list[Event] = []
    assert publish_simulation(out, expected_events.append).rejected == 0

    sink = PublisherSink(hub_settings.kafka_bootstrap, hub_settings.topic_prefix)
    run = publish_simulation(out, sink, rejects=tmp_path / "rejects.csv")
    sink.close()
    assert run.rejected == 0 and run.published == len(expected_events)

    topics = ingest_topics(hub_settings.topic_prefix)
    for kind, topic in topics.items():
        expected = Counter(e.event_id for e in expected_events if e.source.agency_kind == kind)
        assert expected, f"the simulation published nothing for {kind}"
        records = _read_topic(
            connection_for(hub_settings, Principal.ADMIN), topic, sum(expected.values())
        )
        assert Counter(event.event_id for _, event in records) == expected
        for key, event in records:
            assert key == f"{event.source.org_code}:{event.subject.source_person_id}".encode()


def test_republishing_the_same_file_sends_the_same_event_ids(
    hub_settings: Settings, tmp_path: Path
) -> None:
    ensure_hub_topics(hub_settings)
    out = tmp_path / "sim"
    simulate(40, 20, 3, out)
    for _ in range(2):
        sink = PublisherSink(hub_settings.kafka_bootstrap, hub_settings.topic_prefix)
        publish_simulation(out, sink)
        sink.close()
    topic = ingest_topics(hub_settings.topic_prefix)[next(iter(ingest_topics()))]
    records = _read_topic(connection_for(hub_settings, Principal.ADMIN), topic, 10**9)
    counts = Counter(event.event_id for _, event in records)
    assert counts and all(n % 2 == 0 for n in counts.values())
