"""``send-hub kafka install|start|stop|status|topics|acls``: the local Apache Kafka 4 broker.

``install`` resolves the broker jars with Maven into the cache (once). ``start``
starts a single-node KRaft broker on loopback unless one is already up, waits until
it answers, and creates the hub's topics; ``start --brokers 3`` starts a 3-broker cluster
instead (``infra.cluster_runtime``: its topics get 3 replicas, 2 of them in sync). ``stop``
shuts down whatever this data dir started, gracefully. ``status`` says whether it runs and
where; ``topics`` lists the hub's topics (partitions, replicas, min ISR); ``acls`` prints the
grants each service principal needs (``--apply`` creates them on an existing cluster).
The local broker requires SASL/SCRAM sign-in and keeps its ACLs itself (``infra.acls``).
With ``SEND_HUB_KAFKA_BOOTSTRAP`` pointing at an existing cluster, ``start`` just
checks it answers and creates the topics there.
"""

import os

import click
from rich.console import Console
from rich.table import Table

from hub.cli.kafka_cluster_cmd import cluster_size, show_cluster, start_cluster_cmd, stopped_cluster
from hub.config import get_settings
from hub.errors import InfraError
from infra import kafka_runtime
from infra.acls import ensure_hub_acls, hub_acls
from infra.cluster_runtime import cluster_status, stop_cluster
from infra.credentials import Principal
from infra.java import find_java, find_maven
from infra.kraft_cluster import MAX_BROKERS
from infra.security import connection_for
from infra.topics import ensure_hub_topics, list_hub_topics

__all__ = ["register"]


@click.group("kafka")
def kafka_group() -> None:
    """Run a local Apache Kafka 4 broker (KRaft) for the hub."""


@kafka_group.command("install")
def install_cmd() -> None:
    """Resolve the Kafka broker jars from Maven Central into the cache (once)."""
    settings = get_settings()
    console = Console(stderr=True)
    try:
        with console.status(f"Resolving Apache Kafka {settings.kafka_version} jars with Maven"):
            libs = kafka_runtime.install(settings)
    except InfraError as exc:
        # With an existing cluster configured, a machine without Java/Maven is fine.
        no_tools = find_java() is None or find_maven() is None
        if "SEND_HUB_KAFKA_BOOTSTRAP" in os.environ and no_tools:
            click.echo(f"skipped the local broker jars ({exc}); using {settings.kafka_bootstrap}")
            return
        raise
    count = sum(1 for _ in libs.glob("*.jar"))
    click.echo(f"Apache Kafka {settings.kafka_version} jars ready: {count} jars in {libs}")


@kafka_group.command("start")
@click.option("--no-topics", is_flag=True, help="Do not create the hub's topics.")
@click.option(
    "--brokers", type=click.IntRange(1, MAX_BROKERS), default=None,
    help="1: one broker; 2 or more: a local KRaft cluster of that many (default: what runs).",
)  # fmt: skip
def start_cmd(no_topics: bool, brokers: int | None) -> None:
    """Start the local broker (if not running), wait until it answers, create the topics."""
    settings = get_settings()
    size = cluster_size(settings, brokers)
    if size > 1:
        start_cluster_cmd(settings, size, no_topics)
        return
    console = Console(stderr=True)
    created: list[str] = []
    with console.status("Starting Apache Kafka") as spinner:
        result = kafka_runtime.start(settings, step=spinner.update)
        if not no_topics:
            spinner.update("Creating the hub's topics")
            created = ensure_hub_topics(settings)
    state = result.status
    if result.already_running:
        who = f"pid {state.pid}" if state.managed else "not started by send-hub"
        click.echo(f"Kafka is already running at {state.bootstrap} ({who})")
    else:
        click.echo(
            f"Apache Kafka {state.version} started at {state.bootstrap} "
            f"(pid {state.pid}, ready in {result.seconds:.1f} s; data {state.data_dir}; "
            f"log {state.log_file})"
        )
    if not no_topics:
        total = len(list_hub_topics(settings))
        click.echo(f"hub topics: {len(created)} created, {total - len(created)} already there")


@kafka_group.command("stop")
@click.option("--grace", default=30.0, show_default=True, help="Seconds before SIGKILL.")
def stop_cmd(grace: float) -> None:
    """Stop the local broker gracefully (SIGTERM, then SIGKILL after --grace seconds)."""
    settings = get_settings()
    with Console(stderr=True).status("Stopping Apache Kafka"):
        result = kafka_runtime.stop(settings, grace=grace)
        nodes = stop_cluster(settings, grace=grace)
    if stopped_cluster(nodes) and result.pid is None:
        return
    if result.pid is None:
        click.echo(f"Kafka is not running (nothing started from {settings.data_dir})")
        return
    how = "killed after the grace period" if result.forced else "stopped"
    click.echo(f"Kafka (pid {result.pid}) {how} in {result.seconds:.1f} s")


@kafka_group.command("status")
def status_cmd() -> None:
    """Say whether the broker runs, and where (pid, address, data dir, version)."""
    settings = get_settings()
    cluster = cluster_status(settings)
    if cluster is not None and cluster.running:
        show_cluster(cluster)
        return
    state = kafka_runtime.status(settings)
    if not state.managed:
        word = "running" if state.running else "not answering"
        click.echo(f"Kafka at {state.bootstrap}: {word} (a cluster not started by send-hub)")
        return
    word = f"running (pid {state.pid})" if state.running else "not running"
    click.echo(f"Kafka: {word}")
    click.echo(f"  bootstrap  {state.bootstrap}")
    click.echo(f"  data dir   {state.data_dir}")
    click.echo(f"  version    {state.version or 'unknown (jars not installed)'}")
    click.echo(f"  log        {state.log_file}")


@kafka_group.command("topics")
def topics_cmd() -> None:
    """List the hub's topics: partitions, cleanup policy, present or missing."""
    settings = get_settings()
    infos = list_hub_topics(settings)
    table = Table("topic", "partitions", "replicas", "min ISR", "cleanup.policy", "state")
    for info in infos:
        state = "ok" if info.exists else "[red]missing[/red]"
        isr = info.min_insync or ("broker's" if info.exists else "-")
        table.add_row(info.name, str(info.partitions or "-"), str(info.replicas or "-"), isr,
                      info.cleanup_policy or "-", state)  # fmt: skip
    Console().print(table)
    missing = [i.name for i in infos if not i.exists]
    if missing:
        raise InfraError(
            f"{len(missing)} hub topic(s) missing at {settings.kafka_bootstrap}: "
            "run `send-hub kafka start` to create them"
        )


@kafka_group.command("acls")
@click.option("--apply", is_flag=True, help="Create them, signed in as SEND_HUB_KAFKA_USERNAME.")
def acls_cmd(apply: bool) -> None:
    """List the ACLs the hub's principals need under SEND_HUB_TOPIC_PREFIX (or create them)."""
    settings = get_settings()
    for grant in hub_acls(settings):
        click.echo(f"ALLOW {grant}")
    if apply:
        count = ensure_hub_acls(connection_for(settings, Principal.ADMIN), settings)
        click.echo(f"{count} ACLs created or already present at {settings.kafka_bootstrap}")


def register(group: click.Group) -> None:
    """Add the ``kafka`` command group to the CLI."""
    group.add_command(kafka_group)
