"""Small helpers the lessons share: subgroup tables and charts built from measured rows."""

from __future__ import annotations

from typing import Any

from linkready.lessons._model import Chart, Column, Table

# The report's palette (Okabe–Ito) and font, so lesson pages and the report look alike.
from linkready.report._charts import FONT, OKABE_ITO

LA = "la_adult_social_care"
GP = "gp_register"
ACUTE = "acute"
CSC = "childrens_social_care"

#: Orders for subgroup labels.
AGE_ORDER = ("0-17", "18-29", "30-49", "50-64", "65-79", "80+")
ETHNIC_ORDER = ("white", "mixed", "asian", "black", "other")


def subgroup_rows(evaluation: dict[str, Any], dim: str,
                  stages: dict[str, str]) -> list[dict[str, Any]]:
    """One row per subgroup: records, true overlap and each stage's missed-match rate.

    ``stages`` maps an evaluation stage (``deterministic``…) to the row key to use."""
    rows = []
    for r in evaluation["by_subgroup"].get(dim, []):
        row: dict[str, Any] = {"group": str(r["group"]), "records": r["left_records"],
                               "overlap": r["overlap_rate"]}
        for stage, key in stages.items():
            row[key] = r[stage]["missed_match_rate"]
        rows.append(row)
    return rows


_CONFIG: dict[str, Any] = {
    "font": FONT,
    "view": {"stroke": None},
    "axis": {"labelFontSize": 12, "titleFontSize": 12, "labelLimit": 260},
    "legend": {"labelFontSize": 12, "titleFontSize": 12, "orient": "bottom",
               "direction": "horizontal", "labelLimit": 320},
}


def _finish(chart: Any, title: str) -> Chart:
    """An Altair chart as a Vega-Lite spec with the page's look (no $schema URL)."""
    spec: dict[str, Any] = chart.properties(width=560, height=260).to_dict()
    spec.pop("$schema", None)
    spec["config"] = {**_CONFIG, **spec.get("config", {})}
    return Chart(key=title, title=title, spec=spec)


def bar_chart(rows: list[dict[str, Any]], x: str, y: str, title: str, *,
              color: str | None = None, x_title: str = "", y_title: str = "",
              sort: list[str] | None = None, share: bool = True) -> Chart:
    """A grouped or plain bar chart of measured rows (Altair → Vega-Lite)."""
    import altair as alt
    import pandas as pd

    frame = pd.DataFrame(rows)
    enc: dict[str, Any] = {
        "x": alt.X(f"{x}:N", title=x_title or None, sort=sort,
                   axis=alt.Axis(labelAngle=0, labelLimit=160)),
        "y": alt.Y(f"{y}:Q", title=y_title or y,
                   axis=alt.Axis(format=".0%") if share else alt.Axis()),
    }
    if color:
        enc["color"] = alt.Color(f"{color}:N", title=None,
                                 scale=alt.Scale(range=list(OKABE_ITO)))
        enc["xOffset"] = alt.XOffset(f"{color}:N")
    else:
        enc["color"] = alt.value(OKABE_ITO[0])
    return _finish(alt.Chart(frame).mark_bar().encode(**enc), title)


def line_chart(rows: list[dict[str, Any]], x: str, y: str, color: str, title: str, *,
               x_title: str = "", y_title: str = "") -> Chart:
    """Lines with points (Altair → Vega-Lite), e.g. precision and recall by threshold."""
    import altair as alt
    import pandas as pd

    chart = alt.Chart(pd.DataFrame(rows)).mark_line(point=True).encode(
        x=alt.X(f"{x}:Q", title=x_title or x),
        y=alt.Y(f"{y}:Q", title=y_title or y, axis=alt.Axis(format=".0%")),
        color=alt.Color(f"{color}:N", title=None, scale=alt.Scale(range=list(OKABE_ITO))),
    )
    return _finish(chart, title)


def long_rows(rows: list[dict[str, Any]], x: str, series: dict[str, str]) -> list[dict]:
    """Wide rows → long rows ``{x, series, value}`` for a grouped chart."""
    return [{x: r[x], "series": label, "value": r[key]}
            for r in rows for key, label in series.items() if r.get(key) is not None]


def table(key: str, title: str, columns: list[tuple[str, str, str]],
          rows: list[dict[str, Any]], note: str = "") -> Table:
    """A Table from (key, label, kind) column triples."""
    return Table(key, title, tuple(Column(k, lab, kind) for k, lab, kind in columns),  # type: ignore[arg-type]
                 tuple(rows), note)


def stage_measures(ev: dict[str, Any], stage: str) -> dict[str, Any]:
    """An evaluation stage's measures."""
    return ev[stage]


def by_group(world: Any, frame: Any, dim: str) -> Any:
    """``frame`` (indexed by left record_id) with a ``group`` column: the subgroup ``dim``
    of each record's person."""
    person = world.truth.set_index("record_id")["person_id"]
    attrs = world.population.set_index("person_id")[dim]
    return frame.assign(group=frame.index.map(person).map(attrs).astype(str))


def agreement(world: Any, left: str, right: str, fields: list[str]) -> Any:
    """Per left record (index record_id): True if some right record of the same person
    agrees exactly on every field in ``fields``; False if the person is in right but none
    agrees; missing if the person is not in right."""
    recs = world.records.merge(world.truth, on=["source", "record_id"])
    lf, rf = recs[recs["source"] == left], recs[recs["source"] == right]
    m = lf.merge(rf, on="person_id", suffixes=("_l", "_r"))
    agree = m["person_id"].notna()
    for f in fields:
        agree &= (m[f"{f}_l"] == m[f"{f}_r"]).fillna(False).astype(bool)
    out = agree.groupby(m["record_id_l"]).any()
    return out.reindex(lf["record_id"])


def missed_by_group(o: Any, dim_groups: Any, order: tuple[str, ...]) -> dict[str, float]:
    """Missed-match rate (1 − recall) per group from per-record outcomes ``o`` with a
    ``group`` column."""
    out = {}
    for g in order:
        sub = o[(o["group"] == g) & o["true_match"]]
        if len(sub):
            out[g] = float(1 - sub["correct"].mean())
    return out


#: The command that runs a lesson, for exercise text.
RUN = "linkready lessons run"


def source_records(world: Any, source: str) -> Any:
    """One source's canonical records from a lesson world."""
    return world.records[world.records["source"] == source]
