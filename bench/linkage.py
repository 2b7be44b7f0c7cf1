"""Identity-matching benchmark: quality on synthetic ground truth, speed, memory.

Ground truth comes from the agency simulator (``connectors.simulator``, linkage export)
and from the identity tests' generator (``tests/unit/identity/synthetic.py``, which adds
twins, surname changes, date slips and the like). For each data set, one record of 90 %
of the true children is put in a child index that also holds ``--index-size``
background children (never a true match); every other record is then matched
against it. An auto-link is right when it names the record's true child.

Printed: auto-link precision, recall and F1; share sent to review; recall including
review; streaming records/s against the full index; bulk 5,000 x 5,000 time; peak RSS.
Labels are used only to score the outcome (and, with ``--tune``, to pick thresholds).

    .venv/bin/python bench/linkage.py                      # full run (1,000,000-child index)
    .venv/bin/python bench/linkage.py --index-size 100000  # quicker
    .venv/bin/python bench/linkage.py --make-training-data DIR   # files for the default model
"""

import argparse
import gc
import random
import resource
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from datetime import date
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from hub.files.linkage_csv import read_person_csv
from hub.files.matching_model import load_model
from hub.identity.bulk import link_records
from hub.identity.index import CandidateIndex
from hub.identity.model import MatchModel, default_model
from hub.identity.records import PersonRecord
from tests.unit.identity import synthetic

__all__ = ["main"]

TODAY = date(2026, 6, 1)
Truth = list[tuple[str, PersonRecord]]  # (true child id, record)


def rss_mb() -> float:
    """Peak resident set size of this process so far, in MB (Linux reports KB)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def generator_truth(children: int, seed: int) -> Truth:
    """Children with records from three sources (twins included), from the test generator."""
    rng = random.Random(seed)
    kids = synthetic.make_children(children, rng, TODAY)
    return [(cid, rec) for cid, _src, rec in synthetic.make_records(kids, rng)]


def simulator_truth(children: int, seed: int, folder: Path | None) -> Truth | None:
    """The simulator's linkage export (run now unless ``folder`` holds one); None if absent."""
    try:
        from connectors.simulator import simulate
    except ImportError:
        return None
    if folder is None or not (folder / "linkage" / "truth.csv").exists():
        folder = folder or Path(tempfile.mkdtemp(prefix="linkage-bench-"))
        simulate(children=children, days=365, seed=seed, out=folder, linkage=True, families=True)
    truth = dict(
        line.split(",") for line in (folder / "linkage" / "truth.csv").read_text().split()[1:]
    )
    out: Truth = []
    for path in sorted((folder / "linkage").glob("*.csv")):
        if path.name != "truth.csv":
            out += [(truth[r.record_id], r) for r in read_person_csv(path)[0]]
    return out


def background(count: int, seed: int) -> Iterator[tuple[str, PersonRecord]]:
    """Children who are never a true match: one health-style record each."""
    rng = random.Random(seed)
    health = synthetic.SOURCES[1]
    for start in range(0, count, 10_000):  # in chunks, so only the index stays in memory
        kids = synthetic.make_children(min(10_000, count - start), rng, TODAY, 5_000_000 + start)
        for kid in kids:
            yield kid.child_id, synthetic.records_for(rng, kid, health, f"BG-{kid.child_id}")


def build_index(model: MatchModel, size: int, seed: int) -> tuple[CandidateIndex, float, float]:
    """The background index, its build time and the RSS it added (MB)."""
    before = rss_mb()
    started = time.perf_counter()
    index = CandidateIndex(model)
    for child, record in background(size, seed):
        index.add(child, record)
    took = time.perf_counter() - started
    gc.collect()
    gc.freeze()  # a million long-lived objects: keep the cyclic GC from rescanning them
    return index, took, rss_mb() - before


def split(truth: Truth, seed: int) -> tuple[Truth, Truth, set[str]]:
    """Seed one record of 90 % of children; every other record becomes a query."""
    rng = random.Random(seed)
    by_child: dict[str, list[PersonRecord]] = {}
    for child, record in truth:
        by_child.setdefault(child, []).append(record)
    seeds: Truth = []
    queries: Truth = []
    for child, records in by_child.items():
        if rng.random() < 0.9:
            seeds.append((child, records[0]))
            records = records[1:]
        queries += [(child, r) for r in records]
    rng.shuffle(queries)
    return seeds, queries, {child for child, _ in seeds}


