"""Run the real ``send-hub web`` against a real broker, for the integration and browser tests.

Not a test module: the integration tests import it. `start_web` spawns the service as a
child process with its own settings (topic prefix, data dir, free port) and waits for
``/ready``; `publish` puts pydantic-built entries, links and review items on the topics with
the serde; `read_decisions` reads back what the service produced to ``send.identity.decisions``.
"""

import os
import signal
import subprocess
import time
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import httpx
from kafka import KafkaConsumer, KafkaProducer, TopicPartition

from hub.auth import Caller, OrgKind, Role, issue_token
from hub.config import Settings
from hub.models import (
    AgencyKind,
    BasisKind,
    ConsentAction,
    ConsentRecord,
    DataCategory,
    IdentityLink,
    IdentityReviewDecision,
    LawfulBasis,
    OrgCodeKind,
    Purpose,
    Recipient,
    RecipientRole,
    ReviewItem,
    Source,
    Subject,
    TimelineEntry,
)
from hub.web.server import spawn
from infra.credentials import Principal
from infra.process import free_port
from infra.security import connection_for
from schemas.serde import decode_model, encode_model

__all__ = [
    "LiveWeb",
    "caseworker_token",
    "publish",
    "read_decisions",
    "safeguarding_record",
    "social_worker_token",
    "start_web",
]

SECRET = "integration-secret-of-a-decent-length-2026"


@dataclass
class LiveWeb:
    """A running ``send-hub web`` child process."""

    url: str
    proc: subprocess.Popen[bytes]

    def stop(self) -> int:
        """SIGTERM, then wait (SIGKILL after 20 s); returns the exit code."""
        if self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGTERM)
        try:
            return self.proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(self.proc.pid, signal.SIGKILL)
            return self.proc.wait(timeout=10)


def _env(settings: Settings, port: int) -> dict[str, str]:
    return {
        "SEND_HUB_KAFKA_BOOTSTRAP": settings.kafka_bootstrap,
        "SEND_HUB_TOPIC_PREFIX": settings.topic_prefix,
        "SEND_HUB_DATA_DIR": str(settings.data_dir),
        "SEND_HUB_WEB_HOST": "127.0.0.1",
        "SEND_HUB_WEB_PORT": str(port),
        "SEND_HUB_AUTH_SECRET": SECRET,
        "SEND_HUB_LOG_LEVEL": "WARNING",
        "SEND_HUB_PARTNERSHIP_FILE": _partnership(settings),
    }


def _partnership(settings: Settings) -> str:
    """A test's own partnership file if it set one, else one where everyone shares casework."""
    if os.environ.get("SEND_HUB_PARTNERSHIP_FILE"):
        return os.environ["SEND_HUB_PARTNERSHIP_FILE"]
    path = settings.data_dir / "everyone-partnership.yaml"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text('version: 1\ngroups:\n  - name: everyone\n    organisations: ["*"]\n')
    return str(path)


def start_web(
    settings: Settings, *, rebuild: bool = False, timeout: float = 60.0,
    env: dict[str, str] | None = None, until: str = "/ready",
) -> LiveWeb:  # fmt: skip
    """Start the service (``env`` added to its settings) and wait until ``until`` answers 200."""
    port = free_port()
    web = LiveWeb(f"http://127.0.0.1:{port}",
                  spawn({**_env(settings, port), **(env or {})}, rebuild=rebuild))  # fmt: skip
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if web.proc.poll() is not None:
            raise AssertionError(f"send-hub web exited with {web.proc.returncode}")
        try:
            if httpx.get(f"{web.url}{until}", timeout=2).status_code == 200:
                return web
        except httpx.HTTPError:
            pass
        time.sleep(0.25)
    web.stop()
    raise AssertionError(f"send-hub web not ready after {timeout:.0f}s")


