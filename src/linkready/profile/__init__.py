"""Profile: data quality, NHS-number completeness and linkage readiness per source.

Exact figures come from :func:`profile_workspace`; :func:`profile_document` applies
disclosure control and gives the ``profile.json`` document (``docs/schemas/profile.md``).
"""

from linkready.profile._core import (
    CheckResult,
    Power,
    ProjectProfile,
    SourceProfile,
    Subgroup,
    profile_source,
    profile_workspace,
)
from linkready.profile._report import SCHEMA_VERSION, profile_document

__all__ = [
    "SCHEMA_VERSION",
    "CheckResult",
    "Power",
    "ProjectProfile",
    "SourceProfile",
    "Subgroup",
    "profile_document",
    "profile_source",
    "profile_workspace",
]
