"""Jinja2 set-up for the caseworker pages: templates, static files and display labels.

Labels turn codes into plain English once, here, so templates stay simple and every page
words things the same way. Autoescaping is on for every template.
"""

from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Any

from fastapi import Request
from fastapi.responses import HTMLResponse
from fastapi.templating import Jinja2Templates

from hub.models import MatchExplanation
from hub.web.children.journey import week_rate
from hub.web.context import dev_mode

__all__ = [
    "AGENCY_LABELS",
    "CATEGORY_LABELS",
    "STATIC_DIR",
    "TEMPLATES",
    "WaterfallRow",
    "match_text",
    "waterfall",
]

_HERE = Path(__file__).resolve().parent
STATIC_DIR = _HERE / "static"

_AGENCY_TAGS = {  # GOV.UK tag colours, one per agency kind, the same on every page
    "EDUCATION": "govuk-tag--green",
    "HEALTH": "govuk-tag--blue",
    "SOCIAL_CARE": "govuk-tag--purple",
    "LOCAL_AUTHORITY": "govuk-tag--orange",
}
AGENCY_LABELS = {
    "EDUCATION": "Education",
    "HEALTH": "Health",
    "SOCIAL_CARE": "Social care",
    "LOCAL_AUTHORITY": "Local authority",
}
CATEGORY_LABELS = {
    "IDENTITY": "Identity",
    "EDU": "Education",
    "SEN": "SEN",
    "HEALTH": "Health",
    "SOCIAL": "Social care",
    "SAFEGUARDING": "Safeguarding",
    "SEALED": "Sealed",
}
_OUTCOMES = {
    "LINK_IDENTIFIER": "Linked by identifier",
    "LINK_SCORE": "Linked by matching score",
    "REVIEW": "Awaiting identity review",
    "NEW_CHILD": "First record of this child",
}
_RULES = {
    "source_person": "same person in the source system",
    "nhs_number": "NHS number",
    "upn": "unique pupil number",
    "score": "demographic match",
    "new": "no earlier record matched",
    "reconcile": "duplicate records reconciled",
}


def _day(value: date | datetime | None) -> str:
    return value.strftime("%-d %b %Y") if value else ""


def _when(value: datetime | None) -> str:
    return value.strftime("%-d %b %Y %H:%M") if value else ""


def _sentence(text: object) -> str:
    # Like Jinja's capitalize, but leaves the rest alone (ids and codes keep their case).
    value = str(text)
    return value[:1].upper() + value[1:]


def match_text(outcome: str, rule: str, score: float | None = None) -> tuple[str, str]:
    """(headline, how) in plain English for a match outcome and rule."""
    how = _RULES.get(rule, rule.replace("_", " "))
    if score is not None:
        how = f"{how}, score {score:.2f}"
    return _OUTCOMES.get(outcome, outcome), how


@dataclass(frozen=True, slots=True)
class WaterfallRow:
    """One step of an explanation: its weight, the running total after it, bar widths (%)."""

    label: str
    level: str
    sentence: str
    weight: float
    running: float
    negative: float  # bar width left of zero, % of half the bar
    positive: float  # bar width right of zero


def waterfall(expl: MatchExplanation) -> list[WaterfallRow]:
    """Prior, each comparison, the term-frequency adjustment: the steps that add up to total."""
    steps = [("Prior", "", "How likely any two records are the same child, before comparing.",
              expl.prior)]  # fmt: skip
    steps += [(i.comparison.replace("_", " ").capitalize(), i.level, i.sentence, i.weight)
              for i in expl.items]  # fmt: skip
    if expl.tf_adjustment:
        steps.append(("Name frequency", "", "Adjustment for how common the names are.",
                      expl.tf_adjustment))  # fmt: skip
    scale = max((abs(w) for *_, w in steps), default=1.0) or 1.0
    rows, running = [], 0.0
    for label, level, sentence, weight in steps:
        running += weight
        bar = 100 * abs(weight) / scale
        neg, pos = (bar, 0.0) if weight < 0 else (0.0, bar)
        rows.append(WaterfallRow(label, level, sentence, weight, running, neg, pos))
    return rows


TEMPLATES = Jinja2Templates(directory=_HERE / "templates")
TEMPLATES.env.filters.update(day=_day, when=_when, sentence=_sentence)
TEMPLATES.env.globals.update(
    agency_label=lambda code: AGENCY_LABELS.get(str(code), str(code)),
    agency_tag=lambda code: _AGENCY_TAGS.get(str(code), "govuk-tag--grey"),
    week_rate=week_rate,
    category_label=lambda code: CATEGORY_LABELS.get(str(code), str(code)),
    match_text=match_text,
    waterfall=waterfall,
    AGENCY_LABELS=AGENCY_LABELS,
    CATEGORY_LABELS=CATEGORY_LABELS,
)


def render(request: Request, name: str, status: int = 200, **context: Any) -> HTMLResponse:
    """The page ``name`` rendered with ``context``, answered with ``status``."""
    state = getattr(request.app.state, "web", None)
    context.setdefault("dev_mode", state is not None and dev_mode(state))
    return TEMPLATES.TemplateResponse(request, name, context, status_code=status)
