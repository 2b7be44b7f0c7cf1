"""Children's social care case-system CSV exports (LCS, Mosaic, Eclipse style).

Contacts and referrals, early help, child in need, child protection, looked after,
short breaks and advice for EHC needs assessments; codes follow the CIN census and
SSDA903 returns. The column mapping is data in ``mappings/social_care.yaml``.
"""

from connectors.tabular import CsvAdapter
from hub.models import AgencyKind

__all__ = ["SocialCareAdapter"]


class SocialCareAdapter(CsvAdapter):
    """Reads the module exports of a children's social care case system."""

    name = "social-care"
    agency_kind = AgencyKind.SOCIAL_CARE
    mapping_name = "social_care"
