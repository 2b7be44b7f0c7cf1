"""The local authority's SEN case-system CSV export: one row per EHC milestone.

Request, assessment decision, advice requested/received, issue decision, draft,
final, review meeting and decision, amendment, cease and phase transfer, with
SEN2-like fields (RequestSource, SENType, SENSetting, CeaseReason). The column
mapping is data in ``mappings/sen_case.yaml``; an unknown ``Activity`` is rejected.
"""

from connectors.tabular import CsvAdapter
from hub.models import AgencyKind

__all__ = ["SenCaseAdapter"]


class SenCaseAdapter(CsvAdapter):
    """Reads EHC milestone exports of an LA SEN case system (Synergy, Capita One)."""

    name = "sen-case"
    agency_kind = AgencyKind.LOCAL_AUTHORITY
    mapping_name = "sen_case"
