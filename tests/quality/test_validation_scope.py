"""Which rows the suites see: the latest raw load as received (no PII), bounded; latest month."""

from datetime import datetime
from pathlib import Path

import duckdb
import pytest

from orchestration.defs.ingest.loader import ingest_table
from orchestration.defs.quality import gx_scope

CUSTOMERS = (
    "customer_id,customer_class,tariff_code,region,feeder_id,voltage_level,contracted_capacity_kva,"
    "connected_on,disconnected_on,has_solar,payment_method,budget_billing,paperless,full_name,"
    "phone,email,address,updated_at\n"
)


def customer(i: int, connected_on: str = "2020-01-01") -> str:
    return (
        f"C{i},residential,RES-STD,North,F1,LV,,{connected_on},,false,cash,false,true,"
        f"Ann Lee,555-123-4567,ann{i}@example.com,1 Main St,2020-01-01T00:00:00\n"
    )


def drop(landing: Path, name: str, text: str) -> None:
    (landing / "customers").mkdir(parents=True, exist_ok=True)
    (landing / "customers" / name).write_text(text)


@pytest.fixture
def conn():
    connection = duckdb.connect()
    yield connection
    connection.close()


def test_raw_scope_is_the_latest_load_as_received_without_pii(conn, tmp_path):
    drop(tmp_path, "c_1.csv", CUSTOMERS + customer(1) + customer(2))
    ingest_table(conn, tmp_path, "customers", now=datetime(2024, 1, 1))
    drop(tmp_path, "c_2.csv", CUSTOMERS + customer(3) + customer(4, connected_on="31/01/2024"))
    drop(tmp_path, "c_3.csv", CUSTOMERS + customer(5))
    ingest_table(conn, tmp_path, "customers", now=datetime(2024, 2, 1))

    frame, facts = gx_scope.raw_latest_load(conn, "customers")

    assert sorted(frame["customer_id"]) == ["C3", "C4", "C5"]  # both files of the latest load
    assert facts["files"] == ["c_2.csv", "c_3.csv"] and facts["rows_in_scope"] == 3
    assert dict(zip(frame["customer_id"], frame["connected_on"], strict=True))["C4"] == "31/01/2024"
    assert not {"full_name", "phone", "email", "address"} & set(frame.columns)


def test_raw_scope_is_bounded_by_a_sample(conn, tmp_path, monkeypatch):
    drop(tmp_path, "c.csv", CUSTOMERS + "".join(customer(i) for i in range(50)))
    ingest_table(conn, tmp_path, "customers")
    monkeypatch.setattr(gx_scope, "RAW_SAMPLE_ROWS", 20)
    frame, facts = gx_scope.raw_latest_load(conn, "customers")
    assert len(frame) == 20 and facts["sampled"] and facts["rows_in_scope"] == 50


def test_published_scope_is_the_latest_month(conn):
    conn.execute("create schema ml")
    conn.execute(
        "create table ml.segment_profiles as select * from (values "
        "('S01', '2024-05'), ('S01', '2024-06'), ('S02', '2024-06')) t(segment_id, as_of_month)"
    )
    frame, facts = gx_scope.latest_month(conn, "segment_profiles")
    assert facts["as_of_month"] == "2024-06" and sorted(frame["segment_id"]) == ["S01", "S02"]


def test_raw_scope_judges_codes_as_staging_does(conn, tmp_path):
    """'Residential ' is quarantined by nobody (staging trims and folds it), so the suite that
    could block the run sees it folded too."""
    row = customer(1).replace(
        "residential,RES-STD,North,F1,LV", "Residential ,RES-STD,North,F1, lv"
    )
    drop(tmp_path, "c.csv", CUSTOMERS + row)
    ingest_table(conn, tmp_path, "customers")
    frame, _ = gx_scope.raw_latest_load(conn, "customers")
    assert (frame["customer_class"][0], frame["voltage_level"][0]) == ("residential", "LV")
    assert frame["region"][0] == "North"
