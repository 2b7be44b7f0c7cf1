"""Serde throughput: single-object Avro encode/decode of events, with and without pydantic.

Run ``.venv/bin/python bench/serde.py``; prints the best operations per second on one core
for a small and a full event (for scale: Faust iterates ~10k msg/s per worker, and the
partnership's whole load is a few events per second).
"""

import time
from collections.abc import Callable
from datetime import UTC, date, datetime

from hub import models as m
from schemas import serde

__all__ = ["main"]

AT = datetime(2025, 1, 6, 9, 30, tzinfo=UTC)


def _small() -> m.Event:
    return m.build_event(
        m.PupilEnrolled(urn="119000", entry_date=date(2025, 1, 6)),
        source=m.Source(
            agency_kind=m.AgencyKind.EDUCATION,
            org_code="119000",
            system="SIMS",
            source_record_id="r1",
            record_version=1,
        ),
        subject=m.Subject(source_person_id="P-1"),
        occurred_at=AT,
        recorded_at=AT,
    )


def _full_subject() -> m.Subject:
    return m.Subject(
        source_person_id="P-1001",
        nhs_number="9434765919",
        nhs_number_verified=m.NhsNumberStatus.NUMBER_PRESENT_AND_VERIFIED,
        upn="B801200005001",
        given_name="Ada",
        family_name="Example",
        other_names=("Grace",),
        date_of_birth=date(2019, 3, 1),
        sex=m.Sex.FEMALE,
        postcode="PR1 2AB",
        address="1 Test Street, Preston",
    )


def _full() -> m.Event:
    payload = m.SocialCareAdviceForEHC(  # the last union branch: the slowest to write
        advice_request_id="ADV-2",
        requested_date=date(2025, 1, 6),
        due_date=date(2025, 2, 17),
        provided_date=date(2025, 2, 10),
        provider_role="DSCO",
    )
    source = m.Source(
        agency_kind=m.AgencyKind.SOCIAL_CARE,
        org_code="888",
        system="Mosaic",
        source_record_id="rec-42",
        record_version=3,
    )
    return m.build_event(
        payload,
        source=source,
        subject=_full_subject(),
        occurred_at=AT,
        recorded_at=AT,
        case_id="CASE-7",
        clock_id="CLOCK-7",
    )


def _rate(fn: Callable[[], object], windows: int = 5, seconds: float = 0.3) -> float:
    """Best calls-per-second of ``fn`` over a few short windows (least disturbed by load)."""
    best = 0.0
    for _ in range(windows):
        calls, start = 0, time.perf_counter()
        while (elapsed := time.perf_counter() - start) < seconds:
            for _ in range(200):
                fn()
            calls += 200
        best = max(best, calls / elapsed)
    return best


def _bench(label: str, event: m.Event) -> None:
    record = serde.to_avro(event)
    data = serde.encode(serde.subject_of(event), record)
    old = serde.encode_model(event.model_copy(update={"schema_version": 1}), version=1)
    cases: list[tuple[str, Callable[[], object]]] = [
        ("encode dict -> bytes", lambda: serde.encode("event", record)),
        ("decode bytes -> dict", lambda: serde.decode(data)),
        ("decode v1 bytes -> v2 dict", lambda: serde.decode(old)),
        ("encode_model Event -> bytes", lambda: serde.encode_model(event)),
        ("decode_model bytes -> Event", lambda: serde.decode_model(data)),
    ]
    print(f"{label} event, {len(data)} bytes on the wire")
    for name, fn in cases:
        print(f"  {name:<30} {_rate(fn):>10,.0f} /s")


def main() -> None:
    """Print serde throughput for a small and a full event."""
    _bench("small", _small())
    _bench("full", _full())


if __name__ == "__main__":
    main()
