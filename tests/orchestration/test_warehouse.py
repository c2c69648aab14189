"""The warehouse connection helpers."""

import pytest

from orchestration.defs.warehouse import connect_duckdb, share_memory_limit


def limit_bytes(conn):
    value, unit = conn.execute("select current_setting('memory_limit')").fetchall()[0][0].split()
    return float(value) * {"MiB": 2**20, "GiB": 2**30}[unit]


@pytest.mark.parametrize("fraction", [0.5, 0.25])
def test_share_memory_limit_lowers_the_connection_limit(tmp_path, fraction):
    conn = connect_duckdb(tmp_path / "w.duckdb")
    conn.execute("set memory_limit = '4GiB'")
    share_memory_limit(conn, fraction)
    # DuckDB shows the limit to 0.1 GiB
    assert limit_bytes(conn) == pytest.approx(4 * 2**30 * fraction, rel=0.05)
    # the connection still works within the lower limit
    assert conn.execute("select count(*) from range(1000000)").fetchall() == [(1000000,)]
