"""``send-hub link``: bulk-link two record files, or ``link train`` a matching model.

``send-hub link A.csv B.csv --out links.csv [--model FILE]`` writes
``record_id_a,record_id_b,score,decision`` (docs/contracts.md); ``send-hub link train FILE...
--out MODEL`` estimates a model from unlabelled record files. The literal word
``train`` as the first argument selects training. Bad rows go to a rejects file and
make the command exit non-zero after finishing; an unusable file is one error line.
"""

import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path

import click
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from hub.errors import InputError
from hub.files.linkage_csv import Reject, read_person_csv, write_links, write_rejects
from hub.files.matching_model import load_model, save_model
from hub.identity.bulk import LinkRow, link_records
from hub.identity.model import MatchModel, default_model
from hub.identity.records import PersonRecord
from hub.identity.report import model_report
from hub.identity.training import train

__all__ = ["register"]

_err = Console(stderr=True)


@contextmanager
def _progress(total: int, label: str, quiet: bool) -> Iterator[Callable[[int], None]]:
    if quiet:
        yield lambda _n: None
        return
    columns = (TextColumn(label), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn())
    with Progress(*columns, console=_err, transient=True) as bar:
        task = bar.add_task(label, total=total)
        yield lambda n: bar.advance(task, n)


def _read(paths: list[Path]) -> tuple[list[list[PersonRecord]], list[Reject]]:
    sets, rejects = [], []
    for path in paths:
        records, bad = read_person_csv(path)
        sets.append(records)
        rejects += bad
    return sets, rejects


def _finish(rejects: list[Reject], out: Path, rejects_path: Path | None, done: str) -> None:
    click.echo(done, err=True)
    if not rejects:
        return
    path = rejects_path or out.with_name(out.stem + ".rejects.csv")
    write_rejects(rejects, path)
    raise InputError(f"{len(rejects)} row(s) rejected, see {path} (line and reason)")


def _model(path: Path | None) -> MatchModel:
    return load_model(path) if path else default_model()


def _bulk(
    files: list[Path], out: Path, model_path: Path | None, rejects_path: Path | None,
    quiet: bool, one_to_one: bool = False,
) -> None:  # fmt: skip
    if len(files) != 2:
        raise click.UsageError(
            "bulk linkage takes two files: send-hub link A.csv B.csv --out links.csv"
        )
    model = _model(model_path)
    started = time.perf_counter()
    (a, b), rejects = _read(files)
    with _progress(len(a) + len(b), "linking", quiet) as tick:
        rows: list[LinkRow] = link_records(
            a, b, model, tick, one_to_one=one_to_one, warn=lambda m: _err.print(m)
        )
    _write(lambda: write_links(rows, out), out)
    matches = sum(r.decision == "match" for r in rows)
    took = time.perf_counter() - started
    summary = (
        f"linked {len(a):,} x {len(b):,} records in {took:.2f} s with {model.label}: "
        f"{matches:,} match and {len(rows) - matches:,} review rows -> {out}"
    )
    _finish(rejects, out, rejects_path, summary)


def _write(action: Callable[[], object], out: Path) -> None:
    try:
        action()
    except OSError as exc:
        raise InputError(f"cannot write {out}: {exc.strerror or exc}") from exc


def _train(files: list[Path], out: Path, model_path: Path | None, rejects_path: Path | None,
           version: str | None, seed: int, quiet: bool, keep: bool = False) -> None:  # fmt: skip
    if not files:
        raise click.UsageError(
            "training needs record files: send-hub link train FILE... --out MODEL"
        )
    base = _model(model_path)
    sets, rejects = _read(files)
    records = [r for s in sets for r in s]
    if len(records) < 100:
        raise InputError(f"training needs at least 100 usable records, got {len(records)}")
    version = version or datetime.now(UTC).strftime("%Y.%m.%d")
    say = (lambda _m: None) if quiet else (lambda m: _err.print(f"  {m}"))
    model = train(records, base, version=version, seed=seed, progress=say, keep_thresholds=keep)
    _write(lambda: save_model(model, out), out)
    if not quiet:
        click.echo(model_report(model))
    _finish(
        rejects, out, rejects_path, f"trained {model.label} on {len(records):,} records -> {out}"
    )


@click.command("link")
@click.argument("files", nargs=-1, required=True, type=click.Path(path_type=Path, dir_okay=False))
@click.option("--out", "-o", required=True, type=click.Path(path_type=Path, dir_okay=False),
              help="links CSV (bulk) or model JSON (train)")  # fmt: skip
@click.option("--model", "model_path", type=click.Path(path_type=Path, dir_okay=False),
              help="matching model file (default: the shipped model; train: the base)")  # fmt: skip
@click.option("--rejects", "rejects_path", type=click.Path(path_type=Path, dir_okay=False),
              help="where rejected rows go (default: OUT's name + .rejects.csv)")  # fmt: skip
@click.option("--version", "version", help="train: version string of the new model")
@click.option("--seed", default=0, show_default=True, help="train: random seed for pair sampling")
@click.option("--keep-thresholds", is_flag=True,
              help="train: keep the base model's thresholds instead of fitting them")  # fmt: skip
@click.option("--one-to-one", is_flag=True,
              help="bulk: both files deduplicated; a record matches at most one")  # fmt: skip
@click.option("--quiet", "-q", is_flag=True, help="no progress bar")
def link(files: tuple[Path, ...], out: Path, model_path: Path | None, rejects_path: Path | None,
         version: str | None, seed: int, keep_thresholds: bool, one_to_one: bool,
         quiet: bool) -> None:  # fmt: skip
    """Bulk-link two record files, or train a matching model.

    \b
    send-hub link A.csv B.csv --out links.csv [--model FILE] [--one-to-one]
    send-hub link train FILE... --out MODEL [--model BASE] [--keep-thresholds]

    Input columns: record_id,given_name,family_name,date_of_birth,sex,postcode,
    address,nhs_number,upn,local_id (date_of_birth as YYYY-MM-DD). Output columns:
    record_id_a,record_id_b,score,decision; decision is match or review, score the
    match weight in bits. Rejected rows go to the rejects file (exit status 1).
    Training prints the trained parameters, level by level.
    """
    training = str(files[0]) == "train"
    if training and one_to_one:
        raise click.UsageError("--one-to-one is for bulk linkage, not for train")
    if not training and keep_thresholds:
        raise click.UsageError("--keep-thresholds is for train, not for bulk linkage")
    if training:
        _train(list(files[1:]), out, model_path, rejects_path, version, seed, quiet,
               keep_thresholds)  # fmt: skip
    else:
        _bulk(list(files), out, model_path, rejects_path, quiet, one_to_one)


def register(group: click.Group) -> None:
    """Add ``link`` to the CLI."""
    group.add_command(link)
