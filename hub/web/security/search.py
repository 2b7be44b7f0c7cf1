"""The body of ``POST /api/children/search``: identifiers in the body, never in the URL.

Every field is length-limited so an over-long value is a 400 before any lookup.
"""

from datetime import date

from pydantic import BaseModel, ConfigDict, Field

from hub.web.children.reads import SearchQuery

__all__ = ["SearchRequest"]


class SearchRequest(BaseModel):
    """Search criteria: NHS number, UPN, or family name + date of birth (given name optional)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    nhs_number: str | None = Field(default=None, max_length=32, description="10-digit NHS number.")
    upn: str | None = Field(default=None, max_length=32, description="Unique pupil number.")
    given_name: str | None = Field(default=None, max_length=100, description="Start of the name.")
    family_name: str | None = Field(default=None, max_length=100, description="Needs a DOB.")
    date_of_birth: date | None = Field(default=None, description="YYYY-MM-DD.")

    def query(self) -> SearchQuery:
        """The read path's query (blank strings count as not given)."""

        def text(value: str | None) -> str | None:
            return value.strip() or None if value else None

        return SearchQuery(text(self.nhs_number), text(self.upn), text(self.given_name),
                           text(self.family_name), self.date_of_birth)  # fmt: skip
