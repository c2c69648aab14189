"""How far two tables of customer x month features agree: the rows they share and, column by
column, the share of shared rows whose values are equal (numbers to a relative 1e-6, so that
the float sums of the pandas baseline match the exact decimals of SQL; both null counts as
equal). The benchmark uses it to show that its references compute what customer_features
computes, and tests/bench to check the two references against each other.
"""

from __future__ import annotations

import duckdb

from orchestration.defs.warehouse import quoted_identifier

KEYS = ("customer_id", "as_of_month")
NUMERIC = ("TINYINT", "SMALLINT", "INTEGER", "BIGINT", "HUGEINT", "FLOAT", "DOUBLE", "DECIMAL")


def columns_of(conn: duckdb.DuckDBPyConnection, source: str, params: list) -> dict[str, str]:
    """{column: DuckDB type} of a table expression (`source`: SQL text of the code)."""
    rows = conn.execute(f"describe select * from {source}", params).fetchall()
    return {name: kind for name, kind, *_ in rows}


def agreement(
    conn: duckdb.DuckDBPyConnection,
    left: str,
    left_params: list,
    right: str,
    right_params: list,
    columns: list[str] | None = None,
) -> dict:
    """{'rows_left', 'rows_right', 'rows_shared', 'columns': {column: share equal}} of two
    table expressions (SQL text of the code: a table name or `read_parquet(?)`, whose values
    come in `*_params`), joined on customer and month. `columns`: those compared (default:
    every column both have besides the keys)."""
    left_types = columns_of(conn, left, left_params)
    right_types = columns_of(conn, right, right_params)
    shared = [c for c in left_types if c in right_types and c not in KEYS]
    compared = [c for c in (columns or shared) if c in shared]
    tests = []
    for column in compared:
        name = quoted_identifier(column)
        numeric = all(
            (types[column].split("(")[0] in NUMERIC) for types in (left_types, right_types)
        )
        if numeric:
            l_value, r_value = f"cast(l.{name} as double)", f"cast(r.{name} as double)"
            equal = (
                f"(l.{name} is null and r.{name} is null) or abs({l_value} - {r_value}) <= "
                f"1e-6 * greatest(1, abs({l_value}), abs({r_value}))"
            )
        else:
            equal = f"l.{name} is not distinct from r.{name}"
        tests.append(f"avg(case when {equal} then 1.0 else 0.0 end)")
    keys = " and ".join(f"l.{k} = r.{k}" for k in KEYS)
    (rows_left,) = conn.execute(f"select count(*) from {left}", left_params).fetchall()[0]
    (rows_right,) = conn.execute(f"select count(*) from {right}", right_params).fetchall()[0]
    row = conn.execute(
        f"select count(*){''.join(', ' + t for t in tests)} "
        f"from {left} as l inner join {right} as r on {keys}",
        left_params + right_params,
    ).fetchall()[0]
    return {
        "rows_left": rows_left,
        "rows_right": rows_right,
        "rows_shared": row[0],
        "columns": {c: float(share or 0.0) for c, share in zip(compared, row[1:], strict=True)},
    }
