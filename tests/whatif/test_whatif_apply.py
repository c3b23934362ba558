"""Blanking and tracing on a tiny in-memory copy of a workspace, counted by hand."""

from __future__ import annotations

from typing import Any

import duckdb
import numpy as np
import pyarrow as pa
import pytest

from linkready.whatif import Change
from linkready.whatif._apply import blank, completeness, trace

VALID = ["9990000018", "9990000026", "9990000034", "9990000042"]


def _records() -> Any:
    """la: 10 records, L0–L4 with valid NHS numbers, L5 an invalid one, L6–L9 none;
    gp: G0–G9 all valid (G6–G9 hold VALID)."""
    con = duckdb.connect()
    con.execute("ATTACH ':memory:' AS ws")
    con.execute("CREATE TABLE ws.records (source VARCHAR, record_id VARCHAR, "
                "nhs_number VARCHAR, nhs_number_valid BOOLEAN, nhs_number_issue VARCHAR, "
                "dob DATE, dob_issue VARCHAR)")
    rows = [("la", f"L{i}", f"99900001{i:02d}" if i < 6 else None,
             True if i < 5 else (False if i == 5 else None)) for i in range(10)]
    rows += [("gp", f"G{i}", VALID[i - 6] if i >= 6 else f"99900002{i:02d}", True)
             for i in range(10)]
    con.executemany("INSERT INTO ws.records VALUES (?, ?, ?, ?, NULL, DATE '1980-01-01', "
                    "NULL)", rows)
    return con


def test_blank_reaches_the_share_and_is_seeded() -> None:
    """From 5 of 10 valid to 20%: 3 of the 5 blanked, chosen by the seed alone."""
    picks = []
    for _ in range(2):
        con = _records()
        applied = blank(con, Change("la", "nhs_number", 0.2), np.random.default_rng(7))
        assert (applied.held_before, applied.held_after, applied.changed) == (5, 2, 3)
        assert completeness(con, "la", "nhs_number") == (2, 10)
        picks.append(con.execute("SELECT record_id FROM ws.records WHERE source = 'la' AND "
                                 "nhs_number_issue = 'missing' ORDER BY 1").fetchall())
        # The invalid number is not what a deterministic pipeline uses: it stays.
        assert con.execute("SELECT nhs_number FROM ws.records WHERE record_id = 'L5'"
                           ).fetchall() == [("9990000105",)]
    assert picks[0] == picks[1] and len(picks[0]) == 3


def _links(rows: list[tuple[str, str, str, float]]) -> Any:
    return pa.table({"record_id": [r[0] for r in rows], "partner_source": [r[1] for r in rows],
                     "partner_id": [r[2] for r in rows], "p": [r[3] for r in rows]})


def test_trace_copies_from_the_most_confident_partner() -> None:
    """Target 70% of 10 = 7 valid: 2 more. Of the three traceable records the two most
    confident links are used; a record's best partner gives the number."""
    con = _records()
    links = _links([("L6", "gp", "G6", 0.995), ("L6", "gp", "G9", 0.999),
                    ("L7", "gp", "G7", 0.998), ("L8", "gp", "G8", 0.991),
                    ("L1", "gp", "G6", 0.999)])  # L1 holds one already: untouched
    applied = trace(con, Change("la", "nhs_number", 0.7), links)
    assert (applied.held_before, applied.held_after, applied.changed,
            applied.candidates) == (5, 7, 2, 3)
    got = dict(con.execute("SELECT record_id, nhs_number FROM ws.records WHERE source = "
                           "'la' AND record_id IN ('L6', 'L7', 'L8', 'L1')").fetchall())
    assert got["L6"] == VALID[3] and got["L7"] == VALID[1] and got["L8"] is None
    assert got["L1"] == "9990000101"


def test_trace_stops_when_confident_links_run_out() -> None:
    """Asking for 100% with one traceable record reaches 6 of 10, and says so."""
    con = _records()
    applied = trace(con, Change("la", "nhs_number", 1.0), _links([("L9", "gp", "G6", 0.99)]))
    assert (applied.held_after, applied.wanted, applied.changed) == (6, 10, 1)
    assert completeness(con, "la", "nhs_number") == (6, 10)


@pytest.mark.parametrize("share", [0.5, 0.45, 0.54])
def test_no_change_when_already_there(share: float) -> None:
    """A share that rounds to the records already holding the field changes nothing."""
    con = _records()
    applied = blank(con, Change("la", "nhs_number", share), np.random.default_rng(0))
    assert applied.changed == 0 and applied.direction == "same"