def stream(index: CandidateIndex, truth: Truth, seed: int) -> dict[str, float]:
    """Seed the index, match every query, score the outcomes, take the seeds out again."""
    seeds, queries, present = split(truth, seed)
    for child, record in seeds:
        index.add(child, record)
    started, cpu = time.perf_counter(), time.process_time()
    decisions = [index.match(record) for _, record in queries]
    took, cpu = time.perf_counter() - started, time.process_time() - cpu
    for _, record in seeds:
        index.remove(record.record_id)
    stats = score_decisions([(c, d) for (c, _), d in zip(queries, decisions, strict=True)], present)
    return stats | {
        "queries": len(queries),
        "rate": len(queries) / took,
        "cpu_rate": len(queries) / cpu,
    }


def score_decisions(pairs: list, present: set[str]) -> dict[str, float]:
    """Precision, recall, F1 of auto-links; review share; recall including review."""
    links = [(c, d) for c, d in pairs if d.is_link]
    right = sum(d.candidate_child_id == c for c, d in links)
    reviews = [(c, d) for c, d in pairs if d.outcome.value == "review"]
    review_right = sum(d.candidate_child_id == c for c, d in reviews)
    findable = sum(c in present for c, _ in pairs)
    precision = right / len(links) if links else 1.0
    recall = right / findable if findable else 1.0
    return {
        "precision": precision,
        "recall": recall,
        "f1": 2 * precision * recall / (precision + recall) if precision + recall else 0.0,
        "false_links": len(links) - right,
        "review_share": len(reviews) / len(pairs),
        "recall_with_review": (right + review_right) / findable if findable else 1.0,
    }


def bulk(model: MatchModel, seed: int, size: int = 5000) -> dict[str, float]:
    """5,000 education records against 5,000 health records (about 80 % the same children)."""
    rng = random.Random(seed)
    kids = synthetic.make_children(int(size / 0.9), rng, TODAY, start=8_000_000)
    edu, health = synthetic.SOURCES[0], synthetic.SOURCES[1]
    a = [synthetic.records_for(rng, k, edu, f"A-{k.child_id}") for k in kids[:size]]
    b = [synthetic.records_for(rng, k, health, f"B-{k.child_id}") for k in kids[-size:]]
    started, cpu = time.perf_counter(), time.process_time()
    rows = link_records(a, b, model)
    took, cpu = time.perf_counter() - started, time.process_time() - cpu
    cli = bulk_cli(a, b)
    matches = [r for r in rows if r.decision == "match"]
    right = sum(r.record_id_a[2:] == r.record_id_b[2:] for r in matches)
    true_pairs = len({k.child_id for k in kids[:size]} & {k.child_id for k in kids[-size:]})
    return {
        "seconds": took,
        "cpu_seconds": cpu,
        "precision": right / len(matches) if matches else 1.0,
        "recall": right / true_pairs,
        "review_rows": len(rows) - len(matches),
        "cli_seconds": cli,
    }


def bulk_cli(a: list[PersonRecord], b: list[PersonRecord]) -> float:
    """Wall time of ``send-hub link A.csv B.csv --out links.csv`` (process start included)."""
    with tempfile.TemporaryDirectory(prefix="linkage-bulk-") as scratch:
        folder = Path(scratch)
        write_records(a, folder / "a.csv")
        write_records(b, folder / "b.csv")
        command = [sys.executable, "-m", "hub.cli.main", "link", str(folder / "a.csv")]
        command += [str(folder / "b.csv"), "--out", str(folder / "links.csv"), "--quiet"]
        started = time.perf_counter()
        subprocess.run(command, check=True, capture_output=True)
        return time.perf_counter() - started


def make_training_data(folder: Path, seed: int) -> None:
    """Unlabelled record files for training the default model (labels are not written)."""
    folder.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="linkage-sim-") as scratch:
        sim = simulator_truth(33_000, seed, Path(scratch))
    gen = generator_truth(20_000, seed)
    for name, truth in (("simulator", sim or []), ("generator", gen)):
        if truth:
            write_records([r for _, r in truth], folder / f"{name}.csv")
    print(f"training files in {folder}: simulator.csv, generator.csv (no labels)")


