"""The on-disk side of a local multi-node KRaft cluster (``send-hub kafka start --brokers N``).

Everything lives under ``settings.data_dir / "kafka" / "cluster"``::

    cluster.json   the cluster id, its size and every node's two ports (kept across starts)
    node-<id>/     one node's own `KafkaLayout`: config/, data/, logs/, kafka.pid

Every node is a combined broker and controller (``process.roles=broker,controller``): a
3-voter quorum in 3 JVMs rather than 6 on a 2-core machine. Node 1 listens at the configured
bootstrap address and controller port; the other nodes get free loopback ports on their first
start, recorded in ``cluster.json`` and reused. Security is the single broker's
(``infra.kraft``): SASL/SCRAM for clients and between brokers, PLAIN on the controller
listener, the StandardAuthorizer denying by default, and the data dir's one credentials file.
With N >= 3 every topic (the internal ones too) defaults to 3 replicas, of which 2 must be in
sync for a write to be acknowledged: one broker can die without losing or refusing anything.
"""

import json
from collections.abc import Callable, Collection
from dataclasses import dataclass
from pathlib import Path

from hub.config import Settings
from hub.errors import ConfigError, InfraError
from infra.kraft import KafkaLayout, Passwords, authorizer_lines, new_cluster_id, sasl_lines

__all__ = [
    "MAX_BROKERS",
    "ClusterLayout",
    "cluster_properties",
    "cluster_root",
    "min_insync",
    "plan_cluster",
    "recorded_cluster",
    "replication_for",
    "save_cluster",
]

MAX_BROKERS = 5  # 3 is the point; 5 JVMs of 512 MiB still fit the 2-core machine
_STATE = "cluster.json"


def replication_for(brokers: int) -> int:
    """The replication factor a cluster of ``brokers`` gives its topics: at most 3."""
    return max(1, min(3, brokers))


def min_insync(replication: int) -> int:
    """In-sync replicas an ``acks=all`` write needs: 2 of 3 (one may be lost), else 1."""
    return 2 if replication >= 3 else 1


@dataclass(frozen=True)
class ClusterLayout:
    """A local cluster: its root, id, and one `KafkaLayout` per node (node id = index + 1)."""

    root: Path
    cluster_id: str
    nodes: tuple[KafkaLayout, ...]

    @property
    def size(self) -> int:
        return len(self.nodes)

    @property
    def bootstrap(self) -> str:
        """Every node's client address, comma-separated (what clients should be given)."""
        return ",".join(node.bootstrap for node in self.nodes)

    @property
    def state_file(self) -> Path:
        return self.root / _STATE

    @property
    def voters(self) -> str:
        """``controller.quorum.voters``: ``id@host:port`` of every node."""
        return ",".join(f"{i}@{n.host}:{n.controller_port}" for i, n in enumerate(self.nodes, 1))


def cluster_root(settings: Settings) -> Path:
    """Where a local cluster's nodes live: ``<data dir>/kafka/cluster``."""
    return settings.data_dir.expanduser().resolve() / "kafka" / "cluster"


def recorded_cluster(settings: Settings) -> ClusterLayout | None:
    """The cluster ``cluster.json`` describes, or None when this data dir never ran one."""
    root = cluster_root(settings)
    try:
        raw = json.loads((root / _STATE).read_text())
        ports = [(int(p), int(c)) for p, c in raw["ports"]]
        cluster_id = str(raw["cluster_id"])
    except FileNotFoundError:
        return None
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise InfraError(f"unreadable {root / _STATE} ({type(exc).__name__}): delete it") from exc
    return _layout(root, cluster_id, ports)


def _layout(root: Path, cluster_id: str, ports: list[tuple[int, int]]) -> ClusterLayout:
    nodes = tuple(KafkaLayout(root / f"node-{i}", p, c) for i, (p, c) in enumerate(ports, 1))
    return ClusterLayout(root=root, cluster_id=cluster_id, nodes=nodes)


