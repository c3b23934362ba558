"""``validation.json``: expectation results at counts only, with disclosure control."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from linkready.documents import SCHEMA_VERSION as DOCUMENT_SCHEMA
from linkready.documents import ValidationDocument, header
from linkready.publish import Count, Rate, controlled
from linkready.validate._run import SourceValidation

SCHEMA_VERSION = DOCUMENT_SCHEMA
#: Arguments that describe the rule (never data values) and may be published.
PUBLIC_KWARGS = ("mostly", "regex", "value_set", "min_value", "max_value")


def _plain(value: Any) -> Any:
    return value.date().isoformat() if isinstance(value, datetime) else value


def validation_document(
    results: list[SourceValidation], project_name: str, config_hash: str | None = None,
    inputs_sha256: str | None = None,
) -> ValidationDocument:
    """The whole ``validation.json`` document; ``inputs_sha256`` is the key of what it was
    computed from (:func:`linkready.validate._reuse.inputs_key`)."""
    sources: dict[str, Any] = {}
    for sv in results:
        exps = []
        for r in sv.results:
            nonmissing = r.element_count - r.missing_count
            exps.append({
                "expectation": r.type,
                "column": r.spec.column,
                "kwargs": {k: _plain(v) for k, v in r.spec.kwargs.items() if k in PUBLIC_KWARGS},
                "success": r.success,
                "element_count": Count(r.element_count),
                "missing_count": Count(r.missing_count),
                "unexpected_count": Count(r.unexpected_count),
                "unexpected_share": Rate(r.unexpected_count, nonmissing)
                if r.spec.expectation != "ExpectColumnValuesToNotBeNull"
                else Rate(r.unexpected_count, r.element_count),
                "error": "raised an error in Great Expectations" if r.errors else None,
            })
        sources[sv.source] = {
            "success": sv.success,
            "records": Count(sv.records),
            "batches": sv.batches,
            "suite": f"expectations/{sv.source}.json",
            "statistics": {
                "evaluated": len(sv.results),
                "successful": sum(r.success for r in sv.results),
                "unsuccessful": sum(not r.success for r in sv.results),
            },
            "expectations": exps,
        }
    return {
        **header(project_name, config_hash, SCHEMA_VERSION),
        "created_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "engine": "great_expectations",
        "result_format": "SUMMARY, partial_unexpected_count 0 (no example values)",
        "inputs_sha256": inputs_sha256,
        "success": all(sv.success for sv in results),
        # Exact figures above, published here under disclosure control (one rule for
        # counts and shares, linkready.publish).
        "sources": controlled(sources),
    }
