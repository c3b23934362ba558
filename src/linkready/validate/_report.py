"""``validation.json``: expectation results at counts only, with disclosure control."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from linkready.documents import SCHEMA_VERSION as DOCUMENT_SCHEMA
from linkready.documents import ValidationDocument, header
from linkready.privacy import suppress
from linkready.profile._report import share
from linkready.validate._run import SourceValidation

SCHEMA_VERSION = DOCUMENT_SCHEMA
#: Arguments that describe the rule (never data values) and may be published.
PUBLIC_KWARGS = ("mostly", "regex", "value_set", "min_value", "max_value")


def _plain(value: Any) -> Any:
    return value.date().isoformat() if isinstance(value, datetime) else value


def validation_document(
    results: list[SourceValidation], project_name: str, config_hash: str | None = None
) -> ValidationDocument:
    """The whole ``validation.json`` document."""
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
                "element_count": suppress(r.element_count),
                "missing_count": suppress(r.missing_count),
                "unexpected_count": suppress(r.unexpected_count),
                "unexpected_share": share(r.unexpected_count, nonmissing)
                if r.spec.expectation != "ExpectColumnValuesToNotBeNull"
                else share(r.unexpected_count, r.element_count),
                "error": "raised an error in Great Expectations" if r.errors else None,
            })
        sources[sv.source] = {
            "success": sv.success,
            "records": suppress(sv.records),
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
        "success": all(sv.success for sv in results),
        "sources": sources,
    }
