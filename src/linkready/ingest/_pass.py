"""The SQL of one source's ingest pass: stage, insert into ``records``, count actions."""

from __future__ import annotations

from datetime import date

from linkready.ingest import _rules as R
from linkready.ingest._read import SourceLayout
from linkready.ingest._sql import (
    FieldSQL,
    coded_sql,
    dob_sql,
    extra_sql,
    ident,
    lit,
    name_sql,
    nhs_number_sql,
    postcode_sql,
    relation_sql,
)
from linkready.project import EXTRA_FIELDS, SourceSpec

#: The ``records`` table: the contract in docs/workspace.md, then the issue columns.
RECORDS_COLUMNS: tuple[tuple[str, str], ...] = (
    ("source", "VARCHAR"),
    ("record_id", "VARCHAR"),
    ("nhs_number", "VARCHAR"),
    ("nhs_number_valid", "BOOLEAN"),
    ("given_name", "VARCHAR"),
    ("family_name", "VARCHAR"),
    ("dob", "DATE"),
    ("sex", "VARCHAR"),
    ("postcode", "VARCHAR"),
    ("ethnicity", "VARCHAR"),
    ("middle_names", "VARCHAR"),
    ("address_line", "VARCHAR"),
    ("uprn", "VARCHAR"),
    ("lsoa", "VARCHAR"),
    ("local_id", "VARCHAR"),
    ("imd_decile", "INTEGER"),
    *((f"{f}_issue", "VARCHAR") for f in R.CLASSIFIED_FIELDS),
    # The postcode as a normalised string (upper case, letters and digits) whether or not
    # it is a UK postcode: what linkage compares where most postcodes fail the UK format.
    ("postcode_text", "VARCHAR"),
)

_TYPED_DATES = ("DATE", "TIMESTAMP", "TIMESTAMP WITH TIME ZONE", "TIMESTAMP_NS", "TIMESTAMP_MS",
                "TIMESTAMP_S")


_INTEGERS = ("BIGINT", "INTEGER", "HUGEINT", "UBIGINT", "DECIMAL(18,0)", "DECIMAL(38,0)")
#: Column types too narrow for a 10-digit NHS number (float32 keeps about 7 digits).
NARROW_NUMBERS = ("FLOAT", "REAL", "FLOAT4", "SMALLINT", "TINYINT", "USMALLINT", "UTINYINT")


def is_float(typ: str) -> bool:
    """Whether a DuckDB column type is a float64 or a decimal with a fraction."""
    typ = typ.upper()
    return typ in ("DOUBLE", "FLOAT8") or (typ.startswith("DECIMAL(")
                                           and not typ.endswith(",0)"))



def records_ddl() -> str:
    cols = ", ".join(f"{c} {t}" for c, t in RECORDS_COLUMNS)
    return f"CREATE TABLE records ({cols})"


def dob_is_typed(spec: SourceSpec, layout: SourceLayout) -> bool:
    """Whether the date of birth column is a DATE or TIMESTAMP (used as is, not parsed)."""
    return spec.held("dob") and \
        layout.types.get(spec.column("dob"), "VARCHAR").upper() in _TYPED_DATES


def raw_name(field: str) -> str:

    return f"{field}__raw"


def field_sqls(spec: SourceSpec, layout: SourceLayout, reference: date) -> dict[str, FieldSQL]:
    """The standardisation SQL of every classified field the source holds."""
    out: dict[str, FieldSQL] = {}
    for f in R.CLASSIFIED_FIELDS:
        if not spec.held(f):
            continue
        raw = raw_name(f)
        if f == "nhs_number":
            out[f] = nhs_number_sql(raw)
        elif f in R.NAME_FIELDS:
            out[f] = name_sql(f, raw)
        elif f == "dob":
            out[f] = dob_sql(raw, spec.dob_formats, dob_is_typed(spec, layout), reference)
        elif f == "postcode":
            out[f] = postcode_sql(raw)
        else:
            out[f] = coded_sql(f, raw, spec.values.get(f, {}))
    return out


