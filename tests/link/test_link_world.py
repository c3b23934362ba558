"""``link`` and ``evaluate`` end to end on a small synthetic world (see link_world.py)."""

from __future__ import annotations

import json
import re
from pathlib import Path

import duckdb
import pandas as pd
import pyarrow.parquet as pq
import pytest
from link_world import FAST, SourceSim, World, exact_evaluation, write_world

import linkready
from linkready.outdir import RESULTS_DIRNAME

LA = "la_adult_social_care"


@pytest.fixture(scope="module")
def evaluation(evaluated: linkready.EvaluationResult) -> dict:
    """The session's linkage evaluated against truth: evaluation.json."""
    doc = evaluated.to_dict()
    assert doc == json.loads(evaluated.path.read_text(encoding="utf-8"))
    return doc


@pytest.fixture(scope="module")
def exact(linked: dict, evaluated: linkready.EvaluationResult) -> dict:
    """The same evaluation with exact rates (at this size some published ones are "*")."""
    return exact_evaluation(linked["result"], evaluated)


@pytest.mark.parametrize("path", [
    "left", "right", "left_records", "deterministic.match_rate", "probabilistic.match_rate",
    "probabilistic.threshold", "probabilistic.expected_match_rate.estimate",
    "probabilistic.expected_match_rate.lower", "probabilistic.expected_match_rate.upper",
    "probabilistic.expected_match_rate.method", "probabilistic.blocking.is_estimate",
    "probabilistic.untrained_levels",
])
def test_linkage_json_has_contract_keys(linked: dict, path: str) -> None:
    """Every pair in linkage.json carries the documented keys."""
    assert linked["summary"]["schema_version"]
    for pair in linked["summary"]["pairs"]:
        node = pair
        for key in path.split("."):
            node = node[key]


def test_default_pairs_are_sources_against_spine(linked: dict) -> None:
    """Without declared pairs, every source is linked to the GP register."""
    got = [(p["left"], p["right"]) for p in linked["summary"]["pairs"]]
    assert got == [(LA, "gp_register"), ("acute", "gp_register")]


def test_accuracy_and_expected_rate(exact: dict) -> None:
    """Probabilistic F1 ≥ 0.97 and the expected rate within 2 points of the true overlap."""
    for pair in exact["pairs"]:
        assert pair["probabilistic"]["f1"] >= 0.97, pair["left"]
        assert abs(pair["expected_match_rate"] - pair["truth"]["overlap_rate"]) <= 0.02


def test_clusters_recover_people(exact: dict) -> None:
    """Clusters come within 2% of the true number of people, with few splits or merges."""
    c = exact["clusters"]
    assert abs(c["distinct_people_ratio"] - 1) < 0.02
    assert c["people_split_rate"] < 0.02 and c["clusters_merged_rate"] < 0.02


def test_deterministic_rate_reflects_missing_nhs_numbers(linked: dict) -> None:
    """LA records lack NHS numbers: deterministic rate far below probabilistic."""
    la = linked["summary"]["pairs"][0]
    assert la["deterministic"]["match_rate"] < 0.6 < la["probabilistic"]["match_rate"]


def test_bias_visible_in_deterministic_stage(exact: dict) -> None:
    """Minority groups, missing NHS numbers more often, are missed more deterministically."""
    rows = {r["group"]: r for r in exact["pairs"][0]["by_subgroup"]["ethnic_group"]}
    white = rows["white"]["deterministic"]["missed_match_rate"]
    others = [rows[g]["deterministic"]["missed_match_rate"] for g in ("asian", "black")]
    assert all(o > white for o in others)


def test_record_level_outputs_hold_no_identifiers(linked: dict) -> None:
    """links.parquet and clusters.parquet hold ids, probabilities and stage only."""
    links = pq.read_schema(linked["out"] / "links.parquet").names
    clusters = pq.read_schema(linked["out"] / "clusters.parquet").names
    assert links == ["source_l", "record_id_l", "source_r", "record_id_r",
                     "match_probability", "deterministic_rule", "stage", "linked"]
    assert clusters == ["source", "record_id", "cluster_id"]


