"""A local multi-broker Apache Kafka cluster (KRaft) started by send-hub: start, stop, status.

``send-hub kafka start --brokers 3`` runs 3 combined broker+controller JVMs on loopback
(``infra.kraft_cluster`` for their layout and config), each with its own data dir, as secured
as the single broker: the same SASL/SCRAM principals and passwords, the same ACLs (created with
the topics). ``start`` is idempotent and heals: nodes already running are kept and only the
missing ones are launched (a node killed by a fault test comes back). It returns once every
node is registered with the cluster. ``stop`` stops every node at once (SIGTERM, then SIGKILL
after the grace period).
"""

import logging
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

from hub.config import Settings
from hub.errors import InfraError, KafkaUnavailable
from infra import process
from infra.credentials import Principal
from infra.jars import jars_ready
from infra.java import require_java
from infra.kafka_runtime import StopResult, broker_version, install, local_passwords
from infra.kraft import KafkaLayout, Passwords, format_storage, is_local, write_config
from infra.kraft_cluster import (
    ClusterLayout,
    cluster_properties,
    plan_cluster,
    recorded_cluster,
    save_cluster,
)
from infra.probe import broker_ids
from infra.security import KafkaConnection, connection_for

__all__ = [
    "ClusterStartResult",
    "ClusterStatus",
    "NodeStatus",
    "cluster_admin",
    "cluster_status",
    "start_cluster",
    "stop_cluster",
]

log = logging.getLogger(__name__)
Step = Callable[[str], None]


@dataclass(frozen=True)
class NodeStatus:
    """One node of the local cluster."""

    node_id: int
    bootstrap: str
    pid: int | None
    data_dir: Path
    log_file: Path

    @property
    def running(self) -> bool:
        return self.pid is not None


@dataclass(frozen=True)
class ClusterStatus:
    """What ``send-hub kafka status`` reports for a local cluster."""

    root: Path
    bootstrap: str  # every node's address, comma-separated
    nodes: tuple[NodeStatus, ...]
    version: str | None = None

    @property
    def size(self) -> int:
        return len(self.nodes)

    @property
    def running(self) -> int:
        """How many nodes run."""
        return sum(1 for n in self.nodes if n.running)


@dataclass(frozen=True)
class ClusterStartResult:
    status: ClusterStatus
    already_running: bool
    seconds: float = 0.0
    launched: tuple[int, ...] = ()  # node ids started now


def _noop(_: str) -> None:
    return None


def _status_of(settings: Settings, cluster: ClusterLayout) -> ClusterStatus:
    nodes = tuple(
        NodeStatus(i, n.bootstrap, process.running_pid(n), n.data_dir, n.server_log)
        for i, n in enumerate(cluster.nodes, 1)
    )
    version = broker_version(settings, cluster.nodes[0])
    return ClusterStatus(cluster.root, cluster.bootstrap, nodes, version)


def cluster_status(settings: Settings) -> ClusterStatus | None:
    """The local cluster this data dir recorded (running or not), or None if it has none."""
    cluster = recorded_cluster(settings) if is_local(settings) else None
    return None if cluster is None else _status_of(settings, cluster)


def cluster_admin(settings: Settings, bootstrap: str) -> KafkaConnection:
    """The admin principal's connection to every node of the cluster."""
    return connection_for(settings.model_copy(update={"kafka_bootstrap": bootstrap}),
                          Principal.ADMIN)  # fmt: skip


def _refuse_single(settings: Settings) -> None:
    single = KafkaLayout.from_settings(settings)
    pid = process.running_pid(single)
    if pid is not None:
        raise InfraError(
            f"a single broker already runs from {single.root} (pid {pid}): run "
            "`send-hub kafka stop` first to start a cluster instead"
        )


def start_cluster(
    settings: Settings, brokers: int, *, tie_to_parent: bool = False, step: Step = _noop
) -> ClusterStartResult:
    """Start the nodes of a ``brokers``-node cluster that are not running; wait for them all."""
    if not is_local(settings):
        raise InfraError(
            f"SEND_HUB_KAFKA_BOOTSTRAP={settings.kafka_bootstrap} is not on loopback: send-hub "
            "starts a cluster only on 127.0.0.1"
        )
    _refuse_single(settings)
    recorded = recorded_cluster(settings)
    running = _running_nodes(recorded) if recorded is not None else {}
    cluster = plan_cluster(settings, brokers, set(running),
                           lambda port: process.port_in_use("127.0.0.1", port),
                           process.free_port)  # fmt: skip
    if len(running) == brokers:
        return ClusterStartResult(_status_of(settings, cluster), already_running=True)
    missing = [i for i in range(1, brokers + 1) if i not in running]
    _check_ports(cluster, missing)
    began = time.monotonic()
    _launch(settings, cluster, missing, tie_to_parent, step)
    step(f"Waiting for {brokers} brokers to register at {cluster.bootstrap}")
    _wait_registered(settings, cluster, missing)
    seconds = time.monotonic() - began
    state = _status_of(settings, cluster)
    log.info("Kafka cluster of %d ready at %s (%.1f s)", brokers, cluster.bootstrap, seconds)
    return ClusterStartResult(state, already_running=False, seconds=seconds,
                              launched=tuple(missing))  # fmt: skip


