"""What each pipeline run returns: small typed results over the published documents.

Each result holds the document it published (``.to_dict()`` returns a copy of exactly
what the JSON file holds), the path(s) it wrote, and DataFrame accessors for notebooks.
pandas is imported only when an accessor is called.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, cast

if TYPE_CHECKING:
    import pandas as pd

    from linkready.documents import (
        EvaluationDocument,
        LinkageDocument,
        ProfileDocument,
        SweepDocument,
        ValidationDocument,
    )
    from linkready.link.evaluate_run import Evaluation
    from linkready.link.run import LinkageRun
    from linkready.profile import ProjectProfile
    from linkready.project import Project
    from linkready.report import Report
    from linkready.whatif import WhatIf


def _published(document: Any) -> dict[str, Any]:
    """A document exactly as its JSON file holds it (tuples as lists, a fresh copy)."""
    return dict(json.loads(json.dumps(document, ensure_ascii=False)))


def _frame(rows: list[dict[str, Any]], columns: list[str] | None = None) -> pd.DataFrame:
    import pandas as pd

    return pd.DataFrame(rows, columns=columns)


@dataclass(frozen=True)
class GenerateResult:
    """A generated synthetic world: its folder and ``manifest.json``."""

    out: Path
    manifest: dict[str, Any]

    @property
    def project_file(self) -> Path:
        """The ``project.yaml`` generate wrote (ready for :func:`linkready.load_project`)."""
        return self.out / "project.yaml"

    def load_project(self) -> Project:
        """The generated project, loaded."""
        from linkready.project import load_project

        return load_project(self.project_file)

    def to_dict(self) -> dict[str, Any]:
        """``manifest.json``."""
        return _published(self.manifest)

    def sources_df(self) -> pd.DataFrame:
        """One row per extract: records and errors injected (exact: synthetic data)."""
        rows = [{"source": name, "records": n,
                 "errors_injected": sum(self.manifest["errors"].get(name, {}).values())}
                for name, n in self.manifest["row_counts"].items()]
        return _frame(rows, ["source", "records", "errors_injected"])


@dataclass(frozen=True)
class ProfileResult:
    """``profile.json``: data quality and linkage readiness per source; ``profile`` holds
    the exact figures it was published from."""

    out: Path
    path: Path
    document: ProfileDocument
    workspace: Path | None = None
    #: The exact profile (counts as counted, per source, check and subgroup): for
    #: arithmetic on this machine, never to publish from real data.
    profile: ProjectProfile | None = None

    def to_dict(self) -> dict[str, Any]:
        return _published(self.document)

    def sources_df(self) -> pd.DataFrame:
        """One row per source: records, valid NHS numbers and linkage readiness (published
        counts; a share is ``*`` where its count, or what the source's records leave
        over, is 1–7), and the DQMI composite."""
        rows = []
        for name, s in self.document["sources"].items():  # ProfileSource (typed)
            ready = s["readiness"]
            rows.append({
                "source": name, "records": s["records"],
                "deterministic_share": ready["deterministic"]["share"],
                "probabilistic_share": ready["probabilistic"]["share"],
                "either_share": ready["either"]["share"],
                "neither_share": ready["neither"]["share"],
                "dqmi": s["dqmi"]["composite"],
            })
        return _frame(rows)

    def dqmi_df(self) -> pd.DataFrame:
        """One row per source and field: the DQMI item scores."""
        rows = [{"source": name, **item} for name, s in self.document["sources"].items()
                for item in s["dqmi"]["items"]]
        return _frame(rows)


@dataclass(frozen=True)
class ValidationResult:
    """``validation.json`` and the suites in ``expectations/``."""

    out: Path
    path: Path
    document: ValidationDocument
    suites: dict[str, dict[str, Any]] = field(default_factory=dict)
    #: ``assess`` kept the validation already in the folder: computed from the same
    #: records, suites and versions (``inputs_sha256``), so not run again.
    reused: bool = False

    @property
    def success(self) -> bool:
        """Whether every expectation of every source passed."""
        return bool(self.document["success"])

    def to_dict(self) -> dict[str, Any]:
        return _published(self.document)

    def expectations_df(self) -> pd.DataFrame:
        """One row per source and expectation (published counts only)."""
        rows = [{"source": name, "expectation": e["expectation"], "column": e["column"],
                 "success": e["success"], "unexpected_count": e["unexpected_count"],
                 "unexpected_share": e["unexpected_share"]}
                for name, s in self.document["sources"].items() for e in s["expectations"]]
        return _frame(rows, ["source", "expectation", "column", "success",
                             "unexpected_count", "unexpected_share"])


@dataclass(frozen=True)
class LinkResult:
    """``linkage.json`` and the record-level ``links.parquet`` / ``clusters.parquet``."""

    out: Path
    path: Path
    run: LinkageRun
    written: list[Path] = field(default_factory=list)
    #: ``assess`` kept the linkage a ``link`` run wrote into the folder from the same
    #: records, project file, settings and versions (docs/schemas/linkage.md): its files
    #: were published unchanged and :meth:`exact` has no figures.
    reused: bool = False

    @property
    def document(self) -> LinkageDocument:
        """``linkage.json``, typed."""
        return cast("LinkageDocument", self.to_dict())

    def to_dict(self) -> dict[str, Any]:
        """``linkage.json``: the summary and where each pair's model file is."""
        from linkready.link.digits import tidy
        from linkready.link.run import model_filename

        models = {f"{p.left}:{p.right}": f"models/{model_filename(p.left, p.right)}"
                  for p in self.run.pairs}
        return _published(tidy({**self.run.summary, "models": models}))

    def exact(self) -> list[dict[str, Any]]:
        """Each pair's block of ``linkage.json`` with exact figures (counts as counted,
        shares unrounded): for arithmetic on this machine, never to publish. A linkage
        ``assess`` kept (``reused``) has none: it is read back from linkage.json
        (linkage-exact.json is read by ``whatif`` only)."""
        from linkready import publish

        if self.reused:
            raise ValueError("assess kept this linkage from linkage.json (same inputs and "
                             "settings), whose figures are published, not exact; run "
                             "linkready.link(...) for the exact figures")

        return [dict(publish.exact(p.summary)) for p in self.run.pairs]

    def pairs_df(self) -> pd.DataFrame:
        """One row per pair: published match rates of each stage and the label-free
        expected rate."""
        from linkready.documents import linkage_pairs

        rows = []
        for p in linkage_pairs(self.run.summary):
            e = p["probabilistic"]["expected_match_rate"]
            rows.append({"left": p["left"], "right": p["right"],
                         "left_records": p["left_records"],
                         "deterministic_match_rate": p["deterministic"]["match_rate"],
                         "probabilistic_match_rate": p["probabilistic"]["match_rate"],
                         "expected_match_rate": e["estimate"],
                         "expected_lower": e["lower"], "expected_upper": e["upper"]})
        return _frame(rows)

    def links_df(self) -> pd.DataFrame:
        """Every link (record level: stays on this machine)."""
        return self.run.links.to_pandas()

    def clusters_df(self) -> pd.DataFrame:
        """source, record_id, cluster_id for every record (record level)."""
        return self.run.clusters.to_pandas()


