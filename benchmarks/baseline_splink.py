"""A plain Splink 5 model, written the way Splink's own tutorial writes one, as the
baseline linkready's speed and accuracy are measured against (``bench_vs_splink``).

Reads the same raw extracts ``linkready link`` reads (the project file's column mapping
and DOB format), cleans them as a tutorial would (upper case, trimmed, DOB parsed,
postcode with its space), trains with Splink's defaults (prior from a near-certain rule,
u from 1M sampled pairs, two EM sessions) and writes the pairs linked at the threshold:

    python benchmarks/baseline_splink.py PROJECT.yaml LEFT:RIGHT[,LEFT:RIGHT…] OUT_DIR

``OUT_DIR/links.parquet`` has ``source_l, record_id_l, source_r, record_id_r,
match_probability``. Frozen: this script is the fixed point of the comparison and is not
changed while linkready is optimised.
"""

from __future__ import annotations

import sys
from pathlib import Path

THRESHOLD = 0.9
SEED = 42

# Canonical fields the model uses, as linkready's project file names them.
FIELDS = ("record_id", "nhs_number", "given_name", "family_name", "dob", "postcode")


def _lit(s: str) -> str:
    return "'" + s.replace("'", "''") + "'"


def _clean_sql(path: Path, spec: dict, name: str) -> str:
    """One extract as a table of cleaned canonical columns (all text but the DOB)."""
    cols = spec["columns"]
    delim = spec.get("delimiter", ",")

    def col(field: str) -> str:
        src = cols.get(field)
        return f'"{src}"' if src else "NULL"

    def text(field: str) -> str:
        return f"nullif(upper(trim({col(field)})), '')"

    postcode = f"regexp_replace(upper({col('postcode')}), '[^A-Z0-9]', '', 'g')"
    nhs = f"nullif(regexp_replace({col('nhs_number')}, '[^0-9]', '', 'g'), '')"
    dob = (f"try_strptime(nullif(trim({col('dob')}), ''), {_lit(spec['dob_format'])})::DATE"
           if "dob" in cols else "NULL::DATE")
    return f"""
        SELECT {_lit(name)} AS source, CAST({col('record_id')} AS VARCHAR) AS record_id,
               {nhs if 'nhs_number' in cols else 'NULL'} AS nhs_number,
               {text('given_name')} AS given_name, {text('family_name')} AS family_name,
               {dob} AS dob,
               CASE WHEN length({postcode}) BETWEEN 5 AND 7
                    THEN substr({postcode}, 1, length({postcode}) - 3) || ' '
                         || right({postcode}, 3) END AS postcode
        FROM read_csv({_lit(str(path))}, all_varchar = true, header = true,
                      delim = {_lit(delim)})
    """


def link_pair(con, left: str, right: str, has_nhs: bool):
    """Train and predict one pair with the tutorial's model; return the links (Arrow)."""
    import splink.comparison_library as cl
    from splink import DuckDBAPI, Linker, SettingsCreator, block_on

    comparisons = [
        cl.NameComparison("given_name"),
        cl.NameComparison("family_name"),
        cl.DateOfBirthComparison("dob", input_is_string=False),
        cl.PostcodeComparison("postcode"),
    ]
    if has_nhs:
        comparisons.insert(0, cl.ExactMatch("nhs_number"))
    settings = SettingsCreator(
        link_type="link_only",
        unique_id_column_name="record_id",
        comparisons=comparisons,
        blocking_rules_to_generate_predictions=[
            block_on("given_name", "family_name"),
            block_on("given_name", "dob"),
            block_on("family_name", "dob"),
            block_on("postcode", "family_name"),
            block_on("postcode", "given_name"),
            block_on("dob", "substr(family_name, 1, 1)"),
        ],
        retain_intermediate_calculation_columns=False,
    )
    db_api = DuckDBAPI(connection=con)
    linker = Linker([db_api.register(f"in_{left}", dataset_display_name="left"),
                     db_api.register(f"in_{right}", dataset_display_name="right")],
                    settings)
    linker.training.estimate_probability_two_random_records_match(
        [block_on("given_name", "family_name", "dob")], recall=0.7)
    linker.training.estimate_u_using_random_sampling(max_pairs=1e6, seed=SEED)
    linker.training.estimate_parameters_using_expectation_maximisation(
        block_on("given_name", "family_name"))
    linker.training.estimate_parameters_using_expectation_maximisation(block_on("dob"))
    pred = linker.inference.predict(threshold_match_probability=THRESHOLD)
    table = pred.physical_name
    return con.sql(f"""
        SELECT {_lit(left)} AS source_l, record_id_l, {_lit(right)} AS source_r,
               record_id_r, match_probability
        FROM {table} ORDER BY record_id_l, record_id_r""").to_arrow_table()


def main(argv: list[str]) -> int:
    import duckdb
    import pyarrow as pa
    import pyarrow.parquet as pq
    import yaml

    project_path, pairs_arg, out = Path(argv[0]), argv[1], Path(argv[2])
    project = yaml.safe_load(project_path.read_text(encoding="utf-8"))
    pairs = [tuple(p.split(":")) for p in pairs_arg.split(",")]
    con = duckdb.connect()
    loaded: set[str] = set()
    tables = []
    for left, right in pairs:
        for name in (left, right):
            if name not in loaded:
                spec = project["sources"][name]
                con.execute(f"CREATE TABLE in_{name} AS "
                            + _clean_sql(project_path.parent / spec["path"], spec, name))
                loaded.add(name)
        has_nhs = all("nhs_number" in project["sources"][s]["columns"] for s in (left, right))
        tables.append(link_pair(con, left, right, has_nhs))
    out.mkdir(parents=True, exist_ok=True)
    pq.write_table(pa.concat_tables(tables), out / "links.parquet")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
