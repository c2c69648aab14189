"""Ingest judges every value against the contract's domain, so staging never fails on a cast
and no value changes silently; every file in a landing folder ends up in raw.ingest_files."""

import gzip
import json
import os
from datetime import UTC, date, datetime
from pathlib import Path

import dagster as dg
import duckdb
import polars as pl
import pytest

from orchestration.defs.ingest.landing_contract import LANDING_TABLES
from orchestration.defs.ingest.loader import ingest_table

BILLS = list(LANDING_TABLES["bills"])
GOOD_BILL = {
    "bill_id": "B1",
    "revision": "0",
    "customer_id": "C1",
    "period_start": "2024-05-01",
    "period_end": "2024-05-31",
    "kwh_total": "100",
    "kwh_peak": "",
    "kwh_shoulder": "",
    "kwh_offpeak": "",
    "max_demand_kw": "",
    "amount_due": "20.5",
    "due_date": "2024-06-20",
    "is_estimated": "false",
    "status": "issued",
    "issued_at": "2024-06-01 08:00:00",
}


@pytest.fixture
def conn():
    connection = duckdb.connect()
    yield connection
    connection.close()


def bills_csv(landing: Path, name: str, rows: list[dict], mtime: int | None = None) -> Path:
    folder = landing / "bills"
    folder.mkdir(parents=True, exist_ok=True)
    lines = [",".join(BILLS)] + [",".join({**GOOD_BILL, **row}[c] for c in BILLS) for row in rows]
    path = folder / name
    path.write_text("\n".join(lines) + "\n")
    if mtime is not None:
        os.utime(path, (mtime, mtime))
    return path


def bills_frame(n: int) -> pl.DataFrame:
    """n good bills, typed as a Parquet extract holds them."""
    return pl.DataFrame(
        {
            "bill_id": [f"B{i + 1}" for i in range(n)],
            "revision": [0] * n,
            "customer_id": ["C1"] * n,
            "period_start": [date(2024, 5, 1)] * n,
            "period_end": [date(2024, 5, 31)] * n,
            "kwh_total": [100.0] * n,
            "kwh_peak": [None] * n,
            "kwh_shoulder": [None] * n,
            "kwh_offpeak": [None] * n,
            "max_demand_kw": [None] * n,
            "amount_due": [20.5] * n,
            "due_date": [date(2024, 6, 20)] * n,
            "is_estimated": [False] * n,
            "status": ["issued"] * n,
            "issued_at": [datetime(2024, 6, 1, 8)] * n,
        },
        schema_overrides={c: pl.Float64 for c in BILLS if c.startswith(("kwh_", "max_"))},
    )


def loaded(conn, column: str) -> list[tuple]:
    return conn.execute(
        f'select bill_id, "{column}", _unparsed from raw.bills order by _row_number'
    ).fetchall()


@pytest.mark.parametrize(
    "text", ["NaN", "nan", "Infinity", "-inf", "inf", "1e16", "1e12", "1e300", "9" * 40]
)
def test_a_number_outside_the_contract_is_set_aside_not_loaded(conn, tmp_path, text):
    bills_csv(tmp_path, "b.csv", [{"bill_id": "B1", "kwh_total": text}, {"bill_id": "B2"}])
    (outcome,) = ingest_table(conn, tmp_path, "bills")
    assert outcome.status == "loaded"
    (bad, good) = loaded(conn, "kwh_total")
    assert bad[1] is None and json.loads(bad[2]) == {"kwh_total": text}
    assert good == ("B2", 100.0, None)


def test_edge_numbers_inside_the_contract_load_as_sent(conn, tmp_path):
    values = ["-0.0", "0", "999999999.999", "-12.5", " 7 "]
    bills_csv(
        tmp_path, "b.csv", [{"bill_id": f"B{i}", "kwh_total": v} for i, v in enumerate(values)]
    )
    ingest_table(conn, tmp_path, "bills")
    assert [r[1] for r in loaded(conn, "kwh_total")] == [0.0, 0.0, 999999999.999, -12.5, 7.0]
    assert all(r[2] is None for r in loaded(conn, "kwh_total"))


