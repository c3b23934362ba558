"""Render a report model to one self-contained HTML page (Jinja2 templates in package data).

Charts become inline SVG here; CSS is inlined from ``templates/report.css``. The page holds
no script, no external URL and no web font, so it opens offline and prints cleanly.
"""

from __future__ import annotations

import re
from importlib import resources
from typing import Any

from linkready._version import __version__
from linkready.privacy import SUPPRESSED
from linkready.report._charts import HIDDEN_LEGEND, to_svg
from linkready.report._model import (
    Bullets,
    Chart,
    Paragraph,
    Report,
    Table,
    VerdictBlock,
)

_CODE = re.compile(r"`([^`]+)`")


def _inline(text: str) -> Any:
    """Escape text, then turn `code` spans into <code> (the only markup a model carries)."""
    from markupsafe import Markup, escape

    return Markup(_CODE.sub(lambda m: f"<code>{m.group(1)}</code>", str(escape(text))))


def hidden_figure(text: str) -> bool:
    """True when a cell's figure is suppressed (shown as ``*``, with or without words)."""
    return text.startswith(SUPPRESSED)


def _environment() -> Any:
    import jinja2

    env = jinja2.Environment(
        loader=jinja2.PackageLoader("linkready.report", "templates"),
        autoescape=jinja2.select_autoescape(["html", "j2"], default=True),
        trim_blocks=True,
        lstrip_blocks=True,
        undefined=jinja2.StrictUndefined,
    )
    env.filters["inline"] = _inline
    env.tests["paragraph"] = lambda b: isinstance(b, Paragraph)
    env.tests["bullets"] = lambda b: isinstance(b, Bullets)
    env.tests["table"] = lambda b: isinstance(b, Table)
    env.tests["chart"] = lambda b: isinstance(b, Chart)
    env.tests["verdicts"] = lambda b: isinstance(b, VerdictBlock)
    env.tests["hidden_figure"] = hidden_figure
    env.tests["with_hidden"] = lambda t: any(hidden_figure(c.text) for r in t.rows for c in r)
    env.globals["hidden_text"] = HIDDEN_LEGEND
    return env


def render_html(report: Report) -> str:
    """The report as one HTML document."""
    from markupsafe import Markup

    env = _environment()
    css = resources.files("linkready.report").joinpath("templates/report.css").read_text(
        encoding="utf-8")
    svgs = {id(c): Markup(to_svg(c.spec, c.title, c.alt)) for c in report.charts()}
    return env.get_template("report.html.j2").render(
        report=report, css=Markup(css), svgs=svgs, version=__version__, id=id)
