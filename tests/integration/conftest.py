"""Real Apache Kafka for the integration tests: one broker for the whole test session.

The first test that asks for it starts a single-node Kafka 4 KRaft broker on free
loopback ports with its own temporary data dir (jars come from the shared cache,
resolved with Maven on first use). It is stopped when the session ends - also when
tests fail, on Ctrl-C (``atexit``), and if pytest itself is killed (the kernel sends
the broker SIGTERM on Linux). Its version and address are printed when it starts and
again in the terminal summary. With ``SEND_HUB_KAFKA_BOOTSTRAP`` set in the
environment, that cluster is used instead and nothing is started (its identity then comes
from ``SEND_HUB_KAFKA_USERNAME``/``PASSWORD`` and the other ``SEND_HUB_KAFKA_*`` settings).

The broker is secured as the project runs it: SASL/SCRAM sign-in, one principal per service,
ACLs. Its credentials file is exported as ``SEND_HUB_KAFKA_CREDENTIALS_FILE`` for the whole
session, so every worker, web service and CLI the tests start signs in as its own service.

Fixtures
--------
``kafka_bootstrap`` (session) -> ``str``
    ``host:port`` of the broker.
``kafka_admin`` (session) -> ``infra.security.KafkaConnection``
    The admin principal's connection (the tests' own reads, writes and topics):
    ``KafkaConsumer(**kafka_admin.kafka_python())``.
``kafka_settings`` (session) -> ``hub.config.Settings``
    Settings pointing at that broker (default topic prefix, temp data dir).
``hub_settings`` (function) -> ``Settings``
    Like ``kafka_settings`` but with a uuid topic prefix, so ``infra.topics.ensure_hub_topics``
    gives this test its own full set of hub topics (deleted afterwards).
``topic_factory`` (function) -> ``make(partitions=1, *, configs=None, prefix="it") -> str``
    Creates a uuid-named topic and returns its name; all are deleted after the test.
``new_topic`` (function) -> ``str``
    One fresh single-partition topic.
``local_broker`` (session) -> ``Settings``
    The settings the session's broker was started with (for fault tests that stop and start
    it again); the test is skipped against an existing cluster.
``kafka_cluster`` (session) -> ``tests.integration.cluster_fixtures.LocalCluster``
    A separate local 3-broker cluster, started only when a test asks for it
    (``cluster_fixtures``); skipped against an existing cluster.

Example::

    def test_round_trip(kafka_admin, topic_factory) -> None:
        topic = topic_factory(partitions=3, configs={"cleanup.policy": "compact"})
        producer = KafkaProducer(**kafka_admin.kafka_python())
        ...
"""

import atexit
import os
import uuid
from collections.abc import Callable, Iterator, Mapping
from pathlib import Path

import pytest

from hub.config import Settings
from hub.errors import HubError
from infra import kafka_runtime
from infra.credentials import Principal, credentials_path
from infra.probe import broker_answers, broker_api_version
from infra.process import free_port
from infra.security import KafkaConnection, connection_for
from infra.topics import TopicSpec, create_topics, delete_topics, hub_topic_specs
from tests.integration.cluster_fixtures import cluster_report, kafka_cluster

__all__ = ["kafka_cluster"]  # a fixture of cluster_fixtures, made visible to the tests here

TopicFactory = Callable[..., str]
_ENV_BOOTSTRAP = "SEND_HUB_KAFKA_BOOTSTRAP"
_ENV_CREDENTIALS = "SEND_HUB_KAFKA_CREDENTIALS_FILE"
_report: dict[str, str] = {}  # what the terminal summary says about the broker
_started: list[Settings] = []  # the broker this session started, if any


def _say(config: pytest.Config, line: str) -> None:
    _report["line"] = line
    reporter = config.pluginmanager.get_plugin("terminalreporter")
    if reporter is not None:
        reporter.write_line(line, bold=True)


def _external(config: pytest.Config, bootstrap: str) -> str:
    admin = connection_for(Settings(kafka_bootstrap=bootstrap), Principal.ADMIN)
    if not broker_answers(admin, timeout=10.0):
        pytest.fail(f"{_ENV_BOOTSTRAP}={bootstrap}: no Kafka broker answers there", pytrace=False)
    version = broker_api_version(admin) or "unknown"
    _say(config, f"kafka: using the existing cluster at {bootstrap} (API version {version})")
    return bootstrap


def _local_settings(data_dir: Path) -> Settings:
    port = free_port()
    controller = free_port()
    while controller == port:
        controller = free_port()
    return Settings(
        kafka_bootstrap=f"127.0.0.1:{port}",
        kafka_controller_port=controller,
        data_dir=data_dir,
        kafka_start_timeout=120.0,
    )