def test_a_parquet_nan_or_infinity_is_set_aside(conn, tmp_path):
    frame = bills_frame(3).with_columns(pl.Series("kwh_total", [float("nan"), float("inf"), 50.0]))
    (tmp_path / "bills").mkdir()
    frame.write_parquet(tmp_path / "bills" / "b.parquet")
    (outcome,) = ingest_table(conn, tmp_path, "bills")
    assert outcome.status == "loaded"
    got = loaded(conn, "kwh_total")
    assert [r[1] for r in got] == [None, None, 50.0]
    assert [json.loads(r[2]) if r[2] else None for r in got] == [
        {"kwh_total": "nan"},
        {"kwh_total": "inf"},
        None,
    ]


def test_an_integer_column_takes_whole_numbers_only(conn, tmp_path):
    header = (
        "work_order_id,customer_id,opened_at,closed_at,category,channel,status,satisfaction_score"
    )
    folder = tmp_path / "work_orders"
    folder.mkdir()
    rows = [f"W{i},C1,2024-01-02,2024-01-03,complaint,web,closed,{s}" for i, s in
            enumerate(["4.5", "4", "4.0", "7", "NULL"])]  # fmt: skip
    (folder / "w.csv").write_text(header + "\n" + "\n".join(rows) + "\n")
    ingest_table(conn, tmp_path, "work_orders")
    got = conn.execute(
        "select satisfaction_score, _unparsed from raw.work_orders order by _row_number"
    ).fetchall()
    assert got == [
        (None, '{"satisfaction_score":"4.5"}'),  # not rounded to 5
        (4, None),
        (4, None),
        (None, '{"satisfaction_score":"7"}'),  # outside 1..5
        (None, None),  # a null token: no value, nothing to quarantine
    ]


def test_a_nullable_column_of_only_null_tokens_loads(conn, tmp_path):
    rows = [{"bill_id": f"B{i}", "max_demand_kw": token} for i, token in
            enumerate(["NULL", "null", "N/A", "\\N"])]  # fmt: skip
    bills_csv(tmp_path, "b.csv", rows)
    (outcome,) = ingest_table(conn, tmp_path, "bills")
    assert (outcome.status, outcome.rows) == ("loaded", 4)
    assert {r[1:] for r in loaded(conn, "max_demand_kw")} == {(None, None)}


def test_offsets_are_converted_to_the_utility_zone(conn, tmp_path, monkeypatch):
    monkeypatch.setenv("GRIDSEG_TIMEZONE", "Europe/Berlin")
    rows = [
        {"bill_id": "B1", "issued_at": "2024-06-01T00:30:00+02:00"},
        {"bill_id": "B2", "issued_at": "2024-05-31T22:30:00Z"},
        {"bill_id": "B3", "issued_at": "2024-06-01 00:30:00"},  # naive: already local
        {"bill_id": "B4", "issued_at": "2024-06-01 01:30:00+0300"},
    ]
    bills_csv(tmp_path, "b.csv", rows)
    ingest_table(conn, tmp_path, "bills")
    assert {r[1] for r in loaded(conn, "issued_at")} == {datetime(2024, 6, 1, 0, 30)}


def test_a_parquet_timestamp_with_zone_keeps_its_local_day(conn, tmp_path, monkeypatch):
    monkeypatch.setenv("GRIDSEG_TIMEZONE", "Australia/Sydney")
    issued = datetime(2024, 5, 31, 15, 0, tzinfo=UTC)  # 1 June 01:00 in Sydney
    frame = bills_frame(1).with_columns(
        pl.Series("issued_at", [issued], dtype=pl.Datetime("us", "UTC")),
        pl.Series("period_end", [issued], dtype=pl.Datetime("us", "UTC")),
    )
    (tmp_path / "bills").mkdir()
    frame.write_parquet(tmp_path / "bills" / "b.parquet")
    (outcome,) = ingest_table(conn, tmp_path, "bills")
    assert outcome.status == "loaded", outcome.reason
    (row,) = conn.execute("select issued_at, period_end from raw.bills").fetchall()
    assert row == (datetime(2024, 6, 1, 1, 0), datetime(2024, 6, 1).date())


