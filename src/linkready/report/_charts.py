"""Vega-Lite chart specs (built with Altair, data inline) and their rendering to inline SVG.

Specs are pure functions of rows already read from the JSON outputs. Rendering uses
vl-convert, which needs no browser and no network; the SVG carries its own title and text
alternative so the page is readable without any script.
"""

from __future__ import annotations

import html
import re
from typing import Any, Literal

#: The single-hue Vega schemes the heat maps use (readable with colour-vision deficiency).
Scheme = Literal["blues", "oranges"]

#: Okabe–Ito: distinguishable with the common colour-vision deficiencies.
OKABE_ITO = ("#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00", "#F0E442",
             "#000000")
#: Charts are laid out by vl-convert with Liberation Sans; Arial and Helvetica have the same
#: metrics, so labels fit when a browser draws them with any of the three.
FONT = "Liberation Sans, Arial, Helvetica, sans-serif"
WIDTH = 640

_CONFIG: dict[str, Any] = {
    "font": FONT,
    "view": {"stroke": None},
    "axis": {"labelFontSize": 12, "titleFontSize": 12, "labelLimit": 260},
    "legend": {"labelFontSize": 12, "titleFontSize": 12, "orient": "bottom",
               "direction": "horizontal", "labelLimit": 260},
    "title": {"fontSize": 14, "anchor": "start", "fontWeight": "bold"},
}


def _spec(chart: Any) -> dict[str, Any]:
    spec: dict[str, Any] = chart.to_dict()
    spec.pop("$schema", None)  # a URL; vl-convert does not need it
    spec["config"] = {**_CONFIG, **spec.get("config", {})}
    return spec


def stacked_shares(rows: list[dict[str, Any]], *, title: str, y: str, colour: str,
                   order: list[str], x_title: str) -> dict[str, Any]:
    """Horizontal 100% stacked bars: one bar per ``y``, segments by ``colour``."""
    import altair as alt

    data = alt.Data(values=rows)
    palette = list(OKABE_ITO[: len(order)])
    chart = alt.Chart(data, title=title).mark_bar().encode(
        y=alt.Y(f"{y}:N", title=None, sort=None),
        x=alt.X("share:Q", title=x_title, axis=alt.Axis(format="%"),
                scale=alt.Scale(domain=[0, 1])),
        color=alt.Color(f"{colour}:N", title=None, sort=order,
                        scale=alt.Scale(domain=order, range=palette)),
        order=alt.Order("rank:Q"),
    ).properties(width=WIDTH - 160, height=alt.Step(22))
    return _spec(chart)


#: The fill a hidden (suppressed) cell is drawn with in the spec; :func:`to_svg` swaps it
#: for a hatched SVG pattern (Vega has no pattern fills), so it never reads as "none".
HIDDEN_FILL = "#fe01fe"
#: The legend every chart or table with hidden cells carries.
HIDDEN_LEGEND = "* fewer than 8 records, hidden (all but *: all but 1 to 7 records)"


def hidden_cell(keys: dict[str, Any]) -> dict[str, Any]:
    """A heat-map cell whose figure is suppressed: drawn hatched and labelled ``*``."""
    return {**keys, "hidden": True, "label": "*"}


