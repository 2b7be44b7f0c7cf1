"""``send-hub simulate``: synthetic agencies writing their native feeds, then publishing them.

Writes the feeds, manifest and ground truth under ``--out`` (same seed, same bytes),
then (unless ``--no-publish``) replays the deliveries in arrival order through the
same adapters and SDK as ``send-hub publish``, throttled to ``--rate`` events/s.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

import click
from rich.console import Console

from connectors.pipeline import PublisherSink, RecordsRejected, Throttle, dry_run_sink
from connectors.simulator import DEFAULT_START, simulate
from connectors.simulator.replay import publish_simulation
from hub.cli.publish_cmd import summary_table
from hub.config import get_settings

__all__ = ["register"]


@click.command("simulate")
@click.option("--children", "-n", type=click.IntRange(1), default=1000, show_default=True)
@click.option("--days", "-d", type=click.IntRange(1), default=365, show_default=True)
@click.option("--seed", "-s", type=int, default=1, show_default=True)
@click.option(
    "--start",
    type=click.DateTime(["%Y-%m-%d"]),
    default=DEFAULT_START.isoformat(),
    show_default=True,
    help="First simulated day.",
)
@click.option(
    "--out",
    type=click.Path(file_okay=False, path_type=Path),
    help="Output folder (default <SEND_HUB_DATA_DIR>/simulation).",
)
@click.option("--rate", type=click.FloatRange(min=0.1), help="Events per second (default: max).")
@click.option(
    "--live-from",
    type=click.DateTime(["%Y-%m-%d"]),
    help="Deliveries before this day are history, published as fast as possible; "
    "the rest follow at --rate.",
)
@click.option(
    "--publish/--no-publish",
    default=True,
    show_default=True,
    help="Publish the feeds to Kafka after writing them.",
)
@click.option("--dry-run", is_flag=True, help="Run the feeds through the adapters, no Kafka.")
@click.option("--export-linkage", is_flag=True, help="Also write linkage/*.csv and truth.csv.")
@click.option("--bootstrap", help="Kafka bootstrap host:port (default SEND_HUB_KAFKA_BOOTSTRAP).")
@click.option("--topic-prefix", help="Topic name prefix (default SEND_HUB_TOPIC_PREFIX).")
def simulate_command(
    children: int,
    days: int,
    seed: int,
    start: object,
    out: Path | None,
    rate: float | None,
    live_from: object,
    publish: bool,
    dry_run: bool,
    export_linkage: bool,
    bootstrap: str | None,
    topic_prefix: str | None,
) -> None:
    """Simulate N children's agency feeds over D days and publish them."""
    out = out or get_settings().data_dir / "simulation"
    first = start.date() if hasattr(start, "date") else date.fromisoformat(str(start))
    result = simulate(children, days, seed, out, first, linkage=export_linkage)
    console = Console()
    console.print(
        f"wrote {len(result.deliveries):,} deliveries ({result.records:,} records, "
        f"{result.source_people:,} source person records) to {out}"
    )
    console.print(f"ground truth: {result.ground_truth}")
    console.print(f"EHC journey ground truth: {result.ehc_truth}")
    if publish or dry_run:
        live = live_from.date() if hasattr(live_from, "date") else None
        _publish(console, out, (rate, live), dry_run, bootstrap, topic_prefix)


def _publish(
    console: Console,
    out: Path,
    pace: tuple[float | None, date | None],
    dry_run: bool,
    bootstrap: str | None,
    topic_prefix: str | None,
) -> None:
    """Replay the written deliveries through the adapters into Kafka (or only encode them)."""
    rate, live_from = pace
    sink = None if dry_run else PublisherSink(bootstrap, topic_prefix)
    try:
        base = sink or dry_run_sink
        run = publish_simulation(out, Throttle(base, rate), live_from=live_from,
                                 history_sink=base if live_from else None)  # fmt: skip
    finally:
        if sink is not None:
            sink.close()
    console.print(summary_table(run, dry_run, per_file=False))
    if run.rejected:
        raise RecordsRejected(f"{run.rejected:,} record(s) rejected; see {out / 'rejects.csv'}")


def register(group: click.Group) -> None:
    group.add_command(simulate_command)
