"""Write ``report.html`` atomically: a temporary file beside it, then a rename."""

from __future__ import annotations

import os
from pathlib import Path

from linkready.errors import OutputError
from linkready.report._build import build_report
from linkready.report._inputs import read_outputs
from linkready.report._model import Report
from linkready.report._render import render_html
from linkready.report._verdict import Thresholds

REPORT_NAME = "report.html"


def write_text_atomic(path: Path, text: str) -> None:
    """Write ``text`` to ``path`` via a temporary sibling, so no reader sees half a file."""
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp.write_text(text, encoding="utf-8")
        os.replace(tmp, path)
    except OSError as exc:
        tmp.unlink(missing_ok=True)
        raise OutputError(f"{path}: cannot be written ({exc.strerror}); check --out and its "
                          "permissions") from None


def write_report(out: Path, project_dir: Path | None = None,
                 thresholds: Thresholds | None = None) -> tuple[Path, Report]:
    """Read the JSON outputs in ``out``, build and render the report, write it into ``out``.

    Raises:
        InputError: no profile.json or linkage.json in ``out`` (nothing is written).
        OutputError: ``out`` cannot be written.
    """
    inputs = read_outputs(out, project_dir)
    report = build_report(inputs, thresholds)
    html = render_html(report)
    path = out / REPORT_NAME
    write_text_atomic(path, html)
    return path, report
