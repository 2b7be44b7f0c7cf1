"""``GET /api/kpis``: the partnership KPIs as JSON rows, or the same rows as CSV.

One row per measure, local authority and month: ``measure, la, month (YYYY-MM), numerator,
denominator, exceptions_excluded, value``. Filters ``la``, ``measure``, ``from``, ``to``
(months, inclusive). Readable by LA roles only (`hub.web.clocks.access`); rows hold counts,
never a child.
"""

import csv
import io
from typing import Annotated, Literal

from fastapi import APIRouter, Query
from fastapi.responses import Response

from hub.auth import Caller
from hub.clocks.kpis import MEASURES, KpiRow, filter_rows
from hub.web.children.views import ErrorBody
from hub.web.clocks.access import KPI_ROLES, can_read_kpis
from hub.web.clocks.reads import partnership_kpis
from hub.web.context import ApiCaller, Db, State
from hub.web.readmodel.queries import QueryError
from hub.web.review.rules import NotAllowed

__all__ = ["CSV_COLUMNS", "check_kpi_reader", "router", "rows_csv"]

CSV_COLUMNS = tuple(KpiRow.model_fields)
_MONTH = r"^[0-9]{4}-(0[1-9]|1[0-2])$"
_FR, _TO = "First month, YYYY-MM.", "Last month, YYYY-MM."
_ERRORS = {
    400: {"model": ErrorBody, "description": "A filter is malformed."},
    401: {"model": ErrorBody, "description": "No token, or the token is not valid."},
    403: {"model": ErrorBody, "description": "The caller's role may not read KPIs."},
}
router = APIRouter(prefix="/api", tags=["kpis"], responses=_ERRORS)  # type: ignore[arg-type]


def check_kpi_reader(caller: Caller) -> None:
    """NotAllowed (403) unless the caller may read KPIs."""
    if not can_read_kpis(caller):
        roles = ", ".join(sorted(r.value for r in KPI_ROLES))
        raise NotAllowed(f"KPIs are readable by local-authority roles {roles}")


def rows_csv(rows: list[KpiRow]) -> str:
    """The rows as CSV with a header, in the JSON's column order."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(CSV_COLUMNS)
    for row in rows:
        values = row.model_dump()
        values["exceptions_excluded"] = "true" if row.exceptions_excluded else "false"
        writer.writerow(["" if values[c] is None else values[c] for c in CSV_COLUMNS])
    return out.getvalue()


@router.get("/kpis", response_model=list[KpiRow], summary="Partnership KPIs by month and LA")
def get_kpis(
    db: Db, caller: ApiCaller, state: State,
    la: Annotated[str | None, Query(pattern=r"^[A-Za-z0-9]{1,10}$", description="LA code.")] = None,
    measure: Annotated[str | None, Query(max_length=64, description="One measure.")] = None,
    month_from: Annotated[str | None, Query(alias="from", pattern=_MONTH, description=_FR)] = None,
    month_to: Annotated[str | None, Query(alias="to", pattern=_MONTH, description=_TO)] = None,
    format: Annotated[Literal["json", "csv"], Query(description="json (default) or csv.")] = "json",
) -> list[KpiRow] | Response:  # fmt: skip
    """KPI rows: EHC plans within 20 weeks (with and without exception cases, as SEN2 counts),
    decisions to assess within 6 weeks, advice within 6 weeks by agency, review decisions
    within 4 weeks, phase transfers on time, median weeks request to final plan, and median
    weeks from a first cross-agency signal to SEN support or an EHC request."""
    check_kpi_reader(caller)
    if measure is not None and measure not in MEASURES:
        raise QueryError(f"measure must be one of {', '.join(MEASURES)}")
    rows = filter_rows(
        partnership_kpis(db, state.db_path, state.clock()),
        la=la, measure=measure, since=month_from, until=month_to,
    )  # fmt: skip
    if format == "csv":
        return Response(rows_csv(rows), media_type="text/csv; charset=utf-8")
    return rows
