"""Review ids, snapshots through the links topic, and UNMERGE links read back."""

from datetime import UTC, date, datetime

from hub.identity.crosswalk import Crosswalk
from hub.identity.review import review_id_for
from hub.models import IdentityLink, MatchInfo, PersonSnapshot
from schemas.serde import decode_model, encode_model
from streams.identity import ReviewMatcher

AT = datetime(2025, 1, 1, tzinfo=UTC)
NEW = MatchInfo(outcome="NEW_CHILD", rule="new")


def _person(key: str, family: str) -> PersonSnapshot:
    return PersonSnapshot(
        source_key=key, agency_kind="HEALTH", org_code="RW5", system="S1",
        source_person_id=key[-2:], given_name="Oliver", family_name=family,
        date_of_birth=date(2015, 3, 7), sex="MALE", postcode="PR1 2AB",
    )  # fmt: skip


def test_review_id_is_deterministic_and_order_free() -> None:
    assert review_id_for("src:a", "C1") == review_id_for("C1", "src:a")
    assert review_id_for("src:a", "C1") != review_id_for("src:a", "C2")
    assert review_id_for("src:a", "C1").startswith("R") and len(review_id_for("src:a", "C1")) == 17


def test_restarted_matcher_rebuilds_its_index_from_link_snapshots() -> None:
    cw = Crosswalk()
    link = IdentityLink(key="src:h:p1", child_id="C1", kind="LINK", match=NEW, at=AT,
                        person=_person("src:h:p1", "Hartley"))  # fmt: skip
    read_back = IdentityLink.model_validate(decode_model(encode_model(link)))
    matcher = ReviewMatcher(cw)
    cw.apply(read_back)
    matcher.learn(read_back)
    event = {"source": {"agency_kind": "HEALTH", "org_code": "X", "system": "S"},
             "subject": {"source_person_id": "q", "given_name": "Oliver",
                         "family_name": "Hartely", "date_of_birth": date(2015, 3, 7),
                         "sex": "MALE", "postcode": "PR1 2AB"}}  # fmt: skip
    proposal = matcher.propose(event, keys=type("K", (), {"source": "src:HEALTH:X:S:q"})())  # type: ignore[arg-type]
    assert proposal is not None and proposal.outcome == "LINK_SCORE"
    assert proposal.child_id == "C1" and proposal.explanation is not None


def test_unmerge_link_read_back_moves_the_key_without_a_merge() -> None:
    cw = Crosswalk()
    cw.link("src:a", "C1")
    cw.link("src:b", "C2")
    cw.union("C1", "C2")
    moved = IdentityLink(key="src:b", child_id="C9", kind="UNMERGE", match=NEW, at=AT)
    assert cw.apply(moved) == []
    assert cw.lookup("src:b") == "C9" and cw.lookup("src:a") == "C1"
    assert cw.members("C2") == {"C1", "C2"}
