"""The alerts box at the top of the report: what in the data will mislead.

Read from ``profile.json`` (``alerts``); identifiers held by one side of a linked pair are
added from ``linkage.json``'s pairs when the profile was written without them.
"""

from __future__ import annotations

from linkready.alerts import Alert, from_dict, pair_alerts
from linkready.report._inputs import ReportInputs


def report_alerts(inp: ReportInputs) -> tuple[Alert, ...]:
    """Every alert for the report, errors first, without repeats."""
    prof = inp.profile or {}
    alerts = [from_dict(a) for a in prof.get("alerts", [])]
    pairs = [(p["left"], p["right"]) for p in inp.link_pairs]
    if prof.get("sources") and pairs:
        alerts += pair_alerts(prof["sources"], pairs)
    unique = list(dict.fromkeys(alerts))
    return tuple(sorted(unique, key=lambda a: a.severity != "error"))


def unreadable(inp: ReportInputs, source: str) -> set[str]:
    """Fields of ``source`` that are mapped but unreadable for most of its records."""
    from linkready.alerts import unreadable_fields

    return unreadable_fields(report_alerts(inp), source)
