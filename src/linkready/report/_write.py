"""Build ``report.html`` from a folder of JSON outputs and write it atomically."""

from __future__ import annotations

from pathlib import Path

from linkready.outdir import write_text
from linkready.report._build import build_report
from linkready.report._inputs import read_outputs
from linkready.report._model import Report
from linkready.report._render import render_html
from linkready.report._verdict import Thresholds

REPORT_NAME = "report.html"


def render_report(out: Path, project_dir: Path | None = None,
                  thresholds: Thresholds | None = None, *,
                  synthetic: bool | None = None) -> tuple[str, Report]:
    """Read the JSON outputs in ``out`` and build and render the report (writes nothing).
    ``synthetic`` (from :func:`linkready.synthetic.is_synthetic`) decides the synthetic-data
    banner; None reads it from the documents.

    Raises:
        InputError: no profile.json or linkage.json in ``out``, or one is unreadable.
    """
    report = build_report(read_outputs(out, project_dir), thresholds, synthetic=synthetic)
    return render_html(report), report


def write_report(out: Path, project_dir: Path | None = None,
                 thresholds: Thresholds | None = None,
                 dest: Path | None = None, *,
                 synthetic: bool | None = None) -> tuple[Path, Report]:
    """Read the JSON outputs in ``out``, build and render the report, write it into
    ``dest`` (default ``out``).

    Raises:
        InputError: no profile.json or linkage.json in ``out`` (nothing is written).
        OutputError: ``out`` cannot be written.
    """
    html, report = render_report(out, project_dir, thresholds, synthetic=synthetic)
    return write_text((dest or out) / REPORT_NAME, html), report
