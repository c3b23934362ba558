"""Should a deterministic NHS-number link whose DOB, sex and names all disagree be kept,
or left to the probabilistic stage? Measured on a world with wrong-but-valid NHS numbers.

The generator of this version writes no wrong-but-valid NHS numbers, so this script puts
them in itself, after ingest, into the workspace: in acute and community health, a share
of records get the NHS number of another member of the household (family name and
address shared) and a share that of a random other person (keyed in error). Truth is
unchanged (the record still belongs to its own person). Each pair is then linked twice,
conflicts kept as deterministic links and conflicts left to Splink, and evaluated.

    PYTHONPATH=src python benchmarks/measure_conflicts.py [--population 20000] [--rate 0.01]
"""

from __future__ import annotations

import argparse
import tempfile
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd

from linkready import publish
from linkready.generate.api import generate_to_dir
from linkready.generate.scenario import load_scenario
from linkready.link import deterministic, evaluate
from linkready.link.run import link_project
from linkready.link.workspace import ensure_workspace
from linkready.project import load_project

PAIRS = [("acute", "gp_register"), ("community_health", "gp_register")]


def inject(workspace: Path, data: Path, rate: float, seed: int) -> dict[str, int]:
    """Give ``rate`` of each left source's records a household member's NHS number and
    ``rate`` a random person's; return how many of each."""
    rng = np.random.default_rng(seed)
    pop = pd.read_parquet(data / "population.parquet",
                          columns=["person_id", "household_id", "nhs_number"])
    truth = pd.read_parquet(data / "truth.parquet")
    members = pop.groupby("household_id")["person_id"].apply(list)
    nhs = pop.set_index("person_id")["nhs_number"]
    con = duckdb.connect(str(workspace))
    done = {"household": 0, "random": 0}
    for source, _ in PAIRS:
        recs = truth[truth["source"] == source].merge(pop, on="person_id")
        draw = rng.random(len(recs))
        for kind, lo, hi in (("household", 0, rate), ("random", rate, 2 * rate)):
            rows = recs[(draw >= lo) & (draw < hi)]
            new = []
            for r in rows.itertuples():
                if kind == "household":
                    others = [p for p in members[r.household_id] if p != r.person_id]
                    if not others:
                        continue
                    other = others[int(rng.integers(len(others)))]
                else:
                    other = int(pop["person_id"].iloc[int(rng.integers(len(pop)))])
                    if other == r.person_id:
                        continue
                new.append((str(r.record_id), str(nhs[other])))
            if new:
                frame = pd.DataFrame(new, columns=["record_id", "nhs"])
                con.register("frame", frame)
                con.execute(
                    "UPDATE records SET nhs_number = f.nhs, nhs_number_valid = true "
                    "FROM frame f WHERE records.source = ? AND records.record_id = "
                    "f.record_id", [source])
                con.unregister("frame")
            done[kind] += len(new)
    con.close()
    return done


def conflicts(ws: Path, person: pd.Series, links: pd.DataFrame) -> None:
    """Per pair: conflicts, how many are true matches, and what the model scores them."""
    con = duckdb.connect(str(ws), read_only=True)
    for left, right in PAIRS:
        sql = deterministic.deterministic_pairs_sql(
            f"(SELECT * FROM records WHERE source = '{left}')",
            f"(SELECT * FROM records WHERE source = '{right}')")
        pairs = con.sql(sql).df()
        conf = pairs[pairs["conflict"]]
        true = sum(person.get((left, a)) == person.get((right, b))
                   for a, b in zip(conf["record_id_l"], conf["record_id_r"], strict=True))
        wrong = pairs[[person.get((left, a)) != person.get((right, b))
                       for a, b in zip(pairs["record_id_l"], pairs["record_id_r"],
                                       strict=True)]]
        scored = links[links["source_l"] == left].merge(
            conf[["record_id_l", "record_id_r"]], on=["record_id_l", "record_id_r"],
            how="right")
        p = scored["match_probability"].fillna(0.0)  # not kept: scored below 0.01
        print(f"{left}: {len(pairs)} NHS-number pairs, {len(wrong)} of them false; "
              f"{len(conf)} conflicts, {true} of them true matches; model p ≥ 0.9 for "
              f"{int((p >= 0.9).sum())}, median p {p.median():.3f}")
    con.close()


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--population", type=int, default=20000)
    ap.add_argument("--rate", type=float, default=0.01)
    ap.add_argument("--seed", type=int, default=14)
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        data = Path(tmp) / "data"
        generate_to_dir(load_scenario("default", population=args.population), data,
                        fmt="parquet")
        project = load_project(data / "project.yaml")
        ws = ensure_workspace(project, None)
        print("injected:", inject(ws, data, args.rate, args.seed))
        truth = pd.read_parquet(data / "truth.parquet").astype(
            {"source": str, "record_id": str})
        pop = pd.read_parquet(data / "population.parquet")
        person = truth.set_index(["source", "record_id"])["person_id"]
        for leave in (False, True):
            deterministic.CONFLICTS_TO_PROBABILISTIC = leave
            run = link_project(project, pairs=PAIRS, workspace=ws)
            links = run.links.to_pandas()
            print(f"\nconflicts left to the probabilistic stage: {leave}")
            for (left, right), pr in zip(PAIRS, run.pairs, strict=True):
                ev = publish.exact(evaluate.evaluate_pair(links, truth, pop, left, right, 0.9))
                c, det = ev["combined"], ev["deterministic"]
                conf = publish.exact(pr.summary)["deterministic"]["conflicts"]
                print(f"{left} → {right}: conflicts {conf['pairs']} pairs; "
                      f"det precision {det['precision']:.4f} recall {det['recall']:.4f}; "
                      f"combined precision {c['precision']:.4f} recall {c['recall']:.4f} "
                      f"F1 {c['f1']:.4f}; link-level precision "
                      f"{c['links']['precision']:.4f}, false links "
                      f"{c['links']['false_links']}")
        conflicts(ws, person, links)


if __name__ == "__main__":
    main()
