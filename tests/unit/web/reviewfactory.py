"""Synthetic identity review items and match explanations for the web tests (no real people)."""

from datetime import date, timedelta

from hub.models import (
    ExplanationItem,
    IdentityReviewDecision,
    MatchExplanation,
    PersonSnapshot,
    ReviewItem,
)
from tests.unit.web.factory import BASE

__all__ = ["FakeDecisions", "explanation", "review_item", "snapshot"]


def explanation() -> MatchExplanation:
    """A borderline score: names agree, date of birth transposed, postcode differs."""
    items = (
        ExplanationItem(comparison="family_name", level="exact", weight=8.2,
                        sentence="Family names are the same."),
        ExplanationItem(comparison="given_name", level="nickname", weight=3.1,
                        sentence="Given names are nickname variants (Ada / Adaline)."),
        ExplanationItem(comparison="date_of_birth", level="transposed", weight=2.4,
                        sentence="Dates of birth differ by a swapped day and month."),
        ExplanationItem(comparison="postcode", level="different", weight=-4.6,
                        sentence="Postcodes are in different districts."),
    )  # fmt: skip
    return MatchExplanation(prior=-13.0, items=items, tf_adjustment=-0.5, total=-4.4,
                            probability=0.0452, model_version="default-v1")  # fmt: skip


def snapshot(kind: str, org: str, system: str, pid: str, **fields: object) -> PersonSnapshot:
    """A source record snapshot under its ``src:`` key."""
    defaults: dict[str, object] = {"given_name": "Ada", "family_name": "Example",
                                   "date_of_birth": date(2019, 3, 1), "sex": "FEMALE",
                                   "postcode": "PR1 2AB"}  # fmt: skip
    return PersonSnapshot(source_key=f"src:{kind}:{org}:{system}:{pid}", agency_kind=kind,
                          org_code=org, system=system, source_person_id=pid,
                          **{**defaults, **fields})  # type: ignore[arg-type]  # fmt: skip


def review_item(
    review_id: str = "R0000000000000001", *, provisional: str = "C00000000000d",
    candidate: str = "C00000000000a", minutes: int = 0, status: str = "OPEN",
) -> ReviewItem:  # fmt: skip
    """An item: a health record that may be the candidate's school record."""
    item = ReviewItem(
        review_id=review_id,
        record=snapshot("HEALTH", "RXN", "SystmOne", "NHS-7", given_name="Adaline",
                        date_of_birth=date(2019, 1, 3), postcode="LA1 4XY"),
        provisional_child_id=provisional, candidate_child_id=candidate,
        candidate=snapshot("EDUCATION", "119000", "SIMS", "P-1", upn="B801200005001"),
        explanation=explanation(), created_at=BASE + timedelta(minutes=minutes),
    )  # fmt: skip
    if status == "DECIDED":
        update = {"status": "DECIDED", "decision": "LINK", "decided_by": "bob", "decided_at": BASE}
        item = item.model_copy(update=update)
    return item


class FakeDecisions:
    """Keeps sent decisions (unit tests only: the integration tests use the real broker)."""

    def __init__(self, fail: Exception | None = None) -> None:
        self.sent: list[IdentityReviewDecision] = []
        self.fail = fail

    def send(self, decision: IdentityReviewDecision) -> None:
        if self.fail is not None:
            raise self.fail
        self.sent.append(decision)

    def close(self) -> None:
        pass
