"""``send-hub worker``: run the stream worker in the foreground until Ctrl-C."""

import click

__all__ = ["register"]


@click.command("worker")
@click.option("--metrics-port", type=int, default=None, help="Prometheus port (0: off).")
@click.option("--memory", is_flag=True, help="Local state copy in memory, not RocksDB.")
def worker(metrics_port: int | None, memory: bool) -> None:
    """Consume the ingest topics and build the children's timelines."""
    from hub.config import get_settings
    from streams.config import get_worker_settings
    from streams.runner import run_worker

    ws = get_worker_settings()
    update: dict[str, object] = {}
    if metrics_port is not None:
        update["metrics_port"] = metrics_port
    if memory:
        update["store"] = "memory"
    run_worker(get_settings(), ws.model_copy(update=update) if update else ws)


def register(group: click.Group) -> None:
    """Add ``worker`` to the ``send-hub`` group."""
    group.add_command(worker)