def publish(
    settings: Settings,
    entries: Iterable[TimelineEntry] = (),
    links: Iterable[IdentityLink] = (),
    raw_timeline: Iterable[bytes] = (),
    reviews: Iterable[ReviewItem] = (),
    consents: Iterable[ConsentRecord] = (),
) -> None:
    """Entries to ``send.timeline`` (key child id), links to the links topic (key = key), review
    items to ``send.identity.review`` (key = review id), consent records to ``send.consent``."""
    # As admin: the test stands in for the worker and for a consent source at once.
    admin = connection_for(settings, Principal.ADMIN)
    producer = KafkaProducer(**admin.kafka_python(), acks="all")
    for record in consents:
        producer.send(settings.topic("consent"), key=record.consent_id.encode(),
                      value=encode_model(record))  # fmt: skip
    for item in reviews:
        producer.send(settings.topic("identity.review"), key=item.review_id.encode(),
                      value=encode_model(item))  # fmt: skip
    for link in links:
        producer.send(
            settings.topic("identity.links"), key=link.key.encode(), value=encode_model(link)
        )
    for entry in entries:
        producer.send(
            settings.topic("timeline"), key=entry.child_id.encode(), value=encode_model(entry)
        )
    for value in raw_timeline:
        producer.send(settings.topic("timeline"), key=b"garbage", value=value)
    producer.flush(timeout=30)
    producer.close(timeout=10)


def caseworker_token(
    subject: str = "it-caseworker", *, role: Role = Role.EHC_COORD, org: str = "888",
    org_kind: OrgKind = OrgKind.LOCAL_AUTHORITY, purpose: Purpose = Purpose.STATUTORY_EHC,
) -> str:  # fmt: skip
    """A token the live service accepts (signed with its secret). By default the LA's EHC
    coordinator reading on the statutory EHC duty: the consent policy shows them a child with
    an open EHC needs assessment or plan run by LA 888 (education and SEN in full)."""
    caller = Caller(subject=subject, org=org, org_kind=org_kind, role=role, purpose=purpose)
    return issue_token(caller, secret=SECRET, issuer="send-hub", now=datetime.now(UTC),
                       ttl=timedelta(hours=1))  # fmt: skip


def safeguarding_record(source_key: str, consent_id: str, org: str = "888") -> ConsentRecord:
    """A recorded safeguarding decision to share a source person's data with the social workers
    of ``org`` (so a test reviewer may see children the worker creates)."""
    _, kind, src_org, system, person = source_key.split(":", 4)
    now = datetime.now(UTC)
    return ConsentRecord(
        consent_id=consent_id, action=ConsentAction.GRANT,
        source=Source(agency_kind=AgencyKind(kind), org_code=src_org, system=system,
                      source_record_id=consent_id, record_version=1),
        subject=Subject(source_person_id=person), categories=tuple(DataCategory),
        purposes=(Purpose.SAFEGUARDING,),
        recipient=Recipient(org_code=org, org_code_kind=OrgCodeKind.LA, role=RecipientRole.SW),
        basis=LawfulBasis(kind=BasisKind.SAFEGUARDING, practitioner="team manager",
                          rationale="integration test: strategy discussion held"),
        valid_from=now - timedelta(days=1), recorded_at=now,
    )  # fmt: skip


def social_worker_token(subject: str = "it-reviewer") -> str:
    """A social worker of LA 888 reading for safeguarding (sees what `safeguarding_record`s
    cover)."""
    return caseworker_token(subject, role=Role.SW, org_kind=OrgKind.SOCIAL_CARE,
                            purpose=Purpose.SAFEGUARDING)  # fmt: skip


def read_decisions(
    settings: Settings, expect: int, timeout_ms: int = 20000
) -> list[tuple[bytes, IdentityReviewDecision]]:
    """(key, decision) pairs on ``send.identity.decisions``, decoded with the serde."""
    consumer = KafkaConsumer(
        **connection_for(settings, Principal.ADMIN).kafka_python(), group_id=None,
        auto_offset_reset="earliest", consumer_timeout_ms=timeout_ms,
    )  # fmt: skip
    topic = settings.topic("identity.decisions")
    consumer.assign([TopicPartition(topic, p) for p in consumer.partitions_for_topic(topic)])
    found: list[tuple[bytes, IdentityReviewDecision]] = []
    for message in consumer:
        model = decode_model(message.value)
        assert isinstance(model, IdentityReviewDecision)
        found.append((message.key, model))
        if len(found) >= expect:
            break
    consumer.close()
    return found
