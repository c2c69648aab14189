"""Where GridSeg reads and writes: every location comes from the environment, with defaults
under the project's `data/` folder so that a fresh clone runs without configuration."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parents[1]
DBT_PROJECT_DIR = PROJECT_ROOT / "dbt_project"
EXPECTATIONS_DIR = PROJECT_ROOT / "expectations"
# The project's Dagster instance (run history, schedules, the `warehouse` pool limit in its
# dagster.yaml): command-line runs use it unless DAGSTER_HOME names another.
DAGSTER_HOME_DIR = PROJECT_ROOT / "dagster_home"


def dagster_home() -> Path:
    """The Dagster instance's folder of command-line runs: DAGSTER_HOME, else the project's."""
    return Path(os.environ.get("DAGSTER_HOME") or DAGSTER_HOME_DIR).resolve()


# The variables that say where things are (Paths); they do not change what is computed.
LOCATION_VARIABLES = (
    "GRIDSEG_DATA",
    "GRIDSEG_LANDING",
    "GRIDSEG_WAREHOUSE",
    "GRIDSEG_PUBLISH",
    "GRIDSEG_MODELS",
    "GRIDSEG_SPARK",
)


@dataclass(frozen=True)
class Paths:
    """Filesystem locations of one GridSeg deployment."""

    data: Path
    landing: Path
    warehouse: Path
    published: Path
    models: Path
    # the `spark` dbt target's folder: its table files (warehouse/), Derby metastore
    # (metastore_db/) and the raw tables exported as Parquet (landing/)
    spark: Path

    @classmethod
    def from_env(cls) -> Paths:
        data = Path(os.environ.get("GRIDSEG_DATA", PROJECT_ROOT / "data")).resolve()
        return cls(
            data=data,
            landing=Path(os.environ.get("GRIDSEG_LANDING", data / "landing")).resolve(),
            warehouse=Path(
                os.environ.get("GRIDSEG_WAREHOUSE", data / "warehouse.duckdb")
            ).resolve(),
            published=Path(os.environ.get("GRIDSEG_PUBLISH", data / "published")).resolve(),
            models=Path(os.environ.get("GRIDSEG_MODELS", data / "models")).resolve(),
            spark=Path(os.environ.get("GRIDSEG_SPARK", data / "spark")).resolve(),
        )

    @classmethod
    def under(cls, data: Path) -> Paths:
        """All locations below one folder (tests, benchmarks)."""
        data = Path(data).resolve()
        return cls(
            data,
            data / "landing",
            data / "warehouse.duckdb",
            data / "published",
            data / "models",
            data / "spark",
        )

    def export_env(self) -> None:
        """Make these locations visible to child processes (dbt reads GRIDSEG_WAREHOUSE and
        GRIDSEG_SPARK)."""
        locations = (
            self.data,
            self.landing,
            self.warehouse,
            self.published,
            self.models,
            self.spark,
        )
        for variable, path in zip(LOCATION_VARIABLES, locations, strict=True):
            os.environ[variable] = str(path)


TIMEZONE_VARIABLE = "GRIDSEG_TIMEZONE"


def utility_timezone() -> str:
    """The utility's local time zone (IANA name): naive landing timestamps are in it, and
    timestamps with an offset are converted to it. GRIDSEG_TIMEZONE, else the contract's."""
    from contract import landing_contract

    return os.environ.get(TIMEZONE_VARIABLE, "").strip() or landing_contract().timezone


ENGINE_VARIABLE, DEFAULT_ENGINE = "GRIDSEG_ENGINE", "duckdb"
# The engines dbt builds the models on (orchestration/engine.py: their dbt targets).
ENGINES = ("duckdb", "spark")


def engine() -> str:
    """The engine the pipeline's dbt models are built on: GRIDSEG_ENGINE (`duckdb`, the default,
    or `spark`). Read when a step runs, not at import, so one process can run either engine."""
    value = os.environ.get(ENGINE_VARIABLE, "").strip() or DEFAULT_ENGINE
    if value not in ENGINES:
        raise ValueError(f"{ENGINE_VARIABLE}={value!r}: the engine is one of {', '.join(ENGINES)}")
    return value


REPORT_LANGUAGE_VARIABLE, DEFAULT_REPORT_LANGUAGE = "GRIDSEG_REPORT_LANG", "en"


def report_language() -> str:
    """The language of the published segment report's labels: GRIDSEG_REPORT_LANG (`en` or
    `zh-CN`, the label files in orchestration/defs/publish/report/labels/), else English."""
    return os.environ.get(REPORT_LANGUAGE_VARIABLE, "").strip() or DEFAULT_REPORT_LANGUAGE
