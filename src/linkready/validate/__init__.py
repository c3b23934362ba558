"""Validate: Great Expectations suites per source, built from the project mapping.

GX is imported only inside :mod:`linkready.validate._gx`, and only when
:func:`validate_workspace` runs. Results are counts only (``docs/schemas/validation.md``).
"""

from linkready.validate._gx import register_gx_expectations
from linkready.validate._report import SCHEMA_VERSION, validation_document
from linkready.validate._reuse import inputs_key, previous_validation
from linkready.validate._run import ExpectationResult, SourceValidation, validate_workspace
from linkready.validate._suites import ExpectationSpec, suite_for

__all__ = [
    "SCHEMA_VERSION",
    "ExpectationResult",
    "ExpectationSpec",
    "SourceValidation",
    "inputs_key",
    "previous_validation",
    "register_gx_expectations",
    "suite_for",
    "validate_workspace",
    "validation_document",
]