def test_json_outputs_hold_no_identifiers(linked: dict, world_project: Path) -> None:
    """No NHS number, DOB or name of any record appears in linkage.json or model.json."""
    con = duckdb.connect(str(world_project.parent / RESULTS_DIRNAME / "linkready.duckdb"),
                         read_only=True)
    rows = con.execute("SELECT nhs_number, dob::VARCHAR, given_name, family_name "
                       "FROM records").fetchall()
    con.close()
    numbers = {r[0] for r in rows if r[0]} | {r[1] for r in rows if r[1]}
    names = {r[i] for r in rows for i in (2, 3) if r[i]}
    for name in ("linkage.json", "model.json"):
        text = (linked["out"] / name).read_text()
        assert not [n for n in numbers if n in text], name
        assert not names & set(re.findall(r"\b[A-Z]{2,}\b", text)), name


def test_counts_are_suppressed(linked: dict) -> None:
    """Published counts are 0, '*' or multiples of 5."""
    for pair in linked["summary"]["pairs"]:
        for n in (pair["left_records"], pair["deterministic"]["linked_records"],
                  pair["probabilistic"]["linked_records"]):
            assert n == "*" or n % 5 == 0


def test_clusters_count_people(linked: dict) -> None:
    """Clustering reports distinct people and an overlap matrix over all sources."""
    c = linked["summary"]["clusters"]
    assert set(c["overlap_share"]) == {LA, "acute", "gp_register"}
    assert 0.9 < c["overlap_share"][LA]["gp_register"] <= 1.0
    assert c["distinct_people"] <= sum(
        v for v in c["people_by_source"].values() if v != "*")


def test_same_inputs_same_outputs(linked: dict, tmp_path: Path) -> None:
    """The same seed gives identical summaries and links; a pair named twice runs once."""
    again = linkready.link(linked["project"], tmp_path, pairs=[(LA, "gp_register")] * 2,
                           training=FAST)
    assert len(again.to_dict()["pairs"]) == 1
    first = linked["summary"]["pairs"][0]
    assert json.dumps(again.to_dict()["pairs"][0], sort_keys=True) == json.dumps(
        first, sort_keys=True)
    links = linked["result"].links_df()
    la_links = links[(links["source_l"] == LA) & (links["source_r"] == "gp_register")]
    la_links = la_links.reset_index(drop=True)
    pd.testing.assert_frame_equal(again.links_df(), la_links)


def test_untrained_levels_are_warnings_not_crashes(tmp_path: Path) -> None:
    """Error-free data leaves levels (typos, swaps) unobserved: reported, not fatal."""
    clean = World(persons=400, sources=(
        SourceSim("gp_register", 0.95, typo=0, swap=0, dob_error=0, postcode_stale=0),
        SourceSim("acute", 0.5, typo=0, swap=0, dob_error=0, postcode_stale=0)))
    doc = linkready.link(write_world(clean, tmp_path), tmp_path / "out",
                         training=FAST).to_dict()
    pair = doc["pairs"][0]
    assert pair["probabilistic"]["untrained_levels"]
    assert any("never observed" in w for w in doc["warnings"])


def test_names_only_source_links_with_warnings(tmp_path: Path) -> None:
    """A names-only source links, naming the fields it cannot compare."""
    path = write_world(World(persons=400), tmp_path)
    con = duckdb.connect(str(tmp_path / RESULTS_DIRNAME / "linkready.duckdb"))
    con.execute("UPDATE records SET dob = NULL, postcode = NULL, postcode_text = NULL, "
                "sex = NULL, "
                "nhs_number = NULL, nhs_number_valid = NULL WHERE source = 'acute'")
    con.close()
    pair = linkready.link(path, tmp_path / "out", pairs=[("acute", "gp_register")],
                          training=FAST).to_dict()["pairs"][0]
    assert pair["fields_compared"] == ["family_name", "given_name"]
    assert any("`dob` is held only by gp_register" in w for w in pair["warnings"])
    assert 0 < pair["probabilistic"]["match_rate"] <= 1