def _running_nodes(cluster: ClusterLayout) -> dict[int, int]:
    """{node id: pid} of the nodes running now."""
    pids = {i: process.running_pid(n) for i, n in enumerate(cluster.nodes, 1)}
    return {i: pid for i, pid in pids.items() if pid is not None}


def _check_ports(cluster: ClusterLayout, missing: list[int]) -> None:
    for i in missing:
        node = cluster.nodes[i - 1]
        process.check_ports_free(node.host, {
            f"Kafka port of node {i}": node.port,
            f"Kafka controller port of node {i}": node.controller_port,
        })  # fmt: skip


def _launch(
    settings: Settings, cluster: ClusterLayout, missing: list[int], tie: bool, step: Step
) -> None:
    """Write every node's config, format the new ones, start the ``missing`` nodes."""
    java = require_java()
    if not jars_ready(settings.kafka_cache_dir, settings.kafka_version):
        step(f"Resolving Apache Kafka {settings.kafka_version} jars with Maven (first run only)")
    libs = install(settings)
    passwords = local_passwords(settings, cluster.nodes[0])
    save_cluster(cluster)
    for i in missing:
        node = cluster.nodes[i - 1]
        node.pid_file.unlink(missing_ok=True)  # stale: that node is gone
        write_config(node, passwords, cluster_properties(cluster, i, passwords))
    step(f"Formatting storage and starting {len(missing)} broker(s)")
    _format_all(cluster, [cluster.nodes[i - 1] for i in missing], java, libs, passwords)
    # Launched from this thread: with ``tie`` the kernel signals a node when it ends.
    for i in missing:
        process.launch(java, libs, cluster.nodes[i - 1], tie_to_parent=tie)


def _format_all(
    cluster: ClusterLayout, nodes: list[KafkaLayout], java: Path, libs: Path, pw: Passwords
) -> None:
    """Format the nodes' storage side by side (one short JVM each), with one cluster id."""
    with ThreadPoolExecutor(max_workers=len(nodes)) as pool:
        jobs = [pool.submit(format_storage, n, java, libs, pw, cluster.cluster_id) for n in nodes]
        for job in jobs:
            job.result()


def _wait_registered(settings: Settings, cluster: ClusterLayout, launched: list[int]) -> None:
    """Poll until all nodes are registered brokers; stop the launched ones and raise if not."""
    admin = cluster_admin(settings, cluster.bootstrap)
    waiting = set(launched)  # each answers at its own address once it serves clients
    timeout = settings.kafka_start_timeout
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        for i in sorted(waiting):
            _check_alive(cluster, i)
            if broker_ids(cluster_admin(settings, cluster.nodes[i - 1].bootstrap), 2.0):
                waiting.discard(i)
        if not waiting and len(broker_ids(admin, timeout=2.0)) == cluster.size:
            return
        time.sleep(0.3)
    _stop_nodes([cluster.nodes[i - 1] for i in launched], grace=10.0)
    raise KafkaUnavailable(
        f"the {cluster.size}-broker cluster at {cluster.bootstrap} was not ready within "
        f"{timeout:.0f} s and its new nodes were stopped; see the logs in {cluster.root} "
        "(raise SEND_HUB_KAFKA_START_TIMEOUT on a slow machine)"
    )


def _check_alive(cluster: ClusterLayout, node_id: int) -> None:
    node = cluster.nodes[node_id - 1]
    pid = process.read_pid(node.pid_file)
    if pid is None or not process.is_kafka_process(pid):
        others = [n for n in cluster.nodes if n is not node]
        _stop_nodes(others, grace=10.0)
        raise InfraError(
            f"Kafka node {node_id} exited while starting; the cluster was stopped; see "
            f"{node.server_log} and {node.console_log}"
        )


def _stop_nodes(nodes: list[KafkaLayout], grace: float) -> list[StopResult]:
    """SIGTERM every running node at once, SIGKILL after ``grace`` s; one result per node."""
    pids = [process.running_pid(n) for n in nodes]

    def stop_one(node: KafkaLayout, pid: int | None) -> StopResult:
        if pid is None:
            node.pid_file.unlink(missing_ok=True)
            return StopResult(pid=None)
        began = time.monotonic()
        forced = process.stop_pid(pid, grace=grace)
        node.pid_file.unlink(missing_ok=True)
        return StopResult(pid=pid, forced=forced, seconds=time.monotonic() - began)

    with ThreadPoolExecutor(max_workers=max(1, len(nodes))) as pool:
        return list(pool.map(stop_one, nodes, pids))


def stop_cluster(settings: Settings, grace: float = 30.0) -> list[StopResult]:
    """Stop every node of this data dir's cluster; [] when it has none."""
    cluster = recorded_cluster(settings) if is_local(settings) else None
    if cluster is None:
        return []
    results = _stop_nodes(list(cluster.nodes), grace)
    stopped = [r for r in results if r.pid is not None]
    if stopped:
        log.info("Kafka cluster: %d node(s) stopped", len(stopped))
    return results
