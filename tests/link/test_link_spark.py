"""``--backend spark``: a small link on local Spark agrees with DuckDB; missing PySpark or
Java is one line and exit 2; the DuckDB path never imports PySpark."""

from __future__ import annotations

import importlib.util
import json
import subprocess
import sys
from pathlib import Path

import pyarrow.parquet as pq
import pytest
from link_world import FAST, World, write_world
from typer.testing import CliRunner

import linkready
from linkready.cli.app import app
from linkready.link import spark

runner = CliRunner()
PAIR = ("acute", "gp_register")
HAVE_SPARK = importlib.util.find_spec("pyspark") is not None and spark.find_java() is not None
needs_spark = pytest.mark.skipif(
    not HAVE_SPARK, reason="needs PySpark (pip install 'linkready[spark]') and Java 17+")


@pytest.fixture(scope="module")
def small_project(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A 700-person world: a few hundred records a source."""
    return write_world(World(persons=700, seed=11), tmp_path_factory.mktemp("spark"))


@pytest.fixture(scope="module")
def both(small_project: Path, tmp_path_factory: pytest.TempPathFactory) -> dict:
    """The acute pair linked with DuckDB and with Spark (local[1], 2 shuffle partitions,
    no UI, a temporary checkpoint directory), through linkready.link."""
    settings = linkready.SparkSettings(
        master="local[1]",
        checkpoint_dir=str(tmp_path_factory.mktemp("checkpoints")),
        config={"spark.sql.shuffle.partitions": 2, "spark.default.parallelism": 2,
                "spark.ui.enabled": False, "spark.driver.memory": "1g",
                # Tiny data: planning and code generation cost more than they save.
                "spark.sql.adaptive.enabled": False,
                "spark.sql.codegen.wholeStage": False})
    out = tmp_path_factory.mktemp("both")
    return {"duckdb": linkready.link(small_project, out / "duckdb", pairs=[PAIR],
                                     training=FAST),
            "spark": linkready.link(small_project, out / "spark", pairs=[PAIR],
                                    training=FAST, backend="spark", spark=settings)}


@needs_spark
def test_spark_match_rates_agree_with_duckdb(both: dict) -> None:
    """Deterministic, probabilistic, combined and expected rates within 0.5 points."""
    d, s = both["duckdb"].to_dict()["pairs"][0], both["spark"].to_dict()["pairs"][0]
    assert d["deterministic"] == s["deterministic"]
    for stage in ("probabilistic", "combined"):
        assert abs(d[stage]["match_rate"] - s[stage]["match_rate"]) <= 0.005, stage
    de = d["probabilistic"]["expected_match_rate"]["estimate"]
    se = s["probabilistic"]["expected_match_rate"]["estimate"]
    assert abs(de - se) <= 0.005


@needs_spark
def test_spark_outputs_have_duckdb_schema(both: dict) -> None:
    """links, clusters and linkage.json have the same columns, types and keys."""
    d, s = both["duckdb"], both["spark"]
    for name in ("links.parquet", "clusters.parquet"):
        assert pq.read_schema(s.out / name) == pq.read_schema(d.out / name), name
    assert len(s.clusters_df()) == len(d.clusters_df())

    def keys(x: object, prefix: str = "") -> set[str]:
        if isinstance(x, dict):
            return {k for key, v in x.items() for k in {prefix + key} | keys(v, prefix + key + ".")}
        return set()

    assert keys(s.to_dict()) == keys(d.to_dict())
    assert s.to_dict()["backend"] == "spark" and d.to_dict()["backend"] == "duckdb"


def test_spark_without_pyspark_is_one_line(small_project: Path, tmp_path: Path,
                                           monkeypatch: pytest.MonkeyPatch) -> None:
    """Without PySpark, `--backend spark` says to install linkready[spark] and exits 2."""
    real = importlib.util.find_spec
    monkeypatch.setattr(importlib.util, "find_spec",
                        lambda name, *a: None if name == "pyspark" else real(name, *a))
    result = runner.invoke(app, ["link", str(small_project), "--backend", "spark",
                                 "--out", str(tmp_path)])
    assert result.exit_code == 2
    assert "linkready[spark]" in result.output
    assert "Traceback" not in result.output


def test_spark_without_java_is_one_line(small_project: Path, tmp_path: Path,
                                        monkeypatch: pytest.MonkeyPatch) -> None:
    """Without Java, `--backend spark` says Java 17 is needed and exits 2."""
    if importlib.util.find_spec("pyspark") is None:
        pytest.skip("PySpark is absent, which is reported before Java")
    monkeypatch.setattr(spark, "find_java", lambda: None)
    result = runner.invoke(app, ["assess", str(small_project), "--backend", "spark",
                                 "--out", str(tmp_path)])
    assert result.exit_code == 2
    assert "Java 17" in result.output
    assert "Traceback" not in result.output


def test_unknown_backend_is_one_line(small_project: Path, tmp_path: Path) -> None:
    """An unknown backend names the choices and exits 2."""
    result = runner.invoke(app, ["link", str(small_project), "--backend", "polars",
                                 "--out", str(tmp_path)])
    assert result.exit_code == 2
    assert "duckdb, spark" in result.output


def test_spark_conf_file_is_validated(tmp_path: Path) -> None:
    """A --spark-conf file with an unknown key is a ConfigError naming the key."""
    from linkready.errors import ConfigError

    conf = tmp_path / "spark.yaml"
    conf.write_text("master: local[2]\nchekpoint_dir: /tmp/x\n")
    with pytest.raises(ConfigError) as err:
        spark.load_spark_settings(conf)
    assert "chekpoint_dir" in json.dumps(err.value.lines())


def test_duckdb_link_never_imports_pyspark(small_project: Path, tmp_path: Path) -> None:
    """Importing linkready and linking on DuckDB leave pyspark unimported."""
    code = ("import sys\n"
            "import linkready\n"
            f"linkready.link({str(small_project)!r}, {str(tmp_path / 'out')!r}, "
            f"pairs=[{PAIR!r}])\n"
            "print('pyspark' in sys.modules)\n")
    script = tmp_path / "check_imports.py"
    script.write_text(code)
    done = subprocess.run([sys.executable, str(script)], capture_output=True, text=True,
                          check=False, timeout=300)
    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stdout.strip().splitlines()[-1] == "False"
