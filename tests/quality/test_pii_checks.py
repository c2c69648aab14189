"""The no_pii check finds PII columns and values past staging, and never prints a value."""

import duckdb
import pytest

from orchestration.defs.quality.pii_checks import pii_findings


@pytest.fixture
def conn():
    connection = duckdb.connect()
    connection.execute("create schema raw")
    connection.execute(
        "create table raw.customers as select * from (values "
        "('C1', 'Ann Lee', '555-123-4567', 'ann@example.com', '1 Main St, North')) "
        "t(customer_id, full_name, phone, email, address)"
    )
    connection.execute("create schema marts")
    yield connection
    connection.close()


def test_clean_table_has_no_findings(conn):
    conn.execute(
        "create table marts.t as select 'C1' as customer_id, 'North' as region, "
        "'2023-06-05358479' as model_version, 12.5 as kwh"
    )
    assert pii_findings(conn, "marts.t") == []


def test_pii_columns_and_values_are_found_without_showing_them(conn):
    conn.execute(
        "create table marts.t as select * from (values "
        "('C1', 'Ann Lee', null, 'x'), ('C2', 'North', 'bob@corp.org', '(555) 987-6543'), "
        "('C3', '1 Main St, North', null, 'y')) t(customer_id, note, Email, contact)"
    )
    findings = pii_findings(conn, "marts.t")
    assert findings == [
        "marts.t: column Email is a PII column",
        "marts.t: column Email holds 1 value(s) that are or look like PII",
        "marts.t: column contact holds 1 value(s) that are or look like PII",
        "marts.t: column note holds 2 value(s) that are or look like PII",
    ]
    assert not any(v in "".join(findings) for v in ("Ann", "bob@", "555", "Main"))


def test_only_the_rows_in_scope_are_looked_at(conn):
    conn.execute(
        "create table marts.t as select * from (values "
        "('2024-05', 'Ann Lee'), ('2024-06', 'North')) t(as_of_month, note)"
    )
    latest = "as_of_month = (select max(as_of_month) from {table})"
    assert pii_findings(conn, "marts.t", latest) == []
