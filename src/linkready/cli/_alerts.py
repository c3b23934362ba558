"""Alerts in the command summaries (one yellow line each) and the ``--fail-on-error`` gate."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from rich.markup import escape

from linkready.cli._common import console


def _alerts(alerts: Iterable[Any]) -> list[Any]:
    from linkready.alerts import from_dict

    return [from_dict(a) if isinstance(a, Mapping) else a for a in alerts]


def print_alerts(alerts: Iterable[Any]) -> None:
    """One yellow line per alert (dicts from profile.json or :class:`Alert` s)."""
    for a in _alerts(alerts):
        console.print(f"[yellow]alert {escape(a.line())}[/]", highlight=False,
                      soft_wrap=True)


def fail_on_alerts(alerts: Iterable[Any], also: str | None = None) -> None:
    """Raise :class:`QualityGateFailed` (exit 1) if any alert is an error, or ``also`` (the
    caller's own failure, e.g. failed expectations) is given; one message for both."""
    from linkready.alerts import errors
    from linkready.errors import QualityGateFailed

    bad = errors(_alerts(alerts))
    parts = [also] if also else []
    if bad:
        where = ", ".join(f"{a.source}.{a.field} ({a.code})" for a in bad[:5])
        parts.append(f"{len(bad)} alert(s) of severity error: {where}"
                     + (" …" if len(bad) > 5 else "") + "; see the alert lines above")
    if parts:
        raise QualityGateFailed("; ".join(parts))


def workspace_alerts(workspace: Any, project: Any) -> list[Any]:
    """The profile's alerts for a workspace already ingested (for ``validate``)."""
    from linkready.alerts import profile_alerts
    from linkready.ingest import open_workspace
    from linkready.profile import profile_workspace
    from linkready.profile._report import source_document

    con = open_workspace(workspace)
    try:
        prof = profile_workspace(con)
    finally:
        con.close()
    sources = {name: source_document(p) for name, p in prof.sources.items()}
    return profile_alerts(sources, project.link_pairs)


def alerts_gate(alerts: Iterable[Any], fail_on_error: bool) -> None:
    """Print the alerts, then (with ``--fail-on-error``) exit 1 on any error."""
    alerts = list(alerts)
    print_alerts(alerts)
    if fail_on_error:
        fail_on_alerts(alerts)