def test_large_inputs_estimate_comparison_counts(linked: dict, tmp_path: Path,
                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    """Above the exact-count limit, blocking counts are sampled and flagged as estimates
    (the limit is lowered so that this small world is above it)."""
    from linkready.link import predict

    monkeypatch.setattr(predict, "EXACT_COUNT_MAX_RECORDS", 100)
    pair = linkready.link(linked["project"], tmp_path, pairs=[(LA, "gp_register")],
                          training=FAST).to_dict()["pairs"][0]
    blocking = pair["probabilistic"]["blocking"]
    assert blocking["is_estimate"] is True
    assert blocking["record_sample_proportion"] == predict.COUNT_SAMPLE_PROPORTION
    assert blocking["unstable_estimates"]
    assert any("may be unstable" in w for w in pair["warnings"])


def test_outputs_leave_no_temporary_files(linked: dict) -> None:
    """Outputs are written atomically: no hidden .tmp files remain."""
    assert not list(linked["out"].rglob(".*.tmp"))


def test_people_missing_from_spine_are_still_joined(linked: dict,
                                                    world_project: Path) -> None:
    """A person with LA and acute records but no GP record ends up in one cluster."""
    import pandas as pd

    truth = pd.read_parquet(world_project.parent / "truth.parquet")
    clusters = linked["run"].clusters.to_pandas().merge(truth, on=["source", "record_id"])
    by_person = clusters.groupby("person_id")
    sources = by_person["source"].agg(set)
    wanted = sources[sources.map(lambda s: s == {LA, "acute"})].index
    assert len(wanted) > 0
    together = by_person["cluster_id"].nunique().loc[wanted] == 1
    assert together.mean() >= 0.9
    assert linked["summary"]["clusters"]["orphans"]["model_from"]


@pytest.mark.parametrize(("in_scope", "direct", "expected"), [
    pytest.param(["a", "gp"], [("a", "gp")], [], id="one-pair"),
    pytest.param(["a", "b", "gp"], [("a", "gp"), ("b", "gp")], ["a", "b"], id="spine-design"),
    pytest.param(["a", "b", "gp"], [("a", "gp"), ("b", "gp"), ("a", "b")], [], id="all-paired"),
])
def test_orphan_sources(in_scope: list[str], direct: list[tuple[str, str]],
                        expected: list[str]) -> None:
    """Only sources with an in-scope partner they were never paired with take part."""
    from linkready.link.orphans import orphan_sources

    got = orphan_sources(in_scope, {frozenset(p) for p in direct})
    assert got == expected


def test_written_models_are_reproducible(linked: dict) -> None:
    """Model files hold no random linker id and rounded floats, so reruns are identical."""
    from linkready.link.digits import tidy

    text = (linked["out"] / "model.json").read_text()
    assert "linker_uid" not in text
    assert tidy({"a": [0.1 + 0.2, 1 / 3], "linker_uid": "x"}) == {"a": [0.3, 0.333333333333]}


def _floats(node: object) -> list[float]:
    if isinstance(node, float):
        return [node]
    if isinstance(node, dict):
        return [x for v in node.values() for x in _floats(v)]
    if isinstance(node, list):
        return [x for v in node for x in _floats(v)]
    return []


def test_trained_parameters_are_written_to_ten_significant_digits(linked: dict) -> None:
    """EM's sums can differ in the last bits between identical runs (DuckDB's threads);
    model files print the parameters to MODEL_DIGITS, not to the bits that drift."""
    from linkready.link.digits import MODEL_DIGITS

    models = json.loads((linked["out"] / "model.json").read_text())["models"]
    floats = _floats(models)
    assert len(floats) > 20
    assert all(float(f"{x:.{MODEL_DIGITS}g}") == x for x in floats)
    assert any(float(f"{x:.{MODEL_DIGITS - 1}g}") != x for x in floats)  # not fewer


def _ints(node: object, key: str = "") -> list[tuple[str, int]]:
    if isinstance(node, bool):
        return []
    if isinstance(node, int):
        return [(key, node)]
    if isinstance(node, dict):
        return [x for k, v in node.items() for x in _ints(v, str(k))]
    if isinstance(node, list):
        return [x for v in node for x in _ints(v, key)]
    return []


def test_every_published_count_is_disclosure_controlled(linked: dict,
                                                        evaluation: dict) -> None:
    """Every published integer is 0 or a multiple of 5, bar the seed, group labels and
    numbers of subgroups (not of people)."""
    assert evaluation["synthetic"] is False  # no generate manifest: real-data rules
    assert evaluation["disclosure_control"]["applied"] is True
    not_counts = {"seed", "group", "groups_compared", "groups_flagged"}
    for doc in (linked["summary"], evaluation):
        bad = [(k, v) for k, v in _ints(doc) if k not in not_counts and v % 5]
        assert not bad


#: Each published rate and the counts it rests on: if a count is "*", so is the rate.
_RESTS_ON = {
    "precision": ("true_positives", "false_positives"),
    "false_match_rate": ("true_positives", "false_positives"),
    "recall": ("true_positives", "false_negatives"),
    "missed_match_rate": ("true_positives", "false_negatives"),
    "f1": ("true_positives", "false_positives", "false_negatives"),
}


def _measure_blocks(evaluation: dict) -> list[dict]:
    blocks = []
    for pair in evaluation["pairs"]:
        blocks += [pair[s] for s in ("deterministic", "probabilistic", "combined")]
        for rows in pair["by_subgroup"].values():
            blocks += [r[s] for r in rows for s in ("deterministic", "probabilistic",
                                                    "combined")]
    return blocks


def test_no_published_rate_rests_on_a_small_count(linked: dict, evaluation: dict,
                                                  exact: dict) -> None:
    """In evaluation.json and linkage.json a rate next to a count shown as "*" is "*" too,
    and every rate shown is the exact rate rounded: none gives a count of 1–7 away."""
    blocks = _measure_blocks(evaluation)
    hidden = 0
    for m in blocks:
        for rate, counts in _RESTS_ON.items():
            if any(m[c] == "*" for c in counts):
                assert m[rate] in ("*", None), (rate, m)
                hidden += m[rate] == "*"
        if m["left_records"] == "*":
            assert m["match_rate"] in ("*", None), m
    assert hidden, "the world should have some small counts to hide"
    for m, e in zip(blocks, _measure_blocks(exact), strict=True):
        for rate in (*_RESTS_ON, "match_rate"):
            if isinstance(m[rate], float):
                assert m[rate] == round(e[rate], 4), rate
    for pair in linked["summary"]["pairs"]:
        for block in (pair["deterministic"], pair["deterministic"]["nhs_dob"],
                      pair["probabilistic"], pair["combined"]):
            if block["linked_records"] == "*":
                assert block["match_rate"] == "*", block
    c = linked["summary"]["clusters"]
    for a, row in c["overlap_people"].items():
        for b, people in row.items():
            if people == "*":
                assert c["overlap_share"][a][b] == "*", (a, b)


def test_non_uk_postcode_is_compared_as_text_with_a_warning(tmp_path: Path) -> None:
    """Postcodes that fail the UK format for most records are not dropped: a warning
    names the source, the field and the share, and the pair compares the text."""
    path = write_world(World(persons=400), tmp_path)
    con = duckdb.connect(str(tmp_path / RESULTS_DIRNAME / "linkready.duckdb"))
    con.execute("UPDATE records SET postcode_text = regexp_replace(postcode, ' ', ''), "
                "postcode = NULL WHERE source IN ('acute', 'gp_register')")
    con.close()
    pair = linkready.link(path, tmp_path / "out", pairs=[("acute", "gp_register")],
                          training=FAST).to_dict()["pairs"][0]
    assert "postcode" in pair["fields_compared"]
    assert any("`postcode` of acute fails the UK format in 100%" in w
               for w in pair["warnings"])


def test_linked_share_by_subgroup_without_truth(linked: dict) -> None:
    """Every recorded subgroup has a linked share inside its Wilson interval, and the
    groups' records add up to the pair's (before rounding: within 5 per group)."""
    pair = linked["summary"]["pairs"][0]
    by = pair["combined"]["by_subgroup"]["by"]
    assert {"ethnic_group", "age_band", "sex"} <= set(by)
    for rows in by.values():
        total = sum(r["left_records"] for r in rows if isinstance(r["left_records"], int))
        assert abs(total - pair["left_records"]) <= 5 * len(rows) + 7 * len(rows)
        for r in rows:
            if isinstance(r["lower"], float) and isinstance(r["linked_share"], float):
                assert r["lower"] <= r["linked_share"] <= r["upper"]


def test_label_free_figures_are_published(linked: dict) -> None:
    """Blocking recall, false links and the honest interval are in linkage.json, and the
    interval contains the estimate."""
    prob = linked["summary"]["pairs"][0]["probabilistic"]
    exp = prob["expected_match_rate"]
    assert exp["lower"] <= exp["estimate"] <= exp["upper"]
    assert exp["interval"].startswith("model, blocking and chance")
    assert exp["bootstrap_replicates"] == FAST.bootstrap_replicates
    recall = prob["blocking"]["estimated_recall"]
    assert 0 <= recall["lower"] <= recall["estimate"] <= recall["upper"] <= 1
    # The matches lost to blank fields (exact figures): part of the estimate, and of
    # recall's shortfall.
    from linkready.publish import exact

    ex = exact(linked["run"].pairs[0].summary)["probabilistic"]
    blank = ex["blocking"]["estimated_recall"]["missing_fields"]
    ex_rate = ex["expected_match_rate"]
    assert ex_rate["missed_by_missing_fields"] == blank["share_of_left"]
    assert 0 <= blank["share_of_matches"] <= 1 - ex["blocking"]["estimated_recall"][
        "estimate"] + 1e-9
    assert ex_rate["estimate"] >= (ex_rate["among_candidates"]
                                   + ex_rate["missed_by_missing_fields"] - 1e-9)
    # The field model's reading: the estimate adds the larger of the two readings.
    field = ex["blocking"]["estimated_recall"]["field_model"]
    assert 0 < field["recall"] <= 1 and field["share_of_left"] >= 0
    diag = ex_rate["missed_by_blocking"] + ex_rate["missed_by_missing_fields"]
    assert ex_rate["estimate"] == pytest.approx(
        min(1.0, ex_rate["among_candidates"] + max(diag, field["share_of_left"])), abs=1e-9)
    if field["used"]:
        assert ex["blocking"]["estimated_recall"]["estimate"] == pytest.approx(
            field["recall"], abs=1e-9)
    f = prob["false_links"]
    assert f["lower"] <= f["upper"]
    check = exp["model_free_check"]
    assert 0 <= check["lower"] <= check["estimate"] <= check["upper"] <= 1
    if not exp["widened_by_check"]:
        assert exp["lower"] <= check["estimate"] <= exp["upper"]
    else:
        assert exp["lower"] <= check["lower"] and check["upper"] <= exp["upper"]
    assert exp["completeness_gap"]["side"] in ("left", "right")
    grey = exp["grey_zone"]
    assert grey["band"] == [0.05, 0.95] and exp["upper"] >= exp["model_interval"]["upper"]


def test_comparisons_budget_comes_from_project_yaml(tmp_path: Path) -> None:
    """`link: comparisons_budget` in project.yaml bounds the loosened blocking."""
    import yaml

    path = write_world(World(persons=300), tmp_path)
    doc = yaml.safe_load(path.read_text())
    doc["link"] = {"comparisons_budget": 1000}
    path.write_text(yaml.safe_dump(doc))
    blocking = linkready.link(path, tmp_path / "out", pairs=[("acute", "gp_register")],
                              training=FAST).to_dict()["pairs"][0]["probabilistic"]["blocking"]
    assert blocking["comparisons_budget"] == 1000
    assert all(r["cumulative"] != "*" for r in blocking["rules"])
    assert blocking["loosened_by"] == []
