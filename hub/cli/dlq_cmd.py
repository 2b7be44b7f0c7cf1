"""``send-hub dlq list|replay``: inspect the dead-letter topic and re-submit after a fix."""

from collections import deque

import click

__all__ = ["register"]


@click.group("dlq")
def dlq() -> None:
    """Dead-lettered ingest messages: list them, replay them."""


@dlq.command("list")
@click.option("--limit", type=int, default=50, show_default=True, help="Show the last N.")
@click.option("--reason", default=None, help="Only reasons containing TEXT.")
def list_cmd(limit: int, reason: str | None) -> None:
    """One line per dead letter: id, time, origin, agency kind, reason (no personal data)."""
    from hub.config import get_settings
    from streams.dlq import DeadLetterQuery, read_dead_letters

    total = 0
    shown: deque[str] = deque(maxlen=max(1, limit))
    for letter in read_dead_letters(get_settings(), DeadLetterQuery(reason=reason)):
        total += 1
        shown.append(letter.line())
    for line in shown:
        click.echo(line)
    click.echo(f"{total} dead letter(s){' matching' if reason else ''}; showing {len(shown)}")


@dlq.command("replay")
@click.option("--id", "ids", multiple=True, help="Dead-letter id (repeatable).")
@click.option("--reason", default=None, help="Every dead letter whose reason contains TEXT.")
def replay_cmd(ids: tuple[str, ...], reason: str | None) -> None:
    """Re-submit the original bytes of the selected dead letters to their source topics."""
    from rich.progress import Progress

    from hub.config import get_settings
    from hub.errors import InputError
    from streams.dlq import DeadLetterQuery, read_dead_letters, replay

    if not ids and not reason:
        raise InputError("say which dead letters to replay: --id ID ... or --reason TEXT")
    settings = get_settings()
    letters = list(read_dead_letters(settings, DeadLetterQuery(frozenset(ids), reason)))
    if not letters:
        raise InputError("no dead letters match")
    with Progress(transient=True) as progress:
        task = progress.add_task("replaying", total=len(letters))
        done = replay(settings, letters, lambda n: progress.update(task, completed=n))
    click.echo(f"replayed {done} dead letter(s) to their source topics")


def register(group: click.Group) -> None:
    """Add ``dlq`` to the ``send-hub`` group."""
    group.add_command(dlq)