@pytest.fixture(scope="session")
def kafka_bootstrap(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[str]:
    """``host:port`` of a running Kafka broker for the whole session (see module docstring)."""
    external = os.environ.get(_ENV_BOOTSTRAP)
    if external:
        yield _external(request.config, external)
        return
    settings = _local_settings(tmp_path_factory.mktemp("kafka"))
    stopped = False

    def stop() -> None:
        nonlocal stopped
        if not stopped:
            stopped = True
            kafka_runtime.stop(settings, grace=20.0)

    atexit.register(stop)  # Ctrl-C or an internal error may skip the fixture's finally
    previous = os.environ.get(_ENV_CREDENTIALS)
    try:
        try:
            result = kafka_runtime.start(settings, tie_to_parent=True)
        except HubError as exc:
            pytest.fail(f"could not start Kafka for the integration tests: {exc}", pytrace=False)
        state = result.status
        _started.append(settings)
        os.environ[_ENV_CREDENTIALS] = str(credentials_path(settings))
        _say(
            request.config,
            f"kafka: Apache Kafka {state.version} (KRaft) started at {state.bootstrap} "
            f"in {result.seconds:.1f} s; log {state.log_file}",
        )
        yield settings.kafka_bootstrap
    finally:
        stop()
        if previous is None:
            os.environ.pop(_ENV_CREDENTIALS, None)
        else:
            os.environ[_ENV_CREDENTIALS] = previous


@pytest.fixture(scope="session")
def kafka_settings(kafka_bootstrap: str, tmp_path_factory: pytest.TempPathFactory) -> Settings:
    """Hub settings pointing at the session's broker (and, if it is ours, its credentials)."""
    return Settings(kafka_bootstrap=kafka_bootstrap, data_dir=tmp_path_factory.mktemp("hub"))


@pytest.fixture(scope="session")
def local_broker(kafka_bootstrap: str) -> Settings:
    """The session broker's own settings (to stop and start it); skip on an existing cluster."""
    if not _started:
        pytest.skip("the broker is an existing cluster: this test stops and starts its own")
    return _started[0]


@pytest.fixture(scope="session")
def kafka_admin(kafka_settings: Settings) -> KafkaConnection:
    """The admin principal's connection to the session's broker."""
    return connection_for(kafka_settings, Principal.ADMIN)


@pytest.fixture
def hub_settings(kafka_settings: Settings) -> Iterator[Settings]:
    """Settings with a uuid topic prefix: this test's own hub topics, deleted afterwards."""
    settings = kafka_settings.model_copy(update={"topic_prefix": f"t{uuid.uuid4().hex[:12]}"})
    yield settings
    delete_topics(
        connection_for(settings, Principal.ADMIN), [s.name for s in hub_topic_specs(settings)]
    )


@pytest.fixture
def topic_factory(kafka_admin: KafkaConnection) -> Iterator[TopicFactory]:
    """``make(partitions=1, *, configs=None, prefix="it")`` -> a new uuid-named topic."""
    made: list[str] = []

    def make(
        partitions: int = 1, *, configs: Mapping[str, str] | None = None, prefix: str = "it"
    ) -> str:
        name = f"{prefix}-{uuid.uuid4().hex}"
        create_topics(kafka_admin, [TopicSpec(name, partitions, configs or {})])
        made.append(name)
        return name

    yield make
    delete_topics(kafka_admin, made)


@pytest.fixture
def new_topic(topic_factory: TopicFactory) -> str:
    """One fresh single-partition topic, deleted after the test."""
    return topic_factory()


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    """Repeat which broker the tests ran against, after the results."""
    if "line" in _report or cluster_report:
        terminalreporter.write_sep("-", "integration broker")
        for line in [*_report.values(), *cluster_report]:
            terminalreporter.write_line(line)


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> object:
    """On a failed test, attach the tail of every worker/web log it left in its tmp_path.

    CI keeps only the printed report, and a stream test that fails usually fails because
    of something a subprocess logged (a rebalance, a crash); without this it is lost.
    """
    report = yield
    tmp = getattr(item, "funcargs", {}).get("tmp_path")
    if call.when == "call" and getattr(report, "failed", False) and isinstance(tmp, Path):
        for log in sorted(tmp.glob("*.log")):  # not RocksDB's WAL files in subfolders
            lines = log.read_text(encoding="utf-8", errors="replace").splitlines()
            report.sections.append((f"log {log.name} (last 60 lines)", "\n".join(lines[-60:])))
    return report
