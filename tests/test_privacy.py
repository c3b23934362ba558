"""Disclosure control of published counts."""

from __future__ import annotations

import pytest

from linkready.privacy import suppress


@pytest.mark.parametrize(
    ("count", "shown"),
    [
        pytest.param(0, 0, id="zero-kept"),
        pytest.param(1, "*", id="one-suppressed"),
        pytest.param(7, "*", id="seven-suppressed"),
        pytest.param(8, 10, id="eight-rounds-up"),
        pytest.param(12, 10, id="twelve-rounds-down"),
        pytest.param(13, 15, id="thirteen-rounds-up"),
        pytest.param(1000, 1000, id="multiple-of-five-kept"),
    ],
)
def test_suppress(count: int, shown: int | str) -> None:
    """1–7 become '*', others round to the nearest 5."""
    assert suppress(count) == shown


def test_negative_rejected() -> None:
    """A negative count is a bug upstream, not something to publish."""
    with pytest.raises(ValueError):
        suppress(-1)


@pytest.mark.parametrize(
    ("num", "den", "shown"),
    [
        pytest.param(3, 1000, "*", id="small-numerator"),
        pytest.param(995, 1000, "*", id="small-remainder"),
        pytest.param(500, 1000, 0.5, id="safe"),
        pytest.param(0, 1000, 0.0, id="zero"),
        pytest.param(1000, 1000, 1.0, id="all"),
        pytest.param(0, 0, None, id="no-denominator"),
    ],
)
def test_safe_rate(num: int, den: int, shown: float | str | None) -> None:
    """A rate resting on a count of 1–7 (either side) is suppressed."""
    from linkready.privacy import safe_rate

    assert safe_rate(num, den) == shown
