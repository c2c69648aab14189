"""Landing files match data contract v1 section 1 exactly: columns, order, types, enums, nulls.

The expected schema is written out here again on purpose (copied from the contract document,
not imported from `datagen.contract`), so a drift in the generator's contract module fails.
"""

from __future__ import annotations

import polars as pl
import pytest
from datagen_landing import files_of, read_table

ID, DATE, TS, FLOAT, INT, BOOL, STR = "id", "date", "ts", "float", "int", "bool", "str"
_SPEC = {  # column:type in contract order
    "customers": "customer_id:id customer_class:str tariff_code:str region:str feeder_id:id "
    "voltage_level:str contracted_capacity_kva:float connected_on:date disconnected_on:date "
    "has_solar:bool payment_method:str budget_billing:bool paperless:bool full_name:str "
    "phone:str email:str address:str updated_at:ts",
    "bills": "bill_id:id revision:int customer_id:id period_start:date period_end:date "
    "kwh_total:float kwh_peak:float kwh_shoulder:float kwh_offpeak:float max_demand_kw:float "
    "amount_due:float due_date:date is_estimated:bool status:str issued_at:ts",
    "payments": "payment_id:id customer_id:id bill_id:id paid_at:ts amount:float channel:str",
    "outages": "outage_id:id feeder_id:id region:str started_at:ts restored_at:ts cause:str "
    "is_planned:bool",
    "outage_customers": "outage_id:id customer_id:id",
    "work_orders": "work_order_id:id customer_id:id opened_at:ts closed_at:ts category:str "
    "channel:str status:str satisfaction_score:int",
    "meter_reads": "customer_id:id read_start:ts interval_minutes:int kwh:float",
}
CONTRACT = {t: [tuple(c.split(":")) for c in spec.split()] for t, spec in _SPEC.items()}
NULLABLE = {
    "contracted_capacity_kva",
    "disconnected_on",
    "full_name",
    "phone",
    "email",
    "address",
    "kwh_peak",
    "kwh_shoulder",
    "kwh_offpeak",
    "max_demand_kw",
    "bill_id",
    "restored_at",
    "closed_at",
    "satisfaction_score",
}
ENUMS = {
    "customer_class": {"residential", "commercial", "industrial", "agricultural", "public_sector"},
    "voltage_level": {"LV", "MV", "HV"},
    "payment_method": {"direct_debit", "online", "cash", "bank_transfer", "card"},
    "status@bills": {"issued", "cancelled"},
    "channel@payments": {"direct_debit", "online", "cash", "bank_transfer", "card", "agent"},
    "cause": {
        "weather",
        "equipment",
        "vegetation",
        "animal",
        "third_party",
        "planned_maintenance",
        "unknown",
    },
    "category": {
        "complaint",
        "billing_dispute",
        "meter_fault",
        "outage_report",
        "new_connection",
        "reconnection",
        "disconnection_nonpayment",
        "payment_arrangement",
        "vegetation",
        "voltage_quality",
        "information_request",
        "other",
    },
    "channel@work_orders": {"call_center", "ivr", "web", "app", "walk_in", "field"},
    "status@work_orders": {"open", "closed", "cancelled"},
}
PARQUET_DTYPE = {
    ID: pl.String,
    STR: pl.String,
    DATE: pl.Date,
    FLOAT: pl.Float64,
    BOOL: pl.Boolean,
    INT: pl.Int32,
}
ID_PATTERN = {
    "customer_id": r"C\d{7}",
    "feeder_id": r"F\d{4}",
    "bill_id": r"B\d{10}",
    "payment_id": r"P\d{11}",
    "outage_id": r"O\d{8}",
    "work_order_id": r"W\d{9}",
}
CSV_PATTERN = {
    DATE: r"\d{4}-\d{2}-\d{2}",
    TS: r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}",
    BOOL: r"true|false",
    INT: r"-?\d+",
    FLOAT: r"-?\d+(\.\d+)?",
}


