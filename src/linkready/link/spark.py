"""Splink on Spark: the session the user configures, and the backend that runs on it.

Installed with ``pip install 'linkready[spark]'`` (PySpark 4, which needs Java 17+).
Nothing here is imported unless ``--backend spark`` is chosen. The session comes from a
YAML file (``--spark-conf``, see ``docs/scale.md``)::

    master: spark://spark-master.example.nhs.uk:7077   # default: local[<cores>]
    checkpoint_dir: hdfs:///user/analyst/linkready-checkpoints   # default: a temp dir
    config:                       # any Spark config key, passed to the session builder
      spark.executor.memory: 8g
      spark.sql.shuffle.partitions: 400

Splink's similarity functions (``jaro_winkler``, ``damerau_levenshtein``) are Scala UDFs
in a jar shipped inside the splink package; it is added to ``spark.jars`` unless the
file sets ``similarity_jar`` (a path or URL the cluster can reach, or ``""`` when the
cluster already has it).
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import tempfile
import warnings
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from linkready._config import read_yaml, validate
from linkready.errors import BackendUnavailable

INSTALL_HINT = "install it with: pip install 'linkready[spark]'"
MIN_JAVA = 17


class SparkSettings(BaseModel):
    """How to build (or find) the Spark session. Every field has a local default."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    #: Spark master URL: ``local[4]``, ``spark://host:7077``, ``yarn``, ``k8s://…``.
    #: Default ``local[<cores>]``.
    master: str | None = None
    app_name: str = "linkready"
    #: Where Splink checkpoints intermediate tables (``sc.setCheckpointDir``); on a
    #: cluster a shared path (HDFS, S3, DBFS). Default: a local temporary directory,
    #: removed afterwards.
    checkpoint_dir: str | None = None
    #: Splink's similarity UDF jar. ``None``: the jar inside the installed splink;
    #: ``""``: do not add one (the cluster already provides it).
    similarity_jar: str | None = None
    #: Spark config keys passed to the session builder.
    config: dict[str, str | int | float | bool] = Field(default_factory=dict)
    #: How Splink breaks Spark lineage between steps (``parquet`` writes to the
    #: checkpoint directory; ``persist`` keeps them in executor memory).
    break_lineage_method: Literal["parquet", "persist", "checkpoint",
                                  "delta_lake_files", "delta_lake_table"] = "parquet"
    #: Partitions Splink repartitions large intermediate tables into (default: half
    #: of ``spark.sql.shuffle.partitions``).
    num_partitions_on_repartition: int | None = None
    #: Spark's log level while linkage runs.
    log_level: str = "ERROR"


def load_spark_settings(path: Path | None) -> SparkSettings:
    """Settings from a ``--spark-conf`` YAML file, or the local defaults without one."""
    if path is None:
        return SparkSettings()
    return validate(SparkSettings, read_yaml(Path(path)), Path(path), "the Spark config")


def local_defaults(cores: int | None = None) -> dict[str, str]:
    """Config for a single-machine session: few shuffle partitions (Spark's 200 cost
    seconds on small data), no web UI, Arrow transfers."""
    n = cores or os.cpu_count() or 1
    return {
        "spark.sql.shuffle.partitions": str(max(2, 2 * n)),
        "spark.default.parallelism": str(max(2, 2 * n)),
        "spark.ui.enabled": "false",
        "spark.ui.showConsoleProgress": "false",
        "spark.sql.execution.arrow.pyspark.enabled": "true",
        "spark.driver.memory": "4g",
    }


def java_version(java: str) -> int | None:
    """The major version ``java -version`` reports, or None if it cannot be read."""
    try:
        done = subprocess.run([java, "-version"], capture_output=True, text=True,
                              timeout=30, check=False)
    except (OSError, subprocess.SubprocessError):
        return None
    m = re.search(r'version "(\d+)(?:\.(\d+))?', done.stderr + done.stdout)
    if not m:
        return None
    major = int(m.group(1))
    return int(m.group(2) or 0) if major == 1 else major  # "1.8" is Java 8


def find_java() -> str | None:
    """The java PySpark will launch: ``$JAVA_HOME/bin/java``, else ``java`` on PATH."""
    home = os.environ.get("JAVA_HOME")
    if home and (Path(home) / "bin" / "java").is_file():
        return str(Path(home) / "bin" / "java")
    return shutil.which("java")


def check_requirements() -> None:
    """Raise BackendUnavailable unless PySpark and Java 17+ are present."""
    import importlib.util

    if importlib.util.find_spec("pyspark") is None:
        raise BackendUnavailable(f"--backend spark needs PySpark, which is not installed; "
                                 f"{INSTALL_HINT}")
    java = find_java()
    if java is None:
        raise BackendUnavailable(
            f"--backend spark needs Java {MIN_JAVA} or later, and none was found; install a "
            "JDK (e.g. apt-get install openjdk-17-jre-headless) or set JAVA_HOME")
    version = java_version(java)
    if version is not None and version < MIN_JAVA:
        raise BackendUnavailable(
            f"--backend spark needs Java {MIN_JAVA} or later, but {java} is Java {version}; "
            "install a newer JDK or point JAVA_HOME at one")


