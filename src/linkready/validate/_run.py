"""Run the suites over the workspace in pandas batches and add up the counts."""

from __future__ import annotations

import math
import re
from contextlib import suppress
from dataclasses import dataclass, field
from datetime import date
from typing import TYPE_CHECKING, Any

from linkready.progress import ProgressCallback, no_progress
from linkready.project import Project
from linkready.sql import lit
from linkready.validate._suites import ExpectationSpec, suite_for

if TYPE_CHECKING:
    import duckdb

#: Columns handed to GX (dob arrives in pandas as datetime64).
BATCH_COLUMNS = (
    "record_id", "nhs_number", "given_name", "family_name", "dob",
    "sex", "postcode", "ethnicity", "lsoa", "imd_decile",
)


@dataclass
class ExpectationResult:
    """One expectation's counts over all batches of a source (exact)."""

    spec: ExpectationSpec
    element_count: int = 0
    unexpected_count: int = 0
    missing_count: int = 0
    errors: int = 0

    @property
    def mostly(self) -> float:
        return float(self.spec.kwargs.get("mostly", 1.0))

    @property
    def success(self) -> bool:
        """GX's rule over the whole source: unexpected share of non-missing ≤ 1 − mostly."""
        if self.errors:
            return False
        nonmissing = self.element_count - self.missing_count
        if nonmissing <= 0:
            return True
        return self.unexpected_count <= (1 - self.mostly) * nonmissing + 1e-9

    @property
    def type(self) -> str:
        return re.sub(r"(?<!^)(?=[A-Z])", "_", self.spec.expectation).lower()


@dataclass
class SourceValidation:
    """A source's validation: its records, batches and expectation results."""

    source: str
    records: int
    batches: int
    results: list[ExpectationResult] = field(default_factory=list)
    suite: dict[str, Any] = field(default_factory=dict)

    @property
    def success(self) -> bool:
        return all(r.success for r in self.results)


def batch_sql(source: str, parts: int, part: int) -> str:
    """One batch of a source: records whose id hashes to ``part`` (duplicates stay together,
    so uniqueness holds across batches)."""
    where = f"source = {lit(source)}"
    if parts > 1:
        where += f" AND hash(coalesce(record_id, '')) % {parts} = {part}"
    return f"SELECT {', '.join(BATCH_COLUMNS)} FROM records WHERE {where}"


def gx_frame(frame: Any) -> Any:
    """The batch in the dtypes GX compares vectorised: ``dob`` as datetime64[ns] and
    ``imd_decile`` as float64 (NaN for missing). DuckDB hands them over as datetime64[us]
    and nullable Int32, for which GX's between-check calls Python once per value. Same
    values, same nulls, so the same counts; a date outside the nanosecond range (before
    1677) keeps its microseconds."""
    import pandas as pd

    if "dob" in frame.columns and frame["dob"].dtype != "datetime64[ns]":
        # Out of range: GX's slower per-value comparison, same result.
        with suppress(pd.errors.OutOfBoundsDatetime, OverflowError):
            frame["dob"] = frame["dob"].dt.as_unit("ns")
    if "imd_decile" in frame.columns:
        frame["imd_decile"] = frame["imd_decile"].astype("float64")
    return frame


def validate_workspace(
    project: Project,
    con: duckdb.DuckDBPyConnection,
    progress: ProgressCallback = no_progress,
) -> list[SourceValidation]:
    """Validate every source in the workspace with suites built from ``project``."""
    from linkready.validate._gx import GxRunner

    runner = GxRunner()
    rows = con.execute("SELECT source, records, reference_date FROM sources ORDER BY rowid")
    out = []
    for source, n, ref in rows.fetchall():
        reference: date = ref or project.reference()
        specs = suite_for(project, source, reference)
        suite_doc = runner.add_suite(source, specs)
        parts = max(1, math.ceil(n / project.validation.chunk_rows))
        sv = SourceValidation(source, int(n), parts, [ExpectationResult(s) for s in specs],
                              suite_doc)
        for part in range(parts):
            frame = gx_frame(con.execute(batch_sql(source, parts, part)).df())
            for res, outcome in zip(sv.results, runner.validate(source, frame), strict=True):
                res.element_count += outcome.element_count
                res.unexpected_count += outcome.unexpected_count
                res.missing_count += outcome.missing_count
                res.errors += outcome.error is not None
        progress(f"validated {source}")
        out.append(sv)
    return out
