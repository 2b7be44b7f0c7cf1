"""School MIS CSV exports: pupils, weekly attendance, suspensions/exclusions, SEN support.

The column mapping is data in ``mappings/school.yaml`` (SIMS/Arbor/Bromcom report
columns, dd/mm/yyyy dates, DfE codes); the pupil's ``Adno`` is the source person id,
unique only within the school (``URN``), which is why the URN is the org code.
"""

from connectors.tabular import CsvAdapter
from hub.models import AgencyKind

__all__ = ["SchoolAdapter"]


class SchoolAdapter(CsvAdapter):
    """Reads pupils, attendance, exclusions and SEN exports of a school MIS."""

    name = "school"
    agency_kind = AgencyKind.EDUCATION
    mapping_name = "school"
