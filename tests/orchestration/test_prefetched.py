"""The month-by-month reader that overlaps reading the next month with work on the current one."""

import duckdb

from orchestration.defs.segmentation.warehouse_io import prefetched


def test_prefetched_yields_every_month_in_order_with_its_own_rows():
    conn = duckdb.connect()
    conn.execute(
        "create table t as select printf('2025-%02d', m) as month, i "
        "from range(1, 4) as a(m), range(5) as b(i)"
    )

    def read(cursor, month):
        return cursor.execute(
            "select count(*), min(month) from t where month = ?", [month]
        ).fetchall()

    got = list(prefetched(conn, ["2025-03", "2025-01", "2025-02"], read))
    assert got == [
        ("2025-03", [(5, "2025-03")]),
        ("2025-01", [(5, "2025-01")]),
        ("2025-02", [(5, "2025-02")]),
    ]
    assert list(prefetched(conn, [], read)) == []
    # the connection is still usable: the second cursor was closed, not the connection
    assert conn.execute("select count(*) from t").fetchall() == [(15,)]