def test_an_unknown_time_zone_is_a_clear_error(conn, tmp_path, monkeypatch):
    monkeypatch.setenv("GRIDSEG_TIMEZONE", "Mars/Olympus")
    bills_csv(tmp_path, "b.csv", [{}])
    with pytest.raises(ValueError, match="Mars/Olympus"):
        ingest_table(conn, tmp_path, "bills")


def test_every_file_in_a_folder_is_accounted_for(conn, tmp_path):
    good = bills_csv(tmp_path, "b.csv", [{"bill_id": "B1"}], mtime=1_000)
    folder = good.parent
    with gzip.open(folder / "b2.csv.gz", "wb") as handle:
        handle.write(good.read_bytes().replace(b"B1,", b"B2,"))
    (folder / "b3.csv.gz").write_bytes(b"not gzip at all")
    (folder / "b4.txt").write_bytes(good.read_bytes().replace(b"B1,", b"B4,"))
    (folder / "b5.xlsx").write_bytes(b"PK\x03\x04")
    (folder / "empty1.csv").write_bytes(b"")
    (folder / "empty2.csv").write_bytes(b"")
    (folder / "copy_of_b.csv").write_bytes(good.read_bytes())
    (folder / ".b.csv.part").write_bytes(b"partial")  # a transfer tool's temporary file
    outcomes = {o.file_name: o for o in ingest_table(conn, tmp_path, "bills")}
    assert {name: o.status for name, o in outcomes.items()} == {
        "b.csv": "loaded",
        "b2.csv.gz": "loaded",
        "b3.csv.gz": "rejected",
        "b4.txt": "rejected",
        "b5.xlsx": "rejected",
        "empty1.csv": "rejected",
        "empty2.csv": "rejected",
        "copy_of_b.csv": "duplicate",
    }
    assert "file type not accepted" in outcomes["b4.txt"].reason
    assert "gzip" in outcomes["b3.csv.gz"].reason
    assert outcomes["b2.csv.gz"].rows == outcomes["b2.csv.gz"].rows_in_file == 1
    logged = conn.execute("select file_name, status from raw.ingest_files").fetchall()
    assert sorted(logged) == sorted((n, o.status) for n, o in outcomes.items())
    assert sorted(r[0] for r in conn.execute("select bill_id from raw.bills").fetchall()) == [
        "B1",
        "B2",
    ]


def test_a_correction_loads_after_its_original_whatever_its_name(conn, tmp_path):
    bills_csv(tmp_path, "z_original.csv", [{"kwh_total": "100"}], mtime=1_000)
    bills_csv(tmp_path, "a_correction.csv", [{"kwh_total": "120"}], mtime=2_000)
    ingest_table(conn, tmp_path, "bills")
    order = conn.execute("select _source_file from raw.bills order by _batch_seq").fetchall()
    assert order == [("z_original.csv",), ("a_correction.csv",)]


