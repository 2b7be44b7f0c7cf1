"""Who may see which timeline entry: the single place the consent policy plugs in.

Every read of a child's data (search results, the child's record, the timeline) passes each
entry through `visible`. For now any authenticated caller sees every entry; consent filtering
replaces the body with the policy decision (grant matched on category, purpose, recipient
organisation and role), without changing any caller of this function.
"""

from datetime import datetime

from hub.auth import Caller
from hub.models import TimelineEntry

__all__ = ["visible"]


def visible(entry: TimelineEntry, caller: Caller, now: datetime) -> bool:
    """Whether ``caller`` may see ``entry`` at ``now``."""
    del entry, caller, now  # consent filtering is not built yet
    return True