def _raw_select(spec: SourceSpec, layout: SourceLayout) -> str:
    cols = []
    for f, col in spec.columns.items():
        if not isinstance(col, str):
            # A list of columns: joined in order with a space, empty parts skipped.
            parts = ", ".join(f"nullif(trim(CAST({ident(layout.read_name(c))} AS VARCHAR)), '')"
                              for c in col)
            cols.append(f"nullif(concat_ws(' ', {parts}), '') AS {raw_name(f)}")
            continue
        typ = layout.types.get(col, "VARCHAR").upper()
        keep_type = f == "dob" and typ in _TYPED_DATES
        x = ident(layout.read_name(col))
        expr = x if keep_type else f"CAST({x} AS VARCHAR)"
        if f == "nhs_number" and typ in _INTEGERS:
            # A number column loses leading zeros (Scottish CHI numbers start 010–311).
            expr = f"lpad({expr}, 10, '0')"
        elif f == "nhs_number" and is_float(typ):
            # A float64 holds every 10-digit integer exactly: write it back as digits.
            expr = (f"CASE WHEN {x} = trunc({x}) AND {x} BETWEEN 0 AND 9999999999 "
                    f"THEN lpad(CAST(CAST({x} AS BIGINT) AS VARCHAR), 10, '0') "
                    f"ELSE CAST({x} AS VARCHAR) END")
        cols.append(f"{expr} AS {raw_name(f)}")
    return ", ".join(cols)


def stage_sql(spec: SourceSpec, layout: SourceLayout, fields: dict[str, FieldSQL],
              parallel: bool = True) -> str:
    """CREATE the temp table ``stage``: raw text, each layer of preparation, issue codes."""
    rel = relation_sql(layout.fmt, str(layout.path), spec.delimiter, layout.encoding,
                       layout.read_names, parallel)

    ctes = [f"s0 AS (SELECT {_raw_select(spec, layout)} FROM {rel})"]
    depth = max((len(fs.prep) for fs in fields.values()), default=0)
    for k in range(depth):
        cols = [f"{expr} AS {name}" for fs in fields.values() if k < len(fs.prep)
                for name, expr in fs.prep[k].items()]
        ctes.append(f"s{k + 1} AS (SELECT *, {', '.join(cols)} FROM s{k})")
    issues = [f"{fs.issue} AS {f}__issue" for f, fs in fields.items()]
    last = f"s{depth}"
    select = f"SELECT *, {', '.join(issues)} FROM {last}" if issues else f"SELECT * FROM {last}"
    return f"CREATE OR REPLACE TEMP TABLE stage AS WITH {', '.join(ctes)} {select}"


def insert_sql(source: str, spec: SourceSpec, fields: dict[str, FieldSQL]) -> str:
    """INSERT the staged rows into ``records`` as canonical values."""
    values: dict[str, str] = {"source": lit(source)}
    values["record_id"] = (f"nullif(trim({raw_name('record_id')}), '')")
    for f, fs in fields.items():
        values[f] = fs.value
        values[f"{f}_issue"] = f"{f}__issue"
    if "postcode" in fields:
        values["postcode_text"] = ("CASE WHEN postcode__issue IS NULL OR postcode__issue = "
                                   "'invalid_format' THEN nullif(postcode__c, '') END")
    if "nhs_number" in fields:
        values["nhs_number_valid"] = ("CASE WHEN nhs_number__issue IS NULL THEN true "
                                      "WHEN nhs_number__issue = 'modulus11' THEN false END")
    for f in EXTRA_FIELDS:
        if spec.held(f):
            values[f] = extra_sql(f, raw_name(f))[0]
    for f in R.CLASSIFIED_FIELDS:
        if not spec.held(f):
            values[f"{f}_issue"] = lit(R.NOT_HELD)
    exprs = [values.get(c, f"CAST(NULL AS {t})") + f" AS {c}" for c, t in RECORDS_COLUMNS]
    return f"INSERT INTO records SELECT {', '.join(exprs)} FROM stage"


def log_counts_sql(
    spec: SourceSpec, fields: dict[str, FieldSQL]
) -> tuple[str, list[tuple[str, str]]]:
    """One aggregate over ``stage`` counting every action; returns (sql, [(field, action)])."""
    keys: list[tuple[str, str]] = [("record_id", "read")]
    exprs = ["count(*)"]
    keys.append(("record_id", "set_null:missing"))
    exprs.append(f"count(*) FILTER (WHERE nullif(trim({raw_name('record_id')}), '') IS NULL)")
    for f, fs in fields.items():
        for code in R.FIELD_ISSUES[f]:
            verb = "flagged" if code in R.KEPT_ISSUES else "set_null"
            keys.append((f, f"{verb}:{code}"))
            exprs.append(f"count(*) FILTER (WHERE {f}__issue = {lit(code)})")
        for action, cond in fs.actions.items():
            keys.append((f, action))
            exprs.append(f"count(*) FILTER (WHERE {f}__issue IS NULL AND ({cond}))")
        for action, cond in fs.flags.items():
            keys.append((f, action))
            exprs.append(f"count(*) FILTER (WHERE {cond})")
    for f in EXTRA_FIELDS:
        if spec.held(f):
            for action, cond in extra_sql(f, raw_name(f))[1].items():
                keys.append((f, action))
                exprs.append(f"count(*) FILTER (WHERE {cond})")
    return f"SELECT {', '.join(exprs)} FROM stage", keys
