"""The record-level review files: ``review.html`` (the labelling page), ``review.csv``
(the same sample for a spreadsheet) and ``review.json`` (the design). Pure: text in,
text out."""

from __future__ import annotations

import csv
import html
import io
import json
from importlib.resources import files
from typing import Any

PAGE_NAME = "review.html"
CSV_NAME = "review.csv"
DESIGN_NAME = "review.json"
LABELS_COLUMNS: tuple[str, ...] = ("sample_id", "item", "label")


def _fields(records: dict[str, tuple[dict[str, str], dict[str, str]]]) -> list[str]:
    out: dict[str, None] = {}
    for left, right in records.values():
        out.update(dict.fromkeys(left))
        out.update(dict.fromkeys(right))
    return list(out)


def _side(item: dict[str, Any]) -> tuple[str, str]:
    left, right = item["pair"].split(":")
    return left, right


def page(sample: dict[str, Any]) -> str:
    """review.html: the page, with the sample inlined as JSON (no stratum or probability:
    the reviewer judges the records, not the model)."""
    design, records = sample["design"], sample["records"]
    items = []
    for it in design["items"]:
        left, right = _side(it)
        rec_l, rec_r = records[it["item"]]
        items.append({"item": it["item"], "left_source": left, "right_source": right,
                      "left": rec_l, "right": rec_r or None})
    data = {"sample_id": design["sample_id"], "project": design["project"],
            "fields": _fields(records), "items": items}
    # "<" escaped so no value can close the script element.
    blob = json.dumps(data, ensure_ascii=False).replace("<", "\\u003c")
    template = files("linkready.review").joinpath("page.html").read_text(encoding="utf-8")
    return template.replace("__TITLE__", html.escape(design["project"])) \
        .replace("__DATA__", blob)


def review_csv(sample: dict[str, Any]) -> str:
    """review.csv: one row per item, the two records side by side, an empty ``label``
    column (match, non-match or unsure) to fill in."""
    design, records = sample["design"], sample["records"]
    fields = _fields(records)
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\r\n")
    w.writerow(["sample_id", "item", "left_source", "right_source",
                *[f"left_{f}" for f in fields], *[f"right_{f}" for f in fields], "label"])
    for it in design["items"]:
        left, right = _side(it)
        rec_l, rec_r = records[it["item"]]
        w.writerow([design["sample_id"], it["item"], left, right,
                    *[rec_l.get(f, "") for f in fields], *[rec_r.get(f, "") for f in fields],
                    ""])
    return buf.getvalue()


def design_json(sample: dict[str, Any]) -> str:
    """review.json: the design and the sampled record ids (no field values)."""
    return json.dumps(sample["design"], indent=2, ensure_ascii=False) + "\n"


def labels_csv(sample_id: str, labels: dict[str, str]) -> str:
    """A labels file as the page saves it."""
    rows = ["sample_id,item,label", *[f"{sample_id},{k},{v}" for k, v in labels.items()]]
    return "\r\n".join(rows) + "\r\n"
