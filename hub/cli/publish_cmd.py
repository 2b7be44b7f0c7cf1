"""``send-hub publish --source KIND FILE...``: agency files into the ingest topics.

Files are streamed through the source's adapter into the publishing SDK with a
progress bar over the bytes read. Every bad record goes to a rejects CSV
(``<file>.rejects.csv`` each, or one ``--rejects PATH``); the run ends with a summary
and exits non-zero when anything was rejected. ``--dry-run`` validates and encodes
without a broker.
"""

from __future__ import annotations

from pathlib import Path

import click
from rich.console import Console
from rich.progress import (
    BarColumn,
    DownloadColumn,
    Progress,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)
from rich.table import Table

from connectors import ADAPTERS, make_adapter
from connectors.pipeline import (
    PublisherSink,
    RecordsRejected,
    RunResult,
    dry_run_sink,
    peak_rss_mb,
    publish_files,
)

__all__ = ["register", "summary_table"]


def _progress(console: Console) -> Progress:
    return Progress(
        TextColumn("[bold]{task.description}"),
        BarColumn(),
        DownloadColumn(),
        TimeElapsedColumn(),
        TimeRemainingColumn(),
        console=console,
        transient=True,
        # Off when stderr is not a terminal: a log file wants the summary, not bar frames.
        disable=not console.is_terminal,
    )


def summary_table(run: RunResult, dry_run: bool, per_file: bool = True) -> Table:
    """Per-file and total counts, throughput and peak memory of a run."""
    verb = "valid" if dry_run else "published"
    table = Table(title=f"send-hub publish: {run.seconds:.1f}s, peak RSS {peak_rss_mb():.0f} MiB")
    for column in ("file", verb, "rejected", "skipped", "rejects file"):
        table.add_column(column, justify="left" if column in ("file", "rejects file") else "right")
    for result in run.files if per_file else []:
        rejects = str(result.rejects_path) if result.rejected else ""
        table.add_row(
            str(result.path),
            f"{result.published:,}",
            f"{result.rejected:,}",
            f"{result.skipped:,}",
            rejects,
        )
    rate = run.published / run.seconds if run.seconds else 0.0
    table.add_row(
        f"total ({rate:,.0f} events/s)",
        f"{run.published:,}",
        f"{run.rejected:,}",
        f"{run.skipped:,}",
        "",
        style="bold",
    )
    return table


def _outcome(run: RunResult) -> None:
    """Raise a one-line error when anything was rejected; nothing otherwise."""
    bad = run.unreadable
    if len(bad) == 1 and len(run.files) == 1:
        raise RecordsRejected(f"{bad[0].path}: {bad[0].unreadable}")
    if run.rejected:
        files = sorted({str(f.rejects_path) for f in run.files if f.rejected})
        unreadable = f", {len(bad)} unreadable file(s)" if bad else ""
        raise RecordsRejected(
            f"{run.rejected:,} record(s) rejected{unreadable}; see {', '.join(files)}"
        )


@click.command("publish")
@click.option(
    "--source",
    "-s",
    "kind",
    required=True,
    type=click.Choice(sorted(ADAPTERS)),
    help="Kind of agency source the files come from.",
)
@click.option("--system", help="Name of the sending system (e.g. SIMS, SystmOne, LCS).")
@click.option(
    "--rejects",
    "rejects",
    type=click.Path(dir_okay=False, path_type=Path),
    help="One rejects CSV for all files (default: <file>.rejects.csv each).",
)
@click.option("--dry-run", is_flag=True, help="Validate and encode only; no Kafka needed.")
@click.option("--bootstrap", help="Kafka bootstrap host:port (default SEND_HUB_KAFKA_BOOTSTRAP).")
@click.option("--topic-prefix", help="Topic name prefix (default SEND_HUB_TOPIC_PREFIX).")
@click.argument(
    "files", nargs=-1, required=True, type=click.Path(exists=True, dir_okay=False, path_type=Path)
)
def publish(
    kind: str,
    system: str | None,
    rejects: Path | None,
    dry_run: bool,
    bootstrap: str | None,
    topic_prefix: str | None,
    files: tuple[Path, ...],
) -> None:
    """Publish agency export FILES as contract events to the ingest topics."""
    adapter = make_adapter(kind, system)
    sink = None if dry_run else PublisherSink(bootstrap, topic_prefix)
    err = Console(stderr=True)
    with _progress(err) as bar:
        task = bar.add_task(f"{kind}", total=sum(p.stat().st_size for p in files))
        try:
            run = publish_files(
                adapter, files, sink or dry_run_sink, rejects, lambda n: bar.advance(task, n)
            )
        finally:
            if sink is not None:
                sink.close()
    if len(run.unreadable) < len(run.files):
        Console().print(summary_table(run, dry_run))
    _outcome(run)


def register(group: click.Group) -> None:
    group.add_command(publish)