@dataclass(frozen=True)
class EvaluationResult:
    """``evaluation.json``: accuracy against synthetic truth; ``evaluation`` holds the
    exact figures it was published from."""

    out: Path
    path: Path
    document: EvaluationDocument
    evaluation: Evaluation | None = None
    #: ``assess`` kept the evaluation an ``evaluate`` run wrote into the folder from the
    #: same linkage, links, truth and versions (docs/schemas/evaluation.md); it was
    #: published unchanged and holds no exact figures.
    reused: bool = False
    #: False when the results folder is aggregates-only (it holds no links): the records
    #: were linked in a temporary workspace, removed when the evaluation ended.
    workspace_kept: bool = True

    def to_dict(self) -> dict[str, Any]:
        return _published(self.document)

    def exact(self) -> dict[str, Any]:
        """``pairs`` and ``clusters`` with every figure as measured (exact counts,
        unrounded rates): for arithmetic on this machine, never to publish from real
        truth."""
        if self.evaluation is None:
            raise ValueError("this result was read from evaluation.json; only a fresh "
                             "evaluation holds the exact figures")
        return self.evaluation.exact()

    def pairs_df(self) -> pd.DataFrame:
        """One row per pair and stage: precision, recall, F1 and missed-match rate as
        published (``"*"`` where a rate rests on a count of 1–7)."""
        rows = []
        for p in self.document.get("pairs", []):
            for stage in ("deterministic", "probabilistic", "combined"):
                if stage not in p:
                    continue
                s = p[stage]
                rows.append({"left": p["left"], "right": p["right"], "stage": stage,
                             **{k: s.get(k) for k in
                                ("precision", "recall", "f1", "missed_match_rate")}})
        return _frame(rows, ["left", "right", "stage", "precision", "recall", "f1",
                             "missed_match_rate"])


