"""``send-hub link``: bulk linkage end to end on small files, bad rows, garbage files, train."""

import csv
import random
from datetime import date
from pathlib import Path

import pytest

from hub.cli.main import main
from hub.identity.records import CSV_COLUMNS, PersonRecord
from tests.unit.identity import synthetic
from tests.unit.identity.conftest import NHS_A, person

HEADER = ",".join(CSV_COLUMNS)


def write_csv(path: Path, records: list[PersonRecord], extra_lines: list[str] = ()) -> Path:  # type: ignore[assignment]
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(CSV_COLUMNS)
        for r in records:
            writer.writerow(["" if (v := getattr(r, c)) is None else str(v) for c in CSV_COLUMNS])
        for line in extra_lines:
            handle.write(line + "\n")
    return path


def read_links(path: Path) -> list[dict[str, str]]:
    with path.open(newline="", encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


def test_bulk_link_writes_matches_and_reviews(
    tmp_path: Path, capsys: pytest.CaptureFixture
) -> None:
    harriet = {"given_name": "Harriet", "family_name": "Nowak", "sex": "F"}
    a = write_csv(tmp_path / "a.csv", [
        person("a1", nhs_number=NHS_A),
        person("a2", **harriet, date_of_birth=date(2012, 5, 1)),
        person("a3", given_name="Yusuf", family_name="Ahmed", date_of_birth=date(2010, 1, 9)),
    ])  # fmt: skip
    b = write_csv(tmp_path / "b.csv", [
        person("b1", given_name="Ollie", nhs_number=NHS_A, postcode="BB10 1AA"),
        person("b2", **harriet, date_of_birth=date(2012, 1, 5)),
    ])  # fmt: skip
    out = tmp_path / "links.csv"
    assert main(["link", str(a), str(b), "--out", str(out), "--quiet"]) == 0
    rows = read_links(out)
    assert list(rows[0]) == ["record_id_a", "record_id_b", "score", "decision"]
    pairs = {(r["record_id_a"], r["record_id_b"]): r["decision"] for r in rows}
    assert pairs[("a1", "b1")] == "match"
    assert pairs[("a2", "b2")] in ("match", "review")
    assert not any(a == "a3" for a, _ in pairs)
    assert all(r["decision"] in ("match", "review") for r in rows)
    float(rows[0]["score"])
    assert "linked 3 x 2 records" in capsys.readouterr().err


def test_bad_rows_go_to_rejects_and_exit_non_zero(
    tmp_path: Path, capsys: pytest.CaptureFixture
) -> None:
    bad = [
        "r9,Amy,Lee,2015-13-01,F,PR1 2AB,,,,",  # impossible month
        "r10,Amy,Lee,01/02/2015,F,PR1 2AB,,,,",  # not ISO
        ",Amy,Lee,2015-01-02,F,PR1 2AB,,,,",  # no record_id
        "r11,Amy,Lee",  # too few fields
        "a1,Dup,Lee,2015-01-02,F,PR1 2AB,,,,",  # repeated record_id
    ]
    a = write_csv(tmp_path / "a.csv", [person("a1")], bad)
    b = write_csv(tmp_path / "b.csv", [person("b1")])
    out = tmp_path / "links.csv"
    assert main(["link", str(a), str(b), "--out", str(out), "--quiet"]) == 1
    err = capsys.readouterr().err
    assert "5 row(s) rejected" in err and "Traceback" not in err
    assert [r["record_id_a"] for r in read_links(out)] == ["a1"]  # good rows still linked
    rejects = read_links(tmp_path / "links.rejects.csv")
    assert [int(r["line"]) for r in rejects] == [3, 4, 5, 6, 7]
    reasons = " | ".join(r["reason"] for r in rejects)
    for expected in ("date_of_birth", "YYYY-MM-DD", "record_id is empty", "fields", "repeated"):
        assert expected in reasons


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"\x89PNG\r\n\x1a\n\x00\x00\xff\xfe", "not UTF-8 text"),
        (b"", "empty file"),
        (b"name,dob\nx,y\n", "header lacks record_id"),
        (b"record_id,given_name\n1,Amy\n", "header lacks family_name"),
    ],
)
def test_garbage_file_is_one_clear_line(
    tmp_path: Path, capsys: pytest.CaptureFixture, content: bytes, message: str
) -> None:
    a = tmp_path / "a.csv"
    a.write_bytes(content)
    b = write_csv(tmp_path / "b.csv", [person("b1")])
    assert main(["link", str(a), str(b), "--out", str(tmp_path / "o.csv"), "--quiet"]) == 1
    err = capsys.readouterr().err
    assert message in err and "Traceback" not in err
    assert len(err.strip().splitlines()) == 1


