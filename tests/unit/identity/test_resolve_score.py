"""resolve.py with a matcher: score links carry their explanation; NHS conflicts never auto-link."""

from collections.abc import Mapping
from typing import Any

from hub.identity.crosswalk import Crosswalk
from hub.identity.resolve import MatchProposal, resolve
from hub.intake.validate import SubjectKeys
from hub.models import MatchExplanation
from tests.unit.intake.events import NOW, VALID_NHS, VALID_NHS_2

WHY = MatchExplanation(prior=-12.0, total=20.0, probability=0.99, model_version="m1")


class Always:
    """A matcher that always proposes ``outcome`` for child C1."""

    def __init__(self, outcome: Any) -> None:
        self.outcome = outcome

    def propose(self, event: Mapping[str, Any], keys: SubjectKeys) -> MatchProposal:
        return MatchProposal(self.outcome, "C1", 20.0, "m1", WHY, "src:x")

    def observe(self, child_id: str, event: Mapping[str, Any]) -> None:
        pass


def _crosswalk() -> Crosswalk:
    cw = Crosswalk()
    cw.link("src:x", "C1")
    cw.link(f"nhs:{VALID_NHS}", "C1")
    return cw


def test_score_link_carries_the_explanation() -> None:
    cw = _crosswalk()
    _, res = resolve(cw, {}, SubjectKeys("src:y", None, None), NOW, Always("LINK_SCORE"))
    assert res.child_id == "C1" and res.match.outcome == "LINK_SCORE"
    assert res.match.explanation == WHY and res.proposal is not None


def test_score_link_to_a_child_with_another_nhs_number_is_only_a_review() -> None:
    cw = _crosswalk()
    keys = SubjectKeys("src:y", VALID_NHS_2, None)
    _, res = resolve(cw, {}, keys, NOW, Always("LINK_SCORE"))
    assert res.child_id != "C1" and res.match.outcome == "REVIEW"
    assert cw.lookup("src:y") == res.child_id and cw.lookup(f"nhs:{VALID_NHS_2}") == res.child_id


def test_shared_nhs_number_the_matcher_doubts_is_a_review_not_a_merge() -> None:
    cw = _crosswalk()
    keys = SubjectKeys("src:y", VALID_NHS, None)
    _, res = resolve(cw, {}, keys, NOW, Always("REVIEW"))
    assert res.child_id != "C1" and res.match.outcome == "REVIEW"
    assert "IDENTIFIER_CONFLICT" in res.flags and cw.lookup(f"nhs:{VALID_NHS}") == "C1"