def save_cluster(cluster: ClusterLayout) -> None:
    """Record the cluster's id and ports in ``cluster.json``."""
    cluster.root.mkdir(parents=True, exist_ok=True)
    ports = [[n.port, n.controller_port] for n in cluster.nodes]
    state = {"cluster_id": cluster.cluster_id, "brokers": cluster.size, "ports": ports}
    cluster.state_file.write_text(json.dumps(state, indent=1) + "\n")


def plan_cluster(
    settings: Settings,
    brokers: int,
    keep: Collection[int] = (),
    taken: Callable[[int], bool] = lambda _: False,
    free_port: Callable[[], int] | None = None,
) -> ClusterLayout:
    """The cluster to start: node 1 at the configured ports, the others as recorded, or new.

    ``keep``: ids of running nodes (their ports stay). A recorded port ``taken`` by another
    process is replaced by a ``free_port()`` while no node runs, else it is an error.
    """
    if not 1 < brokers <= MAX_BROKERS:
        raise ConfigError(f"a local cluster has 2 to {MAX_BROKERS} brokers, not {brokers}")
    first = KafkaLayout.from_settings(settings)
    recorded = recorded_cluster(settings)
    if recorded is not None and recorded.size != brokers:
        raise InfraError(
            f"the cluster in {recorded.root} has {recorded.size} brokers, not {brokers}: start "
            f"it with --brokers {recorded.size}, or delete {recorded.root} (synthetic data only)"
        )
    old = [(n.port, n.controller_port) for n in recorded.nodes] if recorded else []
    ports = [(first.port, first.controller_port)]
    for node in range(2, brokers + 1):
        pair = old[node - 1] if old else None
        if pair is None or (node not in keep and (taken(pair[0]) or taken(pair[1]))):
            pair = _new_pair(node, keep, free_port, {p for two in ports for p in two})
        ports.append(pair)
    cluster_id = recorded.cluster_id if recorded else new_cluster_id()
    return _layout(cluster_root(settings), cluster_id, ports)


def _new_pair(
    node: int, keep: Collection[int], free_port: Callable[[], int] | None, used: set[int]
) -> tuple[int, int]:
    if keep:
        raise InfraError(
            f"a port of cluster node {node} is in use by another process while other nodes run: "
            "stop that process, or `send-hub kafka stop` and start the cluster again"
        )
    if free_port is None:
        raise InfraError(f"cluster node {node} has no ports recorded")
    pair: list[int] = []
    while len(pair) < 2:
        port = free_port()
        if port not in used and port not in pair:
            pair.append(port)
    return pair[0], pair[1]


def cluster_properties(cluster: ClusterLayout, node_id: int, passwords: Passwords) -> str:
    """Node ``node_id``'s combined broker+controller config, SASL and ACLs as the single node's."""
    node = cluster.nodes[node_id - 1]
    h, p, c = node.host, node.port, node.controller_port
    replicas = replication_for(cluster.size)
    isr = min_insync(replicas)
    lines = [
        "# Written by send-hub (infra/kraft_cluster.py) on every start; edits are overwritten.",
        "process.roles=broker,controller",
        f"node.id={node_id}",
        f"controller.quorum.voters={cluster.voters}",
        f"listeners=CLIENT://{h}:{p},CONTROLLER://{h}:{c}",
        f"advertised.listeners=CLIENT://{h}:{p}",
        "controller.listener.names=CONTROLLER",
        "inter.broker.listener.name=CLIENT",
        "listener.security.protocol.map=CONTROLLER:SASL_PLAINTEXT,CLIENT:SASL_PLAINTEXT",
        *sasl_lines(passwords),
        *authorizer_lines(),
        f"log.dirs={node.data_dir}",
        "num.partitions=1",
        f"default.replication.factor={replicas}",
        f"min.insync.replicas={isr}",
        f"offsets.topic.replication.factor={replicas}",
        f"transaction.state.log.replication.factor={replicas}",
        f"transaction.state.log.min.isr={isr}",
        f"share.coordinator.state.topic.replication.factor={replicas}",
        f"share.coordinator.state.topic.min.isr={isr}",
        "group.initial.rebalance.delay.ms=0",
    ]
    return "\n".join(lines) + "\n"