def test_a_truncated_parquet_says_its_rows_cannot_be_counted(conn, tmp_path):
    (tmp_path / "bills").mkdir()
    whole = tmp_path / "whole.parquet"
    bills_frame(5).write_parquet(whole)
    data = whole.read_bytes()
    (tmp_path / "bills" / "cut.parquet").write_bytes(data[: len(data) // 2])
    (outcome,) = ingest_table(conn, tmp_path, "bills")
    assert (outcome.status, outcome.rows_in_file) == ("rejected", None)
    assert outcome.reason.startswith("bills/cut.parquet: cannot be read as Parquet")
    assert "cannot be counted" in outcome.reason


def test_headers_match_the_contract_whatever_their_case_and_spacing(conn, tmp_path):
    folder = tmp_path / "bills"
    folder.mkdir()
    header = ", ".join(c.upper() for c in BILLS)
    (folder / "b.csv").write_text(header + "\n" + ",".join(GOOD_BILL[c] for c in BILLS) + "\n")
    bills_frame(1).rename({"bill_id": "Bill_ID", "kwh_total": "KWH_Total "}).write_parquet(
        folder / "b.parquet"
    )
    outcomes = ingest_table(conn, tmp_path, "bills")
    assert [(o.status, o.rows) for o in outcomes] == [("loaded", 1), ("loaded", 1)]
    assert (
        conn.execute("select bill_id, kwh_total from raw.bills").fetchall() == [("B1", 100.0)] * 2
    )


def test_a_file_of_another_delimiter_is_named_as_such(conn, tmp_path):
    folder = tmp_path / "bills"
    folder.mkdir()
    (folder / "b.csv").write_text(";".join(BILLS) + "\n" + ";".join(GOOD_BILL.values()) + "\n")
    (outcome,) = ingest_table(conn, tmp_path, "bills")
    assert outcome.reason == (
        "bills/b.csv: the header is delimited by ';': the contract takes comma-separated CSV"
    )


def test_files_in_sub_folders_are_loaded_under_their_relative_name(conn, tmp_path):
    bills_csv(tmp_path / "x", "ignored.csv", [])  # another root: not this landing zone
    nested = tmp_path / "bills" / "2024"
    nested.mkdir(parents=True)
    bills_csv(tmp_path, "b.csv", [{"bill_id": "B1"}])
    (nested / "b.csv").write_text((tmp_path / "bills" / "b.csv").read_text().replace("B1", "B2"))
    (tmp_path / "bills" / ".tmp").mkdir()
    (tmp_path / "bills" / ".tmp" / "partial.csv").write_text("half a file")
    outcomes = ingest_table(conn, tmp_path, "bills")
    assert sorted((o.file_name, o.status) for o in outcomes) == [
        ("2024/b.csv", "loaded"),
        ("b.csv", "loaded"),
    ]


def test_files_outside_every_table_folder_are_listed_by_a_check(tmp_path):
    """A typo in a folder name (`bill/`) or a file at the landing root loads nowhere: the
    Dagster check run with the ingest warns and names it."""
    from orchestration.defs.ingest.assets import build_ingest_asset
    from orchestration.defs.ingest.checks import no_unknown_landing_files
    from orchestration.defs.warehouse import GridSegPaths

    landing = tmp_path / "landing"
    bills_csv(landing, "b.csv", [{}])
    (landing / "customers").mkdir()
    (landing / "bill").mkdir()
    (landing / "bill" / "b.csv").write_text("x")
    (landing / "export.csv").write_text("x")
    (landing / ".DS_Store").write_text("x")
    result = dg.materialize(
        [build_ingest_asset("customers"), no_unknown_landing_files],
        resources={"gridseg": GridSegPaths(data_dir=str(tmp_path))},
    )
    (evaluation,) = result.get_asset_check_evaluations()
    assert not evaluation.passed
    assert evaluation.metadata["unknown_files"].value == 2
    assert evaluation.metadata["files"].value == "- bill/b.csv\n- export.csv"


def test_a_date_sent_as_a_moment_with_an_offset_takes_its_local_day(conn, tmp_path, monkeypatch):
    monkeypatch.setenv("GRIDSEG_TIMEZONE", "Europe/Berlin")
    rows = [
        {"bill_id": "B1", "period_end": "2024-05-31T23:30:00Z"},  # 1 June 01:30 in Berlin
        {"bill_id": "B2", "period_end": "2024-05-31"},
        {"bill_id": "B3", "period_end": "2024-05-31 23:30"},  # naive: local already
    ]
    bills_csv(tmp_path, "b.csv", rows)
    ingest_table(conn, tmp_path, "bills")
    assert [r[1] for r in loaded(conn, "period_end")] == [
        date(2024, 6, 1),
        date(2024, 5, 31),
        date(2024, 5, 31),
    ]


@pytest.mark.parametrize(
    "text",
    ["2024-12-21T03:00:00 EST", "2024-06-01T10:00:00 CEST", "epoch", "infinity", "-infinity",
     "45646", "today", "2024-06-01T10:00:00+02:00 extra"],
)  # fmt: skip
def test_a_timestamp_is_never_guessed(conn, tmp_path, text):
    """Zone abbreviations are ambiguous and words are not timestamps: set aside, not read as
    local time, 1970 or 9999."""
    bills_csv(tmp_path, "b.csv", [{"bill_id": "B1", "issued_at": text}, {"bill_id": "B2"}])
    ingest_table(conn, tmp_path, "bills")
    (bad, good) = loaded(conn, "issued_at")
    assert bad[1] is None and json.loads(bad[2]) == {"issued_at": text}
    assert good[1] == datetime(2024, 6, 1, 8)


def test_utc_and_gmt_suffixes_are_offsets(conn, tmp_path, monkeypatch):
    monkeypatch.setenv("GRIDSEG_TIMEZONE", "Europe/Berlin")
    rows = [{"bill_id": f"B{i}", "issued_at": f"2024-05-31 22:30:00 {z}"} for i, z in
            enumerate(["UTC", "GMT", "Z"])]  # fmt: skip
    bills_csv(tmp_path, "b.csv", rows)
    ingest_table(conn, tmp_path, "bills")
    assert {r[1] for r in loaded(conn, "issued_at")} == {datetime(2024, 6, 1, 0, 30)}


@pytest.mark.parametrize("text", ["1_000", "0x10", "1'000", "12 kWh"])
def test_a_number_is_plain_decimal_text(conn, tmp_path, text):
    bills_csv(tmp_path, "b.csv", [{"bill_id": "B1", "kwh_total": text}, {"bill_id": "B2"}])
    ingest_table(conn, tmp_path, "bills")
    (bad, _) = loaded(conn, "kwh_total")
    assert bad[1] is None and json.loads(bad[2]) == {"kwh_total": text}


def test_money_is_rounded_half_away_from_zero_from_its_text(conn, tmp_path):
    amounts = ["1.005", "-1.005", "2.675", "0.125", "7"]
    bills_csv(
        tmp_path, "b.csv", [{"bill_id": f"B{i}", "amount_due": a} for i, a in enumerate(amounts)]
    )
    ingest_table(conn, tmp_path, "bills")
    staged = conn.execute(
        "select cast(amount_due as decimal(18, 2)) from raw.bills order by _row_number"
    ).fetchall()
    assert [str(r[0]) for r in staged] == ["1.01", "-1.01", "2.68", "0.13", "7.00"]


def test_a_parquet_infinite_date_is_set_aside(conn, tmp_path):
    (tmp_path / "bills").mkdir()
    conn.execute(
        "copy (select * replace (case when bill_id = 'B1' then 'infinity'::date else period_end "
        "end as period_end) from read_parquet(?)) to ?",
        [str(write_frame(tmp_path)), str(tmp_path / "bills" / "b.parquet")],
    )
    ingest_table(conn, tmp_path, "bills")
    got = loaded(conn, "period_end")
    assert got[0][1] is None and json.loads(got[0][2]) == {"period_end": "infinity"}
    assert got[1][1] == date(2024, 5, 31)


def write_frame(tmp_path: Path) -> Path:
    path = tmp_path / "frame.parquet"
    bills_frame(2).write_parquet(path)
    return path


def test_one_bad_value_in_a_mostly_empty_column_quarantines_its_row_only(conn, tmp_path):
    """The only filled disconnected_on of a customers delta is `infinity`: that row is set aside,
    the other rows load; the file is not judged to have a wrong-type column on one value."""
    header = (
        "customer_id,customer_class,tariff_code,region,feeder_id,voltage_level,"
        "contracted_capacity_kva,connected_on,disconnected_on,has_solar,payment_method,"
        "budget_billing,paperless,full_name,phone,email,address,updated_at"
    )
    rows = [
        f"C{i},residential,RES-STD,Central,F1,LV,,2020-01-01,{'infinity' if i == 0 else ''},"
        "false,card,false,true,,,,,2025-01-17T00:00:00"
        for i in range(20)
    ]
    (tmp_path / "customers").mkdir()
    (tmp_path / "customers" / "delta.csv").write_text("\n".join([header, *rows]) + "\n")
    (outcome,) = ingest_table(conn, tmp_path, "customers")
    assert (outcome.status, outcome.rows) == ("loaded", 20)
    set_aside = conn.execute(
        "select customer_id, _unparsed from raw.customers where _unparsed is not null"
    ).fetchall()
    assert set_aside == [("C0", '{"disconnected_on":"infinity"}')]