def heatmap(rows: list[dict[str, Any]], *, title: str, x: str, y: str, value: str,
            x_title: str | None, y_title: str | None, domain_max: float = 1.0,
            scheme: Scheme = "blues", y_order: list[str] | None = None,
            x_order: list[str] | None = None) -> dict[str, Any]:
    """A grid of shares with the value printed in each cell (colour is never the only cue)."""
    import altair as alt

    data = alt.Data(values=rows)
    base = alt.Chart(data).encode(
        x=alt.X(f"{x}:N", title=x_title, sort=x_order,
                axis=alt.Axis(labelAngle=-30, orient="top")),
        y=alt.Y(f"{y}:N", title=y_title, sort=y_order),
    )
    cells = base.mark_rect(stroke="white").encode(
        color=alt.Color(f"{value}:Q", title=None, legend=None,
                        scale=alt.Scale(scheme=scheme, domain=[0, domain_max], clamp=True)),
    ).transform_filter("!datum.hidden")
    text = base.mark_text(fontSize=11).encode(
        text=alt.Text("label:N"),
        color=alt.condition(f"datum.{value} > {0.6 * domain_max}", alt.value("white"),
                            alt.value("black")),
    )
    layers = [cells]
    if any(r.get("hidden") for r in rows):
        layers.append(base.mark_rect(stroke="white", fill=HIDDEN_FILL)
                      .transform_filter("datum.hidden"))
    n_cols = len({r[x] for r in rows}) or 1
    return _spec(alt.layer(*layers, text).properties(
        title=title, width=alt.Step(max(56, min(100, WIDTH // n_cols))), height=alt.Step(22)))


def rates_with_intervals(rows: list[dict[str, Any]], *, title: str, methods: list[str]
                         ) -> dict[str, Any]:
    """Match rates per pair: a point per method, a line for each 95% interval."""
    import altair as alt

    data = alt.Data(values=rows)
    palette = list(OKABE_ITO[: len(methods)])
    colour = alt.Color("method:N", title=None, sort=methods,
                       scale=alt.Scale(domain=methods, range=palette))
    base = alt.Chart(data).encode(
        y=alt.Y("pair:N", title=None, sort=None),
        yOffset=alt.YOffset("method:N", sort=methods),
        color=colour,
    )
    rules = base.mark_rule(strokeWidth=2).encode(
        x=alt.X("lower:Q", title="match rate (share of left records)",
                axis=alt.Axis(format="%"), scale=alt.Scale(domain=[0, 1])),
        x2="upper:Q",
    )
    points = base.mark_point(filled=True, size=60).encode(
        x="rate:Q", shape=alt.Shape("method:N", sort=methods, legend=None))
    layered = (rules + points).properties(title=title, width=WIDTH - 120,
                                          height=alt.Step(12))
    return _spec(layered)


def bars(rows: list[dict[str, Any]], *, title: str, x: str, y: str, x_title: str,
         y_title: str) -> dict[str, Any]:
    """Vertical bars with their value printed above."""
    import altair as alt

    data = alt.Data(values=rows)
    base = alt.Chart(data).encode(
        x=alt.X(f"{x}:N", title=x_title, sort=None, axis=alt.Axis(labelAngle=0)),
        y=alt.Y(f"{y}:Q", title=y_title),
    )
    chart = base.mark_bar(color=OKABE_ITO[0]) + base.mark_text(dy=-6).encode(
        text=alt.Text("label:N"))
    return _spec(chart.properties(title=title, width=alt.Step(70), height=220))


def _measure_lines(x: Any, measures: list[str], *, point_size: int, **more: Any) -> Any:
    """Lines of rates (0–100%) against ``x``, one per measure, points marked; each
    measure told apart by colour and dash (colour is never the only cue)."""
    import altair as alt

    return alt.Chart().mark_line(point=alt.OverlayMarkDef(filled=True,
                                                          size=point_size)).encode(
        x=x,
        y=alt.Y("rate:Q", title=None, axis=alt.Axis(format="%"),
                scale=alt.Scale(domain=[0, 1])),
        color=alt.Color("measure:N", title=None, sort=measures,
                        scale=alt.Scale(domain=measures,
                                        range=list(OKABE_ITO[: len(measures)]))),
        strokeDash=alt.StrokeDash("measure:N", sort=measures, legend=None),
        **more,
    )


def _panel_per_pair(layers: list[Any], rows: list[dict[str, Any]], *,
                    height: int) -> dict[str, Any]:
    """Small multiples: the layers drawn once per pair, two panels a row."""
    import altair as alt

    chart = alt.layer(*layers, data=alt.Data(values=rows)).properties(
        width=250, height=height).facet(
        facet=alt.Facet("pair:N", title=None, header=alt.Header(labelFontSize=12,
                                                                labelLimit=300)),
        columns=2)
    return _spec(chart)


def sweep_lines(rows: list[dict[str, Any]], *, x_title: str, measures: list[str],
                x_percent: bool) -> dict[str, Any]:
    """Small multiples, one per pair: each measure against the swept setting. One panel
    per pair keeps the legend to the few measures (a legend per pair and measure was
    truncated and its lines hid one another)."""
    import altair as alt

    x = alt.X("x:Q", title=x_title, axis=alt.Axis(format="%" if x_percent else ""),
              scale=alt.Scale(zero=False))
    lines = _measure_lines(x, measures, point_size=40,
                           shape=alt.Shape("measure:N", sort=measures, legend=None))
    return _panel_per_pair([lines], rows, height=160)


def threshold_lines(rows: list[dict[str, Any]], *, measures: list[str], order: list[str],
                    current: str | None) -> dict[str, Any]:
    """Small multiples, one per pair: each measure against the threshold (an ordinal
    axis: the grid crowds near 1), the threshold in use marked by a vertical rule."""
    import altair as alt

    x = alt.X("threshold:O", title="match-probability threshold", sort=order,
              axis=alt.Axis(labelAngle=-45))
    layers = [_measure_lines(x, measures, point_size=30)]
    if current is not None:
        layers.append(alt.Chart().mark_rule(color="#505a5f", strokeDash=[2, 2]).encode(
            x=alt.X("threshold:O", sort=order)).transform_filter(
                f"datum.threshold == '{current}'"))
    return _panel_per_pair(layers, rows, height=140)


def _hatch(svg: str) -> str:
    """Swap the hidden-cell fill for a hatched pattern defined inside this SVG (its id is
    derived from the drawing, so two charts on one page never share one)."""
    if HIDDEN_FILL not in svg:
        return svg
    import hashlib

    pid = "lr-hatch-" + hashlib.sha256(svg.encode()).hexdigest()[:10]
    defs = (f'<defs><pattern id="{pid}" patternUnits="userSpaceOnUse" width="6" height="6" '
            'patternTransform="rotate(45)"><rect width="6" height="6" fill="#f3f2f1"/>'
            '<line x1="0" y1="0" x2="0" y2="6" stroke="#505a5f" stroke-width="2"/>'
            '</pattern></defs>')
    svg = svg.replace(f'fill="{HIDDEN_FILL}"', f'fill="url(#{pid})"')
    end = svg.index(">") + 1
    return svg[:end] + defs + svg[end:]


_XMLNS = re.compile(r'\s+xmlns(:\w+)?="[^"]*"')


def to_svg(spec: dict[str, Any], title: str, alt: str) -> str:
    """Render a spec to an inline ``<svg>`` with ``role="img"``, a ``<title>`` and an
    ``aria-label``; namespace declarations are dropped (HTML needs none, and the page
    must hold no URL). Layered specs carry their title on the layer; it is dropped too."""
    import vl_convert as vlc

    # The page's figure caption carries the title; drawing it again inside would repeat it.
    svg = vlc.vegalite_to_svg({k: v for k, v in spec.items() if k != "title"})
    svg = _XMLNS.sub("", svg, count=0)
    svg = _hatch(svg)
    label = html.escape(alt, quote=True)
    head = f'<svg role="img" aria-label="{label}" focusable="false"'
    svg = svg.replace("<svg", head, 1)
    end = svg.index(">") + 1
    return svg[:end] + f"<title>{html.escape(title)}</title>" + svg[end:]
