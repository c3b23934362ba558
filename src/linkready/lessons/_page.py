"""Render a lesson run: ``lesson.json`` (the measured figures) and a self-contained
``lesson.html`` (inline CSS, charts as inline SVG, no scripts, no external URLs)."""

from __future__ import annotations

import json
import re
from dataclasses import asdict
from typing import Any

from linkready.lessons._model import Chart, Column, Lesson, LessonResult, fmt

SCHEMA_VERSION = "1.0"


def setting_value(scenario: Any, key: str) -> Any:
    """A dotted key's value in the resolved scenario (a Rate gives its base rate)."""
    node: Any = scenario.model_dump(mode="json")
    for part in key.split("."):
        if isinstance(node, dict):
            node = node.get(part, node.get(_int(part)))
        else:
            return None
    if isinstance(node, dict) and "rate" in node:
        return node["rate"]
    return node


def _int(text: str) -> Any:
    try:
        return int(text)
    except ValueError:
        return text


def variant_info(lesson: Lesson, world: Any) -> dict[str, Any]:
    """What the set-up section shows for one world: its settings and sizes."""
    from linkready.privacy import suppress

    sc = world.scenario
    settings = []
    for s in lesson.settings:
        value = setting_value(sc, s.key)
        settings.append({"key": s.key, "label": s.label, "value": value,
                         "text": fmt(value, s.kind) if isinstance(value, int | float)
                         else str(value)})
    return {
        "key": world.variant.key,
        "label": world.variant.label,
        "overrides": world.variant.overrides,
        "scenario": sc.name,
        "config_hash": sc.config_hash(),
        "seed": sc.seed,
        "population": f"{sc.population:,}",
        "records": {k: f"{suppress(int(v)):,}" if isinstance(suppress(int(v)), int)
                    else suppress(int(v)) for k, v in world.manifest["row_counts"].items()},
        "settings": settings,
        "seconds": round(world.seconds, 1),
    }


def to_json(lesson: Lesson, result: LessonResult, variants: list[dict[str, Any]],
            meta: dict[str, Any]) -> dict[str, Any]:
    """The content of ``lesson.json``: aggregates only."""
    return {
        "schema_version": SCHEMA_VERSION,
        "lesson": lesson.name,
        "number": lesson.number,
        "title": lesson.title,
        **meta,
        "variants": variants,
        "figures": {k: {"label": f.label, "value": f.shown, "kind": f.kind}
                    for k, f in result.figures.items()},
        "findings": result.findings,
        "tables": [{"key": t.key, "title": t.title,
                    "columns": [asdict(c) for c in t.columns], "rows": list(t.rows)}
                   for t in result.tables],
    }


_XMLNS = re.compile(r'\s+xmlns(:\w+)?="[^"]*"')


def svg(chart: Chart) -> str:
    """A Vega-Lite spec rendered to SVG for inlining (namespace attributes dropped: inline
    SVG in HTML needs none, and the page then holds no URL at all)."""
    import vl_convert as vlc

    return _XMLNS.sub("", vlc.vegalite_to_svg(chart.spec))


def cell(row: dict[str, Any], col: Column) -> str:
    value = row.get(col.key)
    return fmt(value, col.kind)


def render_html(lesson: Lesson, total: int, result: LessonResult,
                variants: list[dict[str, Any]], meta: dict[str, Any]) -> str:
    """The lesson page."""
    from jinja2 import Environment, PackageLoader, select_autoescape

    env = Environment(loader=PackageLoader("linkready.lessons", "templates"),
                      autoescape=select_autoescape(["html", "j2"]))
    env.filters["ticks"] = ticks
    template = env.get_template("lesson.html.j2")
    charts = [{"title": c.title, "svg": svg(c)} for c in result.charts]
    return template.render(lesson=lesson, total=total, variants=variants,
                           findings=result.findings, figures=list(result.figures.values()),
                           charts=charts, tables=result.tables, meta=meta, cell=cell)


def ticks(text: str) -> Any:
    """Escape ``text`` and show `back-ticked` parts as code."""
    from markupsafe import Markup, escape

    parts = str(escape(text)).split("`")
    return Markup("".join(f"<code>{p}</code>" if i % 2 else p for i, p in enumerate(parts)))


def dumps(payload: dict[str, Any]) -> str:
    return json.dumps(payload, indent=2, ensure_ascii=False, default=str)
