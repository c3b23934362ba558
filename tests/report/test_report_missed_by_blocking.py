"""The report's 'missed by blocking' share follows the reading the estimate uses."""

from __future__ import annotations

import pytest

from linkready.privacy import SUPPRESSED
from linkready.report._sections_link import _missed


def test_missed_share_is_the_reading_the_estimate_uses() -> None:
    exp = {"missed_by_blocking": 0.01, "missed_by_missing_fields": 0.002}
    assert _missed(exp, {"field_model": {"used": False, "share_of_left": 0.05}}) == \
        pytest.approx(0.012)
    assert _missed(exp, {"field_model": {"used": True, "share_of_left": 0.05}}) == 0.05
    assert _missed({**exp, "missed_by_missing_fields": SUPPRESSED}, {}) == SUPPRESSED
    # Documents written before blank fields were counted.
    assert _missed({"missed_by_blocking": 0.01}, {}) == pytest.approx(0.01)