def _quiet_pyspark() -> None:
    # PySpark 4 warns that it does not fully support pandas 3; linkready hands Spark
    # Arrow tables and reads Arrow back, never pandas, so the warning does not apply.
    warnings.filterwarnings("ignore", message="PySpark does not yet fully support pandas",
                            category=FutureWarning)


def build_session(settings: SparkSettings) -> Any:
    """The Spark session: the active one if there is one (e.g. a Databricks notebook),
    else a new one built from ``settings``."""
    check_requirements()
    _quiet_pyspark()
    from pyspark.sql import SparkSession

    active = SparkSession.getActiveSession()
    if active is not None:
        return active
    from splink.backends.spark import similarity_jar_location

    master = settings.master or f"local[{os.cpu_count() or 1}]"
    conf: dict[str, Any] = dict(local_defaults()) if master.startswith("local") else {}
    jar = similarity_jar_location() if settings.similarity_jar is None \
        else settings.similarity_jar
    if jar:
        extra = str(settings.config.get("spark.jars", ""))
        conf["spark.jars"] = ",".join(j for j in (jar, extra) if j)
    conf.update({k: v for k, v in settings.config.items() if k != "spark.jars"})
    builder = SparkSession.builder.master(master).appName(settings.app_name)
    for key, value in conf.items():
        builder = builder.config(key, str(value).lower() if isinstance(value, bool)
                                 else str(value))
    try:
        return builder.getOrCreate()
    except Exception as exc:  # py4j and Spark raise many kinds; all mean "no session"
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise BackendUnavailable(f"cannot start a Spark session on `{master}` ({first}); "
                                 "check the master URL and config in --spark-conf") from None


class SparkBackend:
    """Splink's Spark backend, fed from the DuckDB workspace through Arrow."""

    name = "spark"
    dialect = "spark"
    u_chunks: int | None = 1

    def __init__(self, workspace: Any, spark: Any, settings: SparkSettings) -> None:
        self.workspace = workspace
        self.spark = spark
        self.settings = settings
        self._views: list[str] = []
        self._own_checkpoint: Path | None = None
        checkpoint = settings.checkpoint_dir
        if checkpoint is None:
            self._own_checkpoint = Path(tempfile.mkdtemp(prefix="linkready-spark-"))
            checkpoint = str(self._own_checkpoint)
        # Splink's "parquet" lineage break writes every intermediate table here; Spark
        # refuses checkpoint() without it.
        spark.sparkContext.setCheckpointDir(checkpoint)
        spark.sparkContext.setLogLevel(settings.log_level)

    @classmethod
    def open(cls, workspace: Any, settings: SparkSettings | None = None) -> SparkBackend:
        """Start (or join) the session and wrap it."""
        cfg = settings or SparkSettings()
        return cls(workspace, build_session(cfg), cfg)

    def stage(self, table: str, select_sql: str) -> str:
        """Read ``select_sql`` from the workspace as Arrow and register it in Spark as a
        cached temporary view."""
        data = self.workspace.sql(select_sql).to_arrow_table()
        frame = self.spark.createDataFrame(data) if data.num_rows else \
            self.spark.createDataFrame([], _spark_schema(self.spark, data))
        frame = frame.cache()
        frame.createOrReplaceTempView(table)
        self._views.append(table)
        return table

    def derive(self, table: str, sql: str) -> str:
        """Run ``sql`` in Spark (on views already staged) as a cached temporary view."""
        frame = self.spark.sql(sql).cache()
        frame.createOrReplaceTempView(table)
        self._views.append(table)
        return table

    def to_arrow(self, sql: str) -> Any:
        """The query's result as Arrow."""
        return self.spark.sql(sql).toArrow()

    def db_api(self) -> Any:
        """Splink's ``SparkAPI`` on the session (registers the similarity UDFs)."""
        from splink.backends.spark import SparkAPI

        return SparkAPI(spark_session=self.spark,  # type: ignore[no-untyped-call]
                        break_lineage_method=self.settings.break_lineage_method,
                        num_partitions_on_repartition=self.settings.num_partitions_on_repartition)

    def drop(self, *tables: str) -> None:
        """Uncache and drop staged views."""
        for t in tables:
            if self.spark.catalog.tableExists(t):
                self.spark.catalog.uncacheTable(t)
            self.spark.catalog.dropTempView(t)
            if t in self._views:
                self._views.remove(t)

    def close(self) -> None:
        """Drop what this backend staged and its temporary checkpoint directory; the
        session (and anything else cached in it, e.g. a notebook's tables) stays up."""
        self.drop(*list(self._views))
        if self._own_checkpoint is not None:
            shutil.rmtree(self._own_checkpoint, ignore_errors=True)


def _spark_schema(spark: Any, data: Any) -> Any:
    """Spark schema of an (empty) Arrow table."""
    from pyspark.sql.pandas.types import from_arrow_schema

    return from_arrow_schema(data.schema)
