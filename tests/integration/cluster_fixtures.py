"""A local 3-broker Kafka cluster for the tests that ask for it (``kafka_cluster``, session).

Imported by ``conftest.py``. Nothing starts unless a test requests ``kafka_cluster``: then
``infra.cluster_runtime`` starts 3 combined KRaft nodes on free loopback ports, in their own
temporary data dir, secured as the single test broker is (SASL/SCRAM, one principal per
service, ACLs). Start-up is bounded (``_START_TIMEOUT``), the version is printed when it is
ready and again in the terminal summary, and the nodes are always stopped at the end of the
session - on failures too, on Ctrl-C (``atexit``), and by the kernel if pytest is killed.

Both fixtures share one credentials file when both run (the first to start exports it as
``SEND_HUB_KAFKA_CREDENTIALS_FILE``), so every worker a test starts signs in to either.
With ``SEND_HUB_KAFKA_BOOTSTRAP`` set (an existing cluster), tests asking for it are skipped.

``kafka_cluster`` (session) -> `LocalCluster`
    ``.settings``: clients' settings (every node's address); ``.control``: what it was started
    with (for `start_cluster`/`stop_cluster`); ``.status()``: each node's pid and address;
    ``.heal()``: start any node a test killed, and wait for it.
"""

import atexit
import os
from collections.abc import Iterator
from dataclasses import dataclass

import pytest

from hub.config import Settings
from hub.errors import HubError
from infra.cluster_runtime import ClusterStatus, cluster_status, start_cluster, stop_cluster
from infra.credentials import credentials_path
from infra.process import free_port

__all__ = ["BROKERS", "LocalCluster", "cluster_report", "kafka_cluster"]

BROKERS = 3
_START_TIMEOUT = 150.0  # the nodes' start, after formatting (~20 s on the 2-core machine)
_ENV_BOOTSTRAP = "SEND_HUB_KAFKA_BOOTSTRAP"
_ENV_CREDENTIALS = "SEND_HUB_KAFKA_CREDENTIALS_FILE"
cluster_report: list[str] = []  # the terminal summary's line about the cluster


@dataclass(frozen=True)
class LocalCluster:
    """The session's cluster: clients' settings and the settings that control it."""

    control: Settings
    settings: Settings

    def status(self) -> ClusterStatus:
        """Each node's pid (None: not running), address and log."""
        state = cluster_status(self.control)
        assert state is not None
        return state

    def heal(self) -> float:
        """Start the nodes that are not running (a killed one); seconds until all serve."""
        return start_cluster(self.control, BROKERS, tie_to_parent=True).seconds


def _control(tmp: pytest.TempPathFactory) -> Settings:
    port = free_port()
    controller = free_port()
    while controller == port:
        controller = free_port()
    return Settings(
        kafka_bootstrap=f"127.0.0.1:{port}", kafka_controller_port=controller,
        data_dir=tmp.mktemp("kafka-cluster"), kafka_start_timeout=_START_TIMEOUT,
    )  # fmt: skip


def _say(config: pytest.Config, line: str) -> None:
    cluster_report.append(line)
    reporter = config.pluginmanager.get_plugin("terminalreporter")
    if reporter is not None:
        reporter.write_line(line, bold=True)


def _start(config: pytest.Config, control: Settings, tmp: pytest.TempPathFactory) -> LocalCluster:
    try:
        result = start_cluster(control, BROKERS, tie_to_parent=True)
    except HubError as exc:
        pytest.fail(f"could not start the {BROKERS}-broker Kafka cluster: {exc}", pytrace=False)
    state = result.status
    _say(config, f"kafka cluster: Apache Kafka {state.version} (KRaft, {BROKERS} combined "
                 f"nodes) started at {state.bootstrap} in {result.seconds:.1f} s; logs in "
                 f"{state.root}")  # fmt: skip
    clients = control.model_copy(update={
        "kafka_bootstrap": state.bootstrap, "data_dir": tmp.mktemp("hub-cluster"),
        "kafka_credentials_file": credentials_path(control),
    })  # fmt: skip
    return LocalCluster(control=control, settings=clients)


@pytest.fixture(scope="session")
def kafka_cluster(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[LocalCluster]:
    """A running local 3-broker cluster for the whole session (see the module docstring)."""
    if os.environ.get(_ENV_BOOTSTRAP):
        pytest.skip(f"{_ENV_BOOTSTRAP} names an existing cluster: no local cluster is started")
    control = _control(tmp_path_factory)
    stopped = False

    def stop() -> None:
        nonlocal stopped
        if not stopped:
            stopped = True
            stop_cluster(control, grace=20.0)

    atexit.register(stop)  # Ctrl-C or an internal error may skip the fixture's finally
    previous = os.environ.get(_ENV_CREDENTIALS)
    try:
        cluster = _start(request.config, control, tmp_path_factory)
        os.environ[_ENV_CREDENTIALS] = str(credentials_path(control))
        yield cluster
    finally:
        stop()
        if previous is None:
            os.environ.pop(_ENV_CREDENTIALS, None)
        else:
            os.environ[_ENV_CREDENTIALS] = previous
