"""The local cluster's side of ``send-hub kafka start|stop|status`` (``--brokers N``, N > 1).

Which to run: ``--brokers`` when given, else whatever this data dir runs now (a cluster
if any of its nodes is up, otherwise the single broker). A single broker and a cluster never
run from one data dir at once: node 1 of a cluster takes the single broker's ports.
"""

import click
from rich.console import Console

from hub.config import Settings
from hub.errors import InfraError
from infra.cluster_runtime import ClusterStatus, cluster_status, start_cluster
from infra.kafka_runtime import StopResult
from infra.topics import ensure_hub_topics, list_hub_topics

__all__ = ["cluster_size", "show_cluster", "start_cluster_cmd", "stopped_cluster"]


def cluster_size(settings: Settings, brokers: int | None) -> int:
    """How many brokers ``start`` runs: ``brokers``, else the size of the cluster that runs."""
    running = cluster_status(settings)
    if running is None or not running.running:
        return brokers or 1
    if brokers == 1:
        raise InfraError(
            f"a {running.size}-broker cluster runs from {running.root}: run `send-hub kafka "
            "stop` first to start a single broker"
        )
    return brokers or running.size


def start_cluster_cmd(settings: Settings, brokers: int, no_topics: bool) -> None:
    """Start (or complete) the cluster, create the topics, and say where it is."""
    created: list[str] = []
    with Console(stderr=True).status(f"Starting a {brokers}-broker Apache Kafka cluster") as spin:
        result = start_cluster(settings, brokers, step=spin.update)
        if not no_topics:
            spin.update("Creating the hub's topics")
            created = ensure_hub_topics(settings)
    state = result.status
    if result.already_running:
        click.echo(f"Kafka: the {state.size}-broker cluster is already running")
    else:
        click.echo(
            f"Apache Kafka {state.version}: {state.size}-broker cluster ready in "
            f"{result.seconds:.1f} s (nodes {', '.join(map(str, result.launched))} started)"
        )
    _nodes(state)
    click.echo(f"clients: export SEND_HUB_KAFKA_BOOTSTRAP={state.bootstrap}")
    if not no_topics:
        infos = list_hub_topics(settings)
        replicas = min((i.replicas for i in infos if i.exists), default=0)
        click.echo(
            f"hub topics: {len(created)} created, {len(infos) - len(created)} already there "
            f"({replicas} replicas each)"
        )


def show_cluster(state: ClusterStatus) -> None:
    """``status`` of a cluster: how many nodes run, where, and each node."""
    click.echo(f"Kafka: {state.size}-broker cluster, {state.running} of {state.size} running")
    click.echo(f"  bootstrap  {state.bootstrap}")
    click.echo(f"  data dir   {state.root}")
    click.echo(f"  version    {state.version or 'unknown (jars not installed)'}")
    _nodes(state)


def _nodes(state: ClusterStatus) -> None:
    for node in state.nodes:
        word = f"running (pid {node.pid})" if node.running else "not running"
        click.echo(f"  node {node.node_id}     {word} at {node.bootstrap}; log {node.log_file}")


def stopped_cluster(results: list[StopResult]) -> bool:
    """Say how the cluster's nodes stopped; False when none was running."""
    stopped = [r for r in results if r.pid is not None]
    if not stopped:
        return False
    killed = sum(1 for r in stopped if r.forced)
    how = f" ({killed} killed after the grace period)" if killed else ""
    seconds = max(r.seconds for r in stopped)
    click.echo(f"Kafka cluster: {len(stopped)} broker(s) stopped in {seconds:.1f} s{how}")
    return True
