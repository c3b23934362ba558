"""`linkready whatif` prints the change, the per-pair table and the assumptions from the
published document (aggregates only), and `whatif` is listed in `--help`."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from linkready.cli.app import app
from linkready.cli.whatif import print_whatif

DOC = {
    "changes": [{"source": "la", "field": "nhs_number", "baseline_share": 0.55,
                 "reached_share": 0.9, "method": "traced from links at p ≥ 0.99"}],
    "pairs": [{"left": "la", "right": "gp",
               "baseline": {"deterministic": {"match_rate": 0.518}},
               "whatif": {"deterministic": {"match_rate": 0.8711},
                          "expected_match_rate": {"estimate": 0.948, "lower": 0.9045,
                                                  "upper": 0.9756}},
               "deterministic_change_points": 35.3},
              {"left": "la", "right": "acute",
               "baseline": {"deterministic": {"match_rate": "*"}},
               "whatif": {"deterministic": {"match_rate": "*"},
                          "expected_match_rate": {"estimate": "*", "lower": "*",
                                                  "upper": "*"}},
               "deterministic_change_points": "*"}],
    "assumptions": ["values would go missing at random"],
    "warnings": ["la.nhs_number: the target was not reached"],
}


def test_print_whatif(capsys: pytest.CaptureFixture[str]) -> None:
    """Rates as percentages, the change in points, suppressed figures as *."""
    print_whatif(DOC, Path("out/whatif.json"))
    out = capsys.readouterr()
    assert "la.nhs_number: 55.0% → 90.0%" in out.out
    assert "51.8%" in out.out and "87.1%" in out.out and "+35.3 pts" in out.out
    assert "94.8% (90.5%–97.6%)" in out.out
    assert "missing at random" in out.out
    assert "target was not reached" in out.err
    # One table for any change (NHS number or another field): its title names no one
    # method; the NHS-number columns say so (qa9: a postcode what-if was titled
    # "deterministic (NHS-number) match rate").
    text = " ".join(out.out.split())
    assert "What-if: match rates per pair" in text and "by NHS number" in text
    assert "deterministic (NHS-number) match rate" not in text


def test_whatif_in_help() -> None:
    """The command is listed, with its options."""
    result = CliRunner().invoke(app, ["whatif", "--help"])
    assert result.exit_code == 0
    assert "--nhs-complete" in result.output and "--complete" in result.output
