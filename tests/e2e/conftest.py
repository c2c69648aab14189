"""End-to-end fixtures: real generated landing data, real Dagster, real dbt, real DuckDB."""

import json
import shutil
from pathlib import Path

import duckdb
import polars as pl
import pytest

from datagen import copy_months, generate
from orchestration.definitions import build_definitions
from orchestration.pipeline_runs import run_all
from orchestration.settings import Paths

E2E_CUSTOMERS = 800
E2E_MONTHS = 15
HISTORY_MONTHS = 12  # the first run sees these; the rest arrive later


def read(path: Path, sql: str, params: list | None = None) -> pl.DataFrame:
    conn = duckdb.connect(str(path), read_only=True)
    try:
        return pl.from_arrow(conn.sql(sql, params=params).to_arrow_table())
    finally:
        conn.close()


@pytest.fixture(scope="session")
def java():
    """Spark's Java runtime: a test that runs Spark is skipped without one."""
    if shutil.which("java") is None:
        pytest.skip("Spark needs Java: `make system-packages` installs default-jre-headless")


@pytest.fixture(scope="session")
def pipeline(tmp_path_factory):
    """Two nightly cycles: 12 months of history, then 3 more months of extracts and a retrain.
    The landing zone is contract v2: it holds the planted service campaigns (tests/e2e/
    test_nightly.py runs a v1 landing zone, without them)."""
    root = tmp_path_factory.mktemp("gridseg")
    source = root / "generated"
    generate(
        source / "landing",
        root / "truth",
        n_customers=E2E_CUSTOMERS,
        n_months=E2E_MONTHS,
        seed=7,
        campaigns=True,
    )
    months = sorted({f.stem.rsplit("_", 1)[-1] for f in (source / "landing" / "bills").iterdir()})
    paths = Paths.under(root / "data")
    defs = build_definitions(str(paths.data))

    copy_months(source / "landing", paths.landing, set(months[:HISTORY_MONTHS]))
    first_timings = run_all(defs, paths, report=lambda _: None)
    snapshot = {
        "features": read(paths.warehouse, "select * from marts.customer_features order by all"),
        "published": read(
            paths.published / "segments.duckdb",
            "select * from customer_segments order by customer_id",
        ),
        "signals": read(
            paths.published / "segments.duckdb", "select * from customer_signals order by all"
        ),
        "actions": read(
            paths.published / "segments.duckdb",
            "select * exclude (segment_id) from service_actions_history order by all",
        ),
    }

    copy_months(source / "landing", paths.landing, set(months[HISTORY_MONTHS:]))
    second_timings = run_all(defs, paths, report=lambda _: None)
    return {
        "paths": paths,
        "defs": defs,
        "months": months,
        "truth": pl.read_parquet(root / "truth" / "archetypes.parquet"),
        "campaign_truth": json.loads((root / "truth" / "campaign_effects.json").read_text()),
        "first": snapshot,
        "timings": (first_timings, second_timings),
    }
