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
