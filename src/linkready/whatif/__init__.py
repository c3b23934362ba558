"""What-if on the user's own extracts: how would each pair link if a field of a source
were more or less complete? See ``docs/whatif.md``; the output is ``whatif.json``
(``docs/schemas/whatif.md``), aggregates only.
"""

from __future__ import annotations

from linkready.whatif._changes import Change, parse_change, parse_changes
from linkready.whatif._run import (
    DEFAULT_TRACE_THRESHOLD,
    WhatIf,
    affected_pairs,
    check_thresholds,
    needs_relink,
    run_whatif,
)

#: The document a what-if writes, inside ``whatif/`` of the results folder by default.
WHATIF_NAME = "whatif.json"
#: The folder inside the results folder a what-if writes into by default.
WHATIF_DIRNAME = "whatif"

__all__ = [
    "DEFAULT_TRACE_THRESHOLD",
    "WHATIF_DIRNAME",
    "WHATIF_NAME",
    "Change",
    "WhatIf",
    "affected_pairs",
    "check_thresholds",
    "needs_relink",
    "parse_change",
    "parse_changes",
    "run_whatif",
]
