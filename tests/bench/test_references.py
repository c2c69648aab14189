"""The benchmark's two references compute the same features: the hand-written DuckDB script and
the pandas baseline, each run as the benchmark runs it (a process of its own), on one small
generated landing zone with re-issued and cancelled bills, bounced payments and outages."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import duckdb
import pytest

from bench.compare_features import agreement
from bench.run_benchmark import REFERENCES
from datagen import generate

CUSTOMERS = 200
MONTHS = 15


@pytest.fixture(scope="module")
def outputs(tmp_path_factory) -> dict[str, Path]:
    root = tmp_path_factory.mktemp("references")
    generate(root / "landing", root / "truth", n_customers=CUSTOMERS, n_months=MONTHS, seed=11)
    out = {}
    for name, script, _ in REFERENCES:
        out[name] = root / f"{script.stem}.parquet"
        subprocess.run(
            [sys.executable, str(script), str(root / "landing"), str(out[name])], check=True
        )
    return out


def test_references_agree_on_every_feature(outputs):
    (duckdb_name, duckdb_out), (pandas_name, pandas_out) = outputs.items()
    conn = duckdb.connect(config={"autoinstall_known_extensions": False})
    result = agreement(
        conn, "read_parquet(?)", [str(duckdb_out)], "read_parquet(?)", [str(pandas_out)]
    )
    assert result["rows_left"] == result["rows_right"] == result["rows_shared"]
    assert len(result["columns"]) >= 45
    disagreeing = {c: share for c, share in result["columns"].items() if share < 1.0}
    assert not disagreeing, f"{duckdb_name} and {pandas_name} differ: {disagreeing}"


def test_references_cover_the_landing_zone(outputs):
    """Not an empty agreement: every customer appears, each as-of month holds most customers,
    and the data exercise the features (TOU, arrears, bounces, outages, contacts)."""
    conn = duckdb.connect(config={"autoinstall_known_extensions": False})
    path = str(next(iter(outputs.values())))
    row = conn.execute(
        "select count(distinct customer_id), count(distinct as_of_month), count(*),"
        " count(tou_peak_share), count(*) filter (where arrears_over_60d > 0),"
        " count(*) filter (where n_bounced_payments > 0), count(*) filter (where n_interruptions > 0),"
        " count(*) filter (where n_contacts > 0), count(kwh_growth), count(on_time_payment_ratio)"
        " from read_parquet(?)",
        [path],
    ).fetchall()[0]
    customers, months, rows, *exercised = row
    assert months == MONTHS
    assert customers >= CUSTOMERS
    assert rows > 0.8 * customers * months
    assert all(n > 0 for n in exercised), exercised
