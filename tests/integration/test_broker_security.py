"""The secured broker refuses, on the real thing, what the issue's attacker did.

Each refusal is paired with the same call made by the principal that *is* allowed, on the
same topic, so a test fails if the refusal came from anything but the broker's
authentication or ACLs (a missing topic, a wrong address).
"""

import asyncio
import logging
import time
from collections.abc import Callable, Iterator
from dataclasses import replace

import pytest
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer
from aiokafka import TopicPartition as AioPartition
from aiokafka.errors import KafkaConnectionError
from aiokafka.errors import TopicAuthorizationFailedError as AioTopicAuthorizationFailed
from kafka import KafkaProducer
from kafka.errors import KafkaTimeoutError, TopicAuthorizationFailedError
from pydantic import SecretStr

from connectors.sdk import Publisher, PublishFailed, ingest_topics
from hub.config import Settings
from hub.models import AgencyKind
from infra.credentials import Principal, publisher_for
from infra.security import KafkaConnection, connection_for
from infra.topics import ensure_hub_topics, manages_acls
from tests.unit.connectors.helpers import read

_WAIT_MS = 5000


@pytest.fixture
def secured(hub_settings: Settings) -> Iterator[Settings]:
    """This test's hub topics, with the ACLs the project grants on its own broker."""
    if not manages_acls(hub_settings):
        pytest.skip("an existing cluster's ACLs are its operator's, not the project's")
    ensure_hub_topics(hub_settings)
    yield hub_settings


def _as(settings: Settings, principal: Principal) -> KafkaConnection:
    return connection_for(settings, principal)


def _write(connection: KafkaConnection, topic: str) -> None:
    """One record, waited for; raises what the broker answered."""
    producer = KafkaProducer(
        **connection.kafka_python(), acks="all", max_block_ms=_WAIT_MS,
        bootstrap_timeout_ms=_WAIT_MS, retries=0,
    )  # fmt: skip
    try:
        producer.send(topic, key=b"k", value=b"forged").get(timeout=30)
    finally:
        producer.close(timeout=5)


def test_a_client_without_credentials_cannot_write_decisions(secured: Settings) -> None:
    topic = secured.topic("identity.decisions")
    with pytest.raises(KafkaTimeoutError):  # the SASL listener drops a PLAINTEXT client
        _write(KafkaConnection(secured.kafka_bootstrap), topic)
    _write(_as(secured, Principal.WEB), topic)  # the web, signed in, may


def test_a_signed_in_service_without_a_grant_cannot_write_decisions(secured: Settings) -> None:
    for principal in (Principal.WORKER, publisher_for(AgencyKind.SOCIAL_CARE)):
        with pytest.raises(TopicAuthorizationFailedError):
            _write(_as(secured, principal), secured.topic("identity.decisions"))


def test_an_agency_publisher_writes_only_its_own_ingest_topic(secured: Settings) -> None:
    education = _as(secured, publisher_for(AgencyKind.EDUCATION))
    _write(education, secured.topic("ingest.education"))
    for short in ("ingest.health", "ingest.social_care", "timeline", "identity.links"):
        with pytest.raises(TopicAuthorizationFailedError):
            _write(education, secured.topic(short))
    _write(_as(secured, Principal.WORKER), secured.topic("timeline"))  # the worker may


def test_the_sdk_cannot_send_one_agencys_events_to_another_agencys_topic(
    secured: Settings,
) -> None:
    event = read("sen-case", "sen_case_activity.csv").events[0]  # a local-authority event
    kind = event.source.agency_kind
    topics = ingest_topics(secured.topic_prefix)
    forged = {**topics, kind: topics[AgencyKind.HEALTH]}
    forging = Publisher(secured.kafka_bootstrap, topics=forged, settings=secured)
    with pytest.raises(PublishFailed, match="TopicAuthorizationFailed"), forging:
        forging.publish(event)
    with Publisher(secured.kafka_bootstrap, topics=topics, settings=secured) as publisher:
        publisher.publish(event)
    assert publisher.stats.delivered == 1


def test_the_web_cannot_write_the_timeline(secured: Settings) -> None:
    web = _as(secured, Principal.WEB)
    for short in ("timeline", "identity.links", "identity.review", "deadletter"):
        with pytest.raises(TopicAuthorizationFailedError):
            _write(web, secured.topic(short))
    _write(web, secured.topic("audit"))  # its own topic


def _read(
    connection: KafkaConnection, topic: str, partitions: int,
    done: Callable[[int], bool] = lambda count: count > 0,
) -> int:  # fmt: skip
    """Records read from the start of ``topic`` until ``done`` (at most a few seconds);
    raises what the broker said."""

    async def read() -> int:
        consumer = AIOKafkaConsumer(
            **connection.aiokafka(), group_id=None, enable_auto_commit=False,
            auto_offset_reset="earliest",
        )  # fmt: skip
        await consumer.start()
        count = 0
        try:
            consumer.assign([AioPartition(topic, p) for p in range(partitions)])
            deadline = time.monotonic() + _WAIT_MS / 1000
            while time.monotonic() < deadline and not done(count):
                batches = await consumer.getmany(timeout_ms=200)
                count += sum(len(batch) for batch in batches.values())
        finally:
            await consumer.stop()
        return count

    return asyncio.run(read())


def _refused_read(
    connection: KafkaConnection, topic: str, partitions: int, caplog: pytest.LogCaptureFixture
) -> None:
    """The broker refuses: the fetch is refused (a principal that may describe the topic),
    or even its metadata is (one that may not), so nothing is ever read."""
    caplog.clear()
    refusal = f"Topic {topic} is not authorized"
    with caplog.at_level(logging.WARNING, logger="aiokafka"):
        try:
            count = _read(connection, topic, partitions, lambda n: n > 0 or refusal in caplog.text)
        except AioTopicAuthorizationFailed:
            return
    assert count == 0 and refusal in caplog.text


def test_only_the_web_reads_the_audit_trail(
    secured: Settings, caplog: pytest.LogCaptureFixture
) -> None:
    topic, partitions = secured.topic("audit"), secured.topic_partitions
    _write(_as(secured, Principal.WEB), topic)
    for principal in (Principal.WORKER, publisher_for(AgencyKind.HEALTH)):
        _refused_read(_as(secured, principal), topic, partitions, caplog)
    # The web reads it back for each child's access log; so does the admin's tooling.
    assert _read(_as(secured, Principal.WEB), topic, partitions) == 1
    assert _read(_as(secured, Principal.ADMIN), topic, partitions) == 1


def test_a_wrong_password_is_refused(secured: Settings, caplog: pytest.LogCaptureFixture) -> None:
    web = _as(secured, Principal.WEB)
    wrong = replace(web, password=SecretStr("not-the-password"))

    async def start(connection: KafkaConnection) -> None:
        producer = AIOKafkaProducer(**connection.aiokafka(), request_timeout_ms=_WAIT_MS)
        try:
            await producer.start()
        finally:
            await producer.stop()

    with caplog.at_level(logging.ERROR, logger="aiokafka"), pytest.raises(KafkaConnectionError):
        asyncio.run(start(wrong))
    assert "SaslAuthenticationFailed" in caplog.text
    asyncio.run(start(web))  # the right password signs in
