"""Where AWS Amplify Hosting and AWS Copilot stand, with the dates AWS published.

Dates are checked against AWS's own pages (see docs/tooling/amplify-copilot.md); a tool's
status on a given day follows from them, so the page cannot drift from the table.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass


@dataclass(frozen=True)
class Lifecycle:
    maintenance_from: dt.date | None  # only critical fixes and security patches from this day
    end_of_support: dt.date | None    # no fixes at all from this day


# --8<-- [start:lifecycle]
LIFECYCLES = {
    "Amplify Hosting": Lifecycle(None, None),  # the hosting service: no end announced
    "Amplify Gen 2": Lifecycle(None, None),
    "Amplify Gen 1 (CLI and Studio backends)": Lifecycle(dt.date(2026, 5, 1),
                                                         dt.date(2027, 5, 1)),
    "AWS Copilot CLI": Lifecycle(None, dt.date(2026, 6, 12)),
}


def status(tool: str, on: dt.date) -> str:
    """'supported', 'maintenance' or 'end of support' on that day."""
    lifecycle = LIFECYCLES[tool]
    if lifecycle.end_of_support is not None and on >= lifecycle.end_of_support:
        return "end of support"
    if lifecycle.maintenance_from is not None and on >= lifecycle.maintenance_from:
        return "maintenance"
    return "supported"
# --8<-- [end:lifecycle]
