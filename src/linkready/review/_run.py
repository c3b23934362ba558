"""``review sample`` and ``review score`` end to end: files read and written at this edge."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from linkready.errors import ConfigError, InputError
from linkready.outdir import default_results
from linkready.project import Project
from linkready.review import _render
from linkready.review._labels import auto_labels, read_labels
from linkready.review._sample import DEFAULT_SIZE, build_sample, find_link_dir, read_link_outputs
from linkready.review._score import ESTIMATES_NAME, check_design, read_design, score
from linkready.review._write import write_review_files

DEFAULT_SUBDIR = "review"


def check_record_level(project: Project) -> None:
    """Refuse when the project switches record-level outputs off (the review files hold
    names, DOBs and NHS numbers)."""
    outputs = getattr(project, "outputs", None)
    if outputs is not None and getattr(outputs, "record_level", True) is False:
        raise ConfigError(f"{project.name}: record-level outputs are switched off in "
                          "project.yaml (outputs.record_level: false); clerical review "
                          "shows records, so it cannot run: switch them on to review")


def run_sample(project: Project, out: Path | None, *, pairs: list[tuple[str, str]] | None,
               size: int = DEFAULT_SIZE, seed: int = 42, linkage: Path | None = None,
               workspace: Path | None = None) -> tuple[dict[str, Any], list[Path]]:
    """Draw the sample and write review.html, review.csv and review.json into ``out``
    (default: linkready-results/review/ beside the project file)."""
    from linkready.link.workspace import connect, default_workspace
    from linkready.review._write import check_out

    check_record_level(project)
    out_dir = out or default_results(project.root) / DEFAULT_SUBDIR
    names = {_render.PAGE_NAME, _render.CSV_NAME, _render.DESIGN_NAME}
    check_out(out_dir, names)  # before any work: a refused --out costs nothing
    outputs = read_link_outputs(find_link_dir(project, linkage))
    ws = Path(workspace) if workspace else default_workspace(project)
    if not workspace and not ws.is_file():
        ws = outputs.dir / ws.name  # link run with --out: the workspace sits there
    if not ws.is_file():
        raise InputError(f"{ws}: no workspace; run `linkready link PROJECT.yaml` first (or "
                         "pass --workspace)")
    con = connect(ws)
    try:
        sample = build_sample(project, outputs, con, pairs, size, seed)
    finally:
        con.close()
    written = write_review_files(out_dir, {
        _render.PAGE_NAME: _render.page(sample),
        _render.CSV_NAME: _render.review_csv(sample),
        _render.DESIGN_NAME: _render.design_json(sample),
    }, command="review-sample")
    return sample["design"], written


def find_design(project: Project, sample: Path | None, labels: Path | None) -> Path:
    """review.json: in ``--sample``, else beside the labels file, else
    linkready-results/review/ beside the project file."""
    options = [sample] if sample else [*([labels.parent] if labels else []),
                                       default_results(project.root) / DEFAULT_SUBDIR]
    for d in options:
        if d is not None and (d / _render.DESIGN_NAME).is_file():
            return d / _render.DESIGN_NAME
    raise InputError(f"{options[0]}: no {_render.DESIGN_NAME}; run `linkready review sample` "
                     "first, or pass its folder as --sample")


def run_score(project: Project, *, labels: Path | None, auto_label: bool = False,
              wrong_labels: float = 0.0, sample: Path | None = None, out: Path | None = None,
              linkage: Path | None = None, seed: int = 42,
              partial: bool = False) -> tuple[dict[str, Any], Path]:
    """Score the labels (or truth-made labels) and write review_estimates.json into
    ``out`` (default: the link output directory, where the report finds it)."""
    if auto_label == (labels is not None):
        raise ConfigError("give either --labels FILE or --auto-label (synthetic projects "
                          "only), not both or neither")
    if wrong_labels and not auto_label:
        raise ConfigError("--wrong-labels is only used with --auto-label; drop it, or label "
                          "from truth with --auto-label")
    if auto_label and project.truth is None:
        raise ConfigError(f"{project.label()}: truth: not set; --auto-label needs synthetic "
                          "truth; label real data in review.html or review.csv")
    design_path = find_design(project, sample, labels)
    design = read_design(design_path)
    link_dir = find_link_dir(project, linkage)
    linkage_doc = json.loads((link_dir / "linkage.json").read_text(encoding="utf-8"))
    check_design(design, project.name, linkage_doc, design_path)
    if auto_label:
        from linkready.link.evaluate_run import read_truth

        truth, _ = read_truth(project)
        found = auto_labels(design, truth, wrong=wrong_labels, seed=seed)
        source = "auto-label from synthetic truth" + (
            f", {wrong_labels:.0%} of labels flipped" if wrong_labels else "")
    else:
        assert labels is not None
        found = read_labels(labels, design, partial=partial)
        source = f"labels file {labels.name}"
    doc = score(design, found, source=source, seed=seed)
    out_dir = out or link_dir
    path = write_review_files(out_dir, {ESTIMATES_NAME: json.dumps(doc, indent=2,
                                                                   ensure_ascii=False) + "\n"},
                              command="review-score")[0]
    return doc, path
