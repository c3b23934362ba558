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
from linkready.report._fmt import ALL_BUT
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
    """True when a cell's figure is suppressed (shown as ``*`` or ``all but *``, with or
    without words)."""
    return text.startswith((SUPPRESSED, ALL_BUT))


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
    wide = {k: _svg_width(v) > PRINT_WIDTH for k, v in svgs.items()}
    return env.get_template("report.html.j2").render(
        report=report, css=Markup(css), svgs=svgs, wide=wide, version=__version__, id=id)


#: The width (CSS px) a chart has on an A4 portrait page: 180 mm between 15 mm margins,
#: less the figure's padding and border. A wider chart would be scaled down in print (its
#: text below 10 px), so it prints on a landscape page of its own (report.css, @page wide).
PRINT_WIDTH = 650


def _svg_width(svg: str) -> float:
    """The width attribute of an SVG's root element (0 if it has none)."""
    import re

    m = re.search(r'<svg[^>]*?\swidth="([0-9.]+)', svg)
    return float(m.group(1)) if m else 0.0
