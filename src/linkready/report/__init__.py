"""Report: the commissioner's HTML page, built from the JSON outputs alone.

Model first (:func:`build_report` turns the documents into a plain :class:`Report`),
rendering second (:func:`render_html`, Jinja2 templates and Vega-Lite charts as inline
SVG). :func:`write_report` reads a directory of outputs and writes ``report.html``
atomically. See ``docs/report.md``.
"""

from __future__ import annotations

from typing import Any

from linkready.report._build import build_report
from linkready.report._inputs import ReportInputs, read_outputs
from linkready.report._model import Report
from linkready.report._render import render_html
from linkready.report._verdict import Rule, Thresholds
from linkready.report._write import REPORT_NAME, render_report, write_report

__all__ = [
    "REPORT_NAME",
    "AssessResult",
    "Report",
    "ReportInputs",
    "Rule",
    "Thresholds",
    "assess_project",
    "build_report",
    "read_outputs",
    "render_html",
    "render_report",
    "write_report",
]


def __getattr__(name: str) -> Any:
    """``assess_project`` and ``AssessResult`` moved to :mod:`linkready.pipeline` and
    :mod:`linkready.results`; kept importable here for code written before the move."""
    if name == "assess_project":
        from linkready.pipeline import assess_project

        return assess_project
    if name == "AssessResult":
        from linkready.results import AssessResult

        return AssessResult
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
