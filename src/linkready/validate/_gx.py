"""The Great Expectations adapter: the only module that imports GX.

GX analytics are switched off and progress bars silenced; results are requested at
``SUMMARY`` with no example values, and only counts are read back from them.
"""

from __future__ import annotations

import os
import uuid
from dataclasses import dataclass
from functools import cache
from typing import Any

from linkready.validate._suites import ExpectationSpec

RESULT_FORMAT = {"result_format": "SUMMARY", "partial_unexpected_count": 0}


@dataclass(frozen=True)
class Outcome:
    """Counts from one expectation on one batch (no values)."""

    element_count: int
    unexpected_count: int
    missing_count: int
    success: bool
    error: str | None = None


@cache
def _gx() -> Any:
    """Import GX once, quietly, and register the custom NHS-number expectation."""
    os.environ["GX_ANALYTICS_ENABLED"] = "false"
    import logging
    import warnings

    with warnings.catch_warnings():
        # GX imports optional back ends (e.g. pyspark) that warn about pandas 3.
        warnings.simplefilter("ignore")
        import great_expectations as gx
        from great_expectations.execution_engine import PandasExecutionEngine
        from great_expectations.expectations.expectation import ColumnMapExpectation
        from great_expectations.expectations.metrics import (
            ColumnMapMetricProvider,
            column_condition_partial,
        )

    logging.getLogger("great_expectations").setLevel(logging.ERROR)

    class ColumnValuesValidNhsNumber(ColumnMapMetricProvider):
        """Metric: Modulus 11 passes and the ten digits are not all the same."""

        condition_metric_name = "column_values.valid_nhs_number"

        @column_condition_partial(engine=PandasExecutionEngine)
        def _pandas(cls, column: Any, **kwargs: Any) -> Any:
            text = column.astype(str)
            ten = text.str.fullmatch(r"[0-9]{10}")
            d = text.where(ten, "0000000000").str
            total = sum((10 - i) * d[i].astype(int) for i in range(9))
            check = (11 - total % 11) % 11
            repdigit = text.str.fullmatch(r"(\d)\1{9}")
            return ten & (check == d[9].astype(int)) & ~repdigit

    class ExpectColumnValuesToBeValidNhsNumber(ColumnMapExpectation):
        """Expect NHS numbers to pass Modulus 11 and not to be a repdigit (HES rule)."""

        map_metric = "column_values.valid_nhs_number"
        success_keys = ("mostly",)

    # Reachable by name like the built-in expectations (suites are built from names).
    setattr(gx.expectations, "ExpectColumnValuesToBeValidNhsNumber",  # noqa: B010
            ExpectColumnValuesToBeValidNhsNumber)
    return gx


def register_gx_expectations() -> type:
    """Import GX and register linkready's custom expectation; return its class.

    Call this before loading a suite exported to ``expectations/`` into your own GX
    project: the suites use ``expect_column_values_to_be_valid_nhs_number``.
    """
    cls: type = _gx().expectations.ExpectColumnValuesToBeValidNhsNumber
    return cls


class GxRunner:
    """An ephemeral GX context validating pandas batches against named suites."""

    def __init__(self) -> None:
        gx = _gx()
        from great_expectations.data_context.types.base import ProgressBarsConfig

        self._gx = gx
        self.context = gx.get_context(mode="ephemeral")
        self.context.variables.progress_bars = ProgressBarsConfig(globally=False)
        asset = self.context.data_sources.add_pandas("linkready").add_dataframe_asset("records")
        self.batch_definition = asset.add_batch_definition_whole_dataframe("whole")
        self.suites: dict[str, Any] = {}
        self.ids: dict[str, list[str]] = {}

    def add_suite(self, name: str, specs: list[ExpectationSpec]) -> dict[str, Any]:
        """Build and register a suite; return its JSON (for ``expectations/``)."""
        suite = self._gx.ExpectationSuite(name=name)
        for s in specs:
            cls = getattr(self._gx.expectations, s.expectation)
            suite.add_expectation(cls(column=s.column, **s.kwargs))
        self.suites[name] = self.context.suites.add(suite)
        doc: dict[str, Any] = self.suites[name].to_json_dict()
        self.ids[name] = [str(e["id"]) for e in doc["expectations"]]
        return _stable_ids(doc)

    def validate(self, name: str, frame: Any) -> list[Outcome]:
        """Validate one pandas batch; return counts per expectation, in suite order."""
        batch = self.batch_definition.get_batch(batch_parameters={"dataframe": frame})
        result = batch.validate(self.suites[name], result_format=RESULT_FORMAT)
        # GX does not keep the suite's order in its results: match them by id.
        by_id = {str(r["expectation_config"]["id"]): r
                 for r in result.to_json_dict()["results"]}
        out = []
        for r in (by_id[i] for i in self.ids[name]):
            res = r.get("result") or {}
            info = r.get("exception_info") or {}
            raised = info.get("raised_exception") or any(
                isinstance(v, dict) and v.get("raised_exception") for v in info.values())
            out.append(Outcome(
                element_count=int(res.get("element_count", len(frame))),
                unexpected_count=int(res.get("unexpected_count", 0) or 0),
                missing_count=int(res.get("missing_count", 0) or 0),
                success=bool(r["success"]),
                # Only the fact of an error: GX messages can quote values.
                error="the expectation raised an error in Great Expectations" if raised else None,
            ))
        return out


def _stable_ids(doc: dict[str, Any]) -> dict[str, Any]:
    """The suite's JSON with GX's random ids replaced by ids derived from the suite's name
    and each expectation's place and type, so that the same project writes the same
    ``expectations/`` files (GX itself matches results by the ids it holds in memory)."""
    name = str(doc.get("name"))
    base = uuid.uuid5(uuid.NAMESPACE_URL, f"linkready:expectations/{name}")
    exps = [{**e, "id": str(uuid.uuid5(base, f"{i}:{e.get('type')}"))}
            for i, e in enumerate(doc.get("expectations", []))]
    return {**doc, "id": str(base), "expectations": exps}