@dataclass(frozen=True)
class ReportResult:
    """``report.html`` and the report model it was rendered from."""

    out: Path
    path: Path
    report: Report

    def to_dict(self) -> dict[str, Any]:
        """The report's verdicts and the documents it could not find (the HTML is the
        published form; this is its summary)."""
        return {"title": self.report.title, "path": str(self.path),
                "verdicts": [{"subject": v.subject, "rag": v.rag, "headline": v.headline}
                             for v in self.report.verdicts()],
                "missing": list(self.report.missing)}

    def verdicts_df(self) -> pd.DataFrame:
        """One row per verdict: subject, RAG rating, headline."""
        return _frame(self.to_dict()["verdicts"], ["subject", "rag", "headline"])


@dataclass
class AssessResult:
    """Everything ``assess`` published, the report model and each stage's seconds."""

    out: Path
    report_path: Path
    report: Report
    written: list[Path] = field(default_factory=list)
    seconds: dict[str, float] = field(default_factory=dict)
    profile: ProfileResult | None = None
    validation: ValidationResult | None = None
    link: LinkResult | None = None
    evaluation: EvaluationResult | None = None

    def to_dict(self) -> dict[str, Any]:
        """Each published document by name (``profile``, ``validation``, ``linkage``,
        ``evaluation``), as written."""
        docs: dict[str, Any] = {}
        if self.profile is not None:
            docs["profile"] = self.profile.to_dict()
        if self.validation is not None:
            docs["validation"] = self.validation.to_dict()
        if self.link is not None:
            docs["linkage"] = self.link.to_dict()
        if self.evaluation is not None:
            docs["evaluation"] = self.evaluation.to_dict()
        return docs


@dataclass(frozen=True)
class SweepResult:
    """``sweep.json``: one row per swept value and pair."""

    out: Path
    path: Path
    document: SweepDocument

    def to_dict(self) -> dict[str, Any]:
        return _published(self.document)

    def rows_df(self) -> pd.DataFrame:
        """The sweep table (published rates)."""
        return _frame(list(self.document["rows"]))


@dataclass(frozen=True)
class WhatIfResult:
    """``whatif.json``: each affected pair's deterministic and expected match rates, as the
    records are and after the change (aggregates only)."""

    out: Path
    path: Path
    document: dict[str, Any]
    whatif: WhatIf | None = None
    #: False when the results folder is aggregates-only: the records were read into a
    #: temporary workspace, removed when the what-if ended.
    workspace_kept: bool = True

    @property
    def baseline_kept(self) -> bool:
        """The baseline linkage was kept from the results folder (a ``link`` or
        ``assess`` on the same records with the same settings and versions left it
        there, :func:`linkready.reuse.previous_baseline`) instead of linked again."""
        return self.whatif is not None and self.whatif.baseline_kept

    def to_dict(self) -> dict[str, Any]:
        return _published(self.document)

    def exact(self) -> dict[str, Any]:
        """``whatif.json`` with every figure as measured (exact counts, unrounded
        shares): for arithmetic on this machine, never to publish."""
        if self.whatif is None:
            raise ValueError("this result was read from whatif.json; only a fresh what-if "
                             "holds the exact figures")
        return self.whatif.exact()

    def pairs_df(self) -> pd.DataFrame:
        """One row per pair: published deterministic rates before and after, and the
        expected match rate with its interval (what-if side)."""
        rows = []
        for p in self.document["pairs"]:
            e = p["whatif"]["expected_match_rate"]
            rows.append({"left": p["left"], "right": p["right"],
                         "deterministic_baseline": p["baseline"]["deterministic"]["match_rate"],
                         "deterministic_whatif": p["whatif"]["deterministic"]["match_rate"],
                         "change_points": p["deterministic_change_points"],
                         "expected_match_rate": e["estimate"], "expected_lower": e["lower"],
                         "expected_upper": e["upper"]})
        return _frame(rows)
