"""Domain rules carried by the models: census codes, SEN2 code lists, consent bases."""

from datetime import date, timedelta

import pytest
from pydantic import ValidationError

from hub import models as m
from tests.unit.models import samples

D = date(2025, 1, 6)


def test_sen2_code_lists_in_dfe_order() -> None:
    assert m.CEASE_REASON_CODES[1] is m.CeaseReason.MAX_AGE
    assert m.CEASE_REASON_CODES[8] is m.CeaseReason.DECEASED
    assert m.CEASE_REASON_CODES[9] is m.CeaseReason.OTHER
    assert m.REQUEST_SOURCE_CODES[1] is m.RequestSource.PARENT_OR_YOUNG_PERSON
    assert m.REQUEST_SOURCE_CODES[5] is m.RequestSource.OTHER
    assert m.PRIMARY_NEED_CODES["N2"] is m.PrimaryNeed.CHILD_DISABILITY
    assert [s.value for s in m.SENSetting] == [
        "OLA",
        "OPA",
        "EHE",
        "EYP",
        "OTH",
        "NEET",
        "NIEC",
        "NIEO",
    ]


def test_need_types_include_ds_and_nsa_only_for_sen_support() -> None:
    assert m.NeedType.DS in m.EHC_NEED_TYPES and m.NeedType.NSA not in m.EHC_NEED_TYPES
    nsa = (m.RankedNeed(need_type=m.NeedType.NSA, rank=1),)
    m.SENSupportStarted(urn="1", start_date=D, provision=m.SENProvision.K, needs=nsa)
    with pytest.raises(ValidationError, match="NSA"):
        m.SENNeedChanged(urn="1", effective_date=D, provision=m.SENProvision.E, needs=nsa)
    with pytest.raises(ValidationError, match="NSA"):
        m.EHCFinalIssued(final_date=D, needs=nsa)
    with pytest.raises(ValidationError, match="only for provision E or K"):
        m.SENSupportStarted(
            urn="1",
            start_date=D,
            provision=m.SENProvision.N,
            needs=(m.RankedNeed(need_type=m.NeedType.MLD, rank=1),),
        )


def test_attendance_and_scores_are_bounded() -> None:
    base = samples.PAYLOADS[m.EventType.AttendanceSummary].model_dump()
    with pytest.raises(ValidationError, match="exceeds"):
        m.AttendanceSummary.model_validate({**base, "attended_sessions": 11})
    with pytest.raises(ValidationError):
        m.Asq3Scores(communication=65)
    with pytest.raises(ValidationError):
        m.RankedNeed(need_type=m.NeedType.MLD, rank=0)


@pytest.mark.parametrize(
    ("kind", "needs"),
    [
        (m.BasisKind.CONSENT, "giver"),
        (m.BasisKind.STATUTORY, "citation"),
        (m.BasisKind.SAFEGUARDING, "practitioner, rationale"),
    ],
)
def test_each_basis_carries_what_it_needs(kind: m.BasisKind, needs: str) -> None:
    with pytest.raises(ValidationError, match=needs):
        m.LawfulBasis(kind=kind)
    m.LawfulBasis(kind=m.BasisKind.DIRECT_CARE)


def test_consent_window_and_scope() -> None:
    grant = samples.consent_record().model_dump()
    with pytest.raises(ValidationError, match="valid_to"):
        m.ConsentRecord.model_validate(
            {**grant, "valid_to": grant["valid_from"] - timedelta(days=1)}
        )
    with pytest.raises(ValidationError):
        m.ConsentRecord.model_validate({**grant, "categories": ()})


def test_review_decision_needs_a_reason() -> None:
    decision = samples.review_decision().model_dump()
    with pytest.raises(ValidationError):
        m.IdentityReviewDecision.model_validate({**decision, "reason": ""})