def write_records(records: list[PersonRecord], path: Path) -> None:
    import csv

    from hub.identity.records import CSV_COLUMNS

    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(CSV_COLUMNS)
        for r in records:
            writer.writerow(["" if (v := getattr(r, c)) is None else str(v) for c in CSV_COLUMNS])


def with_thresholds(model: MatchModel, **values: float) -> MatchModel:
    thresholds = model.thresholds.model_copy(update=values)
    return model.model_copy(update={"thresholds": thresholds})


def tune(index: CandidateIndex, data: dict[str, Truth], seed: int) -> None:
    """Quality at other thresholds (labels choose thresholds, nothing else)."""
    base = index.model
    grid = [("link", v) for v in (8, 10, 12, 14, 16, 18)]
    grid += [("review", v) for v in (-6, -4, -2, 0, 2, 4)]
    for name, value in grid:
        model = with_thresholds(base, **{name: float(value)})
        if model.thresholds.review > model.thresholds.link:
            continue
        index.model, index.compiled = model, CandidateIndex(model).compiled
        for label, truth in data.items():
            s = stream(index, truth, seed)
            print(f"  {name}={value:>4} {label:<10} precision {s['precision']:.5f} "
                  f"recall {s['recall']:.4f} review {s['review_share']:.4f} "
                  f"recall+review {s['recall_with_review']:.4f}")  # fmt: skip
    index.model, index.compiled = base, CandidateIndex(base).compiled


def report(label: str, s: dict[str, float]) -> None:
    print(f"{label:<11} queries {s['queries']:>6,.0f}  precision {s['precision']:.5f} "
          f"({s['false_links']:.0f} false)  recall {s['recall']:.4f}  F1 {s['f1']:.4f}  "
          f"review {s['review_share']:.2%}  recall+review {s['recall_with_review']:.4f}  "
          f"{s['rate']:,.0f} rec/s wall, {s['cpu_rate']:,.0f} rec/s CPU")  # fmt: skip


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    p.add_argument("--index-size", type=int, default=1_000_000, help="background children")
    p.add_argument("--children", type=int, default=20_000, help="generator ground-truth children")
    p.add_argument("--sim-children", type=int, default=33_000, help="simulator population")
    p.add_argument("--sim-dir", type=Path, help="reuse (or keep) a simulator output folder")
    p.add_argument("--seed", type=int, default=2024)
    p.add_argument("--model", type=Path, help="model file (default: the shipped model)")
    p.add_argument("--tune", action="store_true", help="also print a threshold grid")
    p.add_argument("--make-training-data", type=Path, metavar="DIR")
    return p.parse_args(argv)


def datasets(args: argparse.Namespace) -> dict[str, Truth]:
    data: dict[str, Truth] = {}
    sim = simulator_truth(args.sim_children, args.seed, args.sim_dir)
    if sim is not None:
        data["simulator"] = sim
    data["generator"] = generator_truth(args.children, args.seed)
    for label, truth in data.items():
        print(f"{label:<11} {len({c for c, _ in truth}):,} children, {len(truth):,} records")
    return data


def main(argv: list[str] | None = None) -> None:
    args = parse_args(argv)
    if args.make_training_data:
        make_training_data(args.make_training_data, args.seed)
        return
    model = load_model(args.model) if args.model else default_model()
    print(f"model {model.label}; thresholds {model.thresholds.model_dump()}")
    data = datasets(args)
    index, took, added = build_index(model, args.index_size, args.seed + 1)
    print(f"index: {len(index):,} background children in {took:.0f} s, +{added:,.0f} MB RSS")
    for label, truth in data.items():
        report(label, stream(index, truth, args.seed))
    if args.tune:
        tune(index, data, args.seed)
    b = bulk(model, args.seed)
    print(f"bulk 5,000 x 5,000: {b['seconds']:.2f} s wall ({b['cpu_seconds']:.2f} s CPU) "
          f"in process, precision {b['precision']:.5f} recall {b['recall']:.4f}, "
          f"{b['review_rows']:.0f} review rows")  # fmt: skip
    print(f"send-hub link 5,000 x 5,000 incl. process start: {b['cli_seconds']:.2f} s")
    print(f"peak RSS {rss_mb():,.0f} MB")


if __name__ == "__main__":
    main()
