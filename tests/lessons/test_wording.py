"""The wording helpers lessons use to word a claim from the run's figures. The tests that
run lessons and check their prose against the figures are in ``test_effects.py``, beside
the other tests of the same runs (one worker, one run of each lesson under
``--dist loadfile``)."""

from __future__ import annotations

from linkready.lessons._wording import direction, near


def test_direction_and_near() -> None:
    kw = {"more": "up", "less": "down", "same": "level", "unknown": "?"}
    assert direction(0.5, 0.4, within=0.01, **kw) == "up"
    assert direction(0.4, 0.5, within=0.01, **kw) == "down"
    assert direction(0.405, 0.4, within=0.01, **kw) == "level"
    assert direction(None, 0.4, within=0.01, **kw) == "?"
    assert near(0.1, 0.12, 0.03) is True and near(0.1, 0.2, 0.03) is False
    assert near(None, 0.1, 0.5) is None
