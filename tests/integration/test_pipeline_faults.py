"""A batch the broker refuses is not lost: the worker stops with an error, uncommitted.

The timeline topic is set to refuse every message (``max.message.bytes`` far below an
entry's size), so the worker's first batch cannot be made durable. The worker must stop
with a non-zero exit and must not commit that batch's offsets; once the topic accepts
messages again, a restarted worker puts every accepted event on a timeline.
"""

from pathlib import Path

from kafka.admin import ConfigResource

from hub.config import Settings
from infra.probe import admin_client
from infra.topics import ensure_hub_topics
from tests.integration.test_pipeline import (
    accepted_ids,
    admin,
    entry_ids,
    publish,
    start_worker,
    wait_for_entries,
    workers,
)
from tests.integration.test_pipeline_guarantees import NOW, _population


def _timeline_max_bytes(settings: Settings, value: int) -> None:
    resource = ConfigResource("topic", settings.topic("timeline"), {"max.message.bytes": value})
    with admin_client(admin(settings)) as client:
        client.alter_configs([resource])


def test_a_refused_batch_stops_the_worker_and_is_redelivered(
    hub_settings: Settings, tmp_path: Path
) -> None:
    settings = hub_settings
    ensure_hub_topics(settings)
    events = _population(people=40, per_kind=2)
    expected = accepted_ids(events, NOW)
    _timeline_max_bytes(settings, 64)
    worker = start_worker(settings, tmp_path, "w1")
    try:
        publish(settings, events)
        code = worker.wait(90)
    finally:
        if worker.poll() is None:
            worker.kill()
    assert code != 0, "the worker went on although its outputs were refused"
    assert "a batch failed with" in (tmp_path / "w1.log").read_text(encoding="utf-8")
    assert entry_ids(settings) == []
    _timeline_max_bytes(settings, 1_048_588)  # Kafka's default again
    with workers(settings, tmp_path, ["w1"]):
        found = wait_for_entries(settings, expected)
    assert {entry.entry_id for entry in found} == expected