def _fullmatch(values: pl.Series, pattern: str) -> pl.Series:
    return values.str.contains(f"^(?:{pattern})$")


def _enum(table: str, column: str) -> set[str] | None:
    return ENUMS.get(f"{column}@{table}", ENUMS.get(column))


@pytest.mark.parametrize("table", sorted(CONTRACT))
def test_parquet_columns_types_enums_and_nulls(parquet_run, table):
    files = files_of(parquet_run.landing, table)
    assert files, f"no {table} files"
    for path in files:
        frame = pl.read_parquet(path)
        assert frame.columns == [c for c, _ in CONTRACT[table]], path.name
        for column, kind in CONTRACT[table]:
            dtype = frame.schema[column]
            if kind == TS:
                assert isinstance(dtype, pl.Datetime) and dtype.time_zone is None, column
            else:
                assert dtype == PARQUET_DTYPE[kind], (path.name, column, dtype)
            values = frame[column]
            if column not in NULLABLE:
                assert values.null_count() == 0, (path.name, column)
            allowed = _enum(table, column)
            if allowed is not None:
                assert set(values.drop_nulls().unique()) <= allowed, (path.name, column)
            if column in ID_PATTERN:
                assert _fullmatch(values.drop_nulls(), ID_PATTERN[column]).all(), column


@pytest.mark.parametrize("table", sorted(CONTRACT))
def test_csv_header_and_text_formats(csv_run, table):
    frame = read_table(csv_run.landing, table)
    assert frame.columns[:-2] == [c for c, _ in CONTRACT[table]]
    for column, kind in CONTRACT[table]:
        values = frame[column]
        if column not in NULLABLE:
            assert values.null_count() == 0, column
        present = values.drop_nulls()
        if kind in CSV_PATTERN:
            bad = present.filter(~_fullmatch(present, CSV_PATTERN[kind]))
            assert bad.len() == 0, (column, bad.head(3).to_list())
        allowed = _enum(table, column)
        if allowed is not None:
            assert set(present.unique()) <= allowed, column


def test_csv_files_are_utf8_with_header_only_once(csv_run):
    for table in CONTRACT:
        for path in files_of(csv_run.landing, table):
            text = path.read_bytes().decode("utf-8")
            header = ",".join(c for c, _ in CONTRACT[table])
            assert text.startswith(header + "\n")
            assert text.count(header) == 1


def test_landing_zone_holds_only_table_folders_of_monthly_files(parquet_run):
    entries = sorted(p.name for p in parquet_run.landing.iterdir())
    assert entries == sorted(CONTRACT)
    for table in CONTRACT:
        names = sorted(p.name for p in (parquet_run.landing / table).iterdir())
        expected = [f"{table}_2023-{m:02d}.parquet" for m in range(1, 7)]
        assert names == expected


def test_no_meter_reads_folder_without_ami(tmp_path):
    from datagen import generate

    generate(tmp_path / "l", tmp_path / "t", n_customers=20, n_months=2, seed=1)
    assert not (tmp_path / "l" / "meter_reads").exists()
    assert {p.name for p in (tmp_path / "l").iterdir()} == set(CONTRACT) - {"meter_reads"}


def test_pii_is_filled_with_plausible_fake_values(parquet_run):
    customers = read_table(parquet_run.landing, "customers")
    assert customers["full_name"].null_count() == 0
    assert customers["email"].drop_nulls().str.contains(r"@(\w+\.)?example\.(com|org)$").all()
    assert _fullmatch(customers["phone"].drop_nulls(), r"555-\d{3}-\d{4}").all()
    assert customers["address"].str.contains(r"^\d+ \w+ \w+, \w+$").all()
    assert customers["full_name"].n_unique() > 100
    people = customers.filter(pl.col("customer_class") == "residential")["full_name"]
    assert _fullmatch(people, r"[A-Z][a-z]+ [A-Z][a-z]+").all()