def test_missing_file_and_wrong_arity_are_clear(
    tmp_path: Path, capsys: pytest.CaptureFixture
) -> None:
    b = write_csv(tmp_path / "b.csv", [person("b1")])
    assert main(["link", str(tmp_path / "nope.csv"), str(b), "--out", str(tmp_path / "o.csv")]) == 1
    assert "cannot read" in capsys.readouterr().err
    assert main(["link", str(b), "--out", str(tmp_path / "o.csv")]) != 0
    assert "two files" in capsys.readouterr().err


def test_train_writes_a_model_that_links(tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    rng = random.Random(3)
    kids = synthetic.make_children(600, rng, date(2026, 6, 1))
    records = [r for _, _, r in synthetic.make_records(kids, rng)]
    data = write_csv(tmp_path / "all.csv", records)
    model = tmp_path / "model.json"
    assert main(["link", "train", str(data), "--out", str(model), "--version", "t1", "-q"]) == 0
    assert "trained send-hub-default@t1" in capsys.readouterr().err
    a = write_csv(tmp_path / "a.csv", [person("a1")])
    b = write_csv(tmp_path / "b.csv", [person("b1", family_name="Hartely")])
    out = tmp_path / "links.csv"
    assert main(["link", str(a), str(b), "--out", str(out), "--model", str(model), "-q"]) == 0
    assert read_links(out)[0]["record_id_b"] == "b1"


def test_train_needs_files(tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    assert main(["link", "train", "--out", str(tmp_path / "m.json")]) != 0
    assert "training needs record files" in capsys.readouterr().err


def test_train_prints_the_trained_parameters(tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    rng = random.Random(4)
    kids = synthetic.make_children(300, rng, date(2026, 6, 1))
    data = write_csv(tmp_path / "all.csv", [r for _, _, r in synthetic.make_records(kids, rng)])
    model = tmp_path / "model.json"
    assert main(["link", "train", str(data), "--out", str(model), "--keep-thresholds"]) == 0
    out = capsys.readouterr().out
    assert "same_home" in out and "Given names match exactly" in out and " bits " in out
    assert "match from +12.0 bits" in out  # --keep-thresholds: the base model's


def test_one_to_one_bulk_link(tmp_path: Path) -> None:
    a = write_csv(tmp_path / "a.csv", [person("a1")])
    b = write_csv(tmp_path / "b.csv", [person("b1"), person("b2", address="12 Station Rd")])
    out = tmp_path / "links.csv"
    assert main(["link", str(a), str(b), "--out", str(out), "--one-to-one", "-q"]) == 0
    assert [r["record_id_b"] for r in read_links(out) if r["decision"] == "match"] == ["b1"]
    assert list(read_links(out)[0]) == ["record_id_a", "record_id_b", "score", "decision"]


def test_options_of_the_other_form_are_refused(
    tmp_path: Path, capsys: pytest.CaptureFixture
) -> None:
    a = write_csv(tmp_path / "a.csv", [person("a1")])
    out = str(tmp_path / "o")
    assert main(["link", "train", str(a), "--out", out, "--one-to-one"]) != 0
    assert "--one-to-one is for bulk linkage" in capsys.readouterr().err
    assert main(["link", str(a), str(a), "--out", out, "--keep-thresholds"]) != 0
    assert "--keep-thresholds is for train" in capsys.readouterr().err
