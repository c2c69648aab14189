"""How one landing value becomes its contract type, or is set aside with its text.

Grain: one SQL expression triple per column (typed value, "present but rejected" flag, text as
sent). The contract's domain is judged here, at ingest, so that staging's casts never fail:
- numbers parse, are finite (NaN and infinities are rejected), lie within the column's
  [min, max] and, for integers, are whole (`4.5` is not a satisfaction score);
- a timestamp with an offset (`+02:00`, `Z`) or a Parquet TIMESTAMP WITH TIME ZONE is converted
  to the utility's zone; naive timestamps are already local;
- in a typed column, the contract's null tokens (`NULL`, `N/A`, ...) mean no value.
A rejected value is null in its typed column and keeps its text in `_unparsed`; staging
quarantines the row (bad_number, bad_date, invalid_enum). Values and the zone reach SQL as
session variables set from parameters (`prepare_session`), never formatted into it; the
numeric bounds come from the contract file and are formatted as validated floats.
"""

from __future__ import annotations

from dataclasses import dataclass

import duckdb

from contract import Column
from orchestration.defs.ingest.landing_contract import CONTRACT, TIMESTAMP_WITH_ZONE

TZ = "getvariable('gridseg_timezone')"
NULL_TOKENS = "getvariable('gridseg_null_tokens')"
# A time of day followed by an offset: `Z`, `+02`, `+0200`, `+02:00`.
OFFSET = r"\d:\d{2}(:\d{2}(\.\d+)?)?\s*([zZ]|[+-]\d{2}(:?\d{2})?)$"
INT32 = (-(2**31), 2**31 - 1)
BOOLEANS = {
    True: ("true", "1", "y", "yes", "t"),
    False: ("false", "0", "n", "no", "f"),
}


@dataclass(frozen=True)
class ValueSql:
    typed: str  # the value in its warehouse type, null when absent or rejected
    rejected: str  # true when a value was sent but is not acceptable
    text: str  # the value as sent, for `_unparsed`


def prepare_session(conn: duckdb.DuckDBPyConnection, timezone: str) -> None:
    """Set the session variables the expressions read; ValueError for an unknown zone."""
    known = conn.execute(
        "select count(*) from pg_timezone_names() where name = ?", [timezone]
    ).fetchall()[0][0]
    if not known:
        raise ValueError(f"time zone {timezone!r} is not an IANA zone name (e.g. Europe/Berlin)")
    conn.execute("set variable gridseg_timezone = ?", [timezone])
    conn.execute("set variable gridseg_null_tokens = ?", [list(CONTRACT.null_tokens)])


def _literal(number: float) -> str:
    return repr(float(number))  # a float from the contract file: cannot carry SQL


def _in_domain(value: str, column: Column) -> str:
    """`value` (a DOUBLE expression) is finite, within the column's bounds and, for an integer
    column, whole."""
    low, high = column.min, column.max
    if column.type == "int":
        low = INT32[0] if low is None else max(low, INT32[0])
        high = INT32[1] if high is None else min(high, INT32[1])
    rules = [f"isfinite({value})"]
    if low is not None:
        rules.append(f"{value} >= {_literal(low)}")
    if high is not None:
        rules.append(f"{value} <= {_literal(high)}")
    if column.type == "int":
        rules.append(f"{value} = trunc({value})")
    return " and ".join(rules)


def _number(value: str, column: Column) -> str:
    """A DOUBLE expression `value` as the column's type, null outside its domain."""
    target = "integer" if column.type == "int" else "double"
    return f"case when {_in_domain(value, column)} then cast({value} as {target}) end"


def parse_text(quoted: str, column: Column) -> str:
    """The typed value of a text cell (null for empty cells, null tokens and rejected values)."""
    cell = f"trim({quoted})"
    logical = column.type
    if logical in ("id", "str"):
        return quoted
    if logical in ("date", "ts"):
        # a time with an offset is a moment: its local time (and local day, for a date column:
        # 23:30Z on 31 May is 1 June in Berlin); without one, the text is already local
        local = f"timezone({TZ}, try_cast({cell} as timestamptz))"
        naive = f"try_cast({cell} as {'date' if logical == 'date' else 'timestamp'})"
        if logical == "date":
            local = f"cast({local} as date)"
        return f"case when regexp_matches({cell}, '{OFFSET}') then {local} else {naive} end"
    if logical == "bool":
        whens = " ".join(
            f"when '{token}' then {str(value).lower()}"
            for value, tokens in BOOLEANS.items()
            for token in tokens
        )
        return f"case lower({cell}) {whens} end"
    return _number(f"try_cast({cell} as double)", column)


def text_present(quoted: str) -> str:
    """A cell that holds a value: not empty and not a null token."""
    return f"(nullif(trim({quoted}), '') is not null and not list_contains({NULL_TOKENS}, trim({quoted})))"


def parses_as_type(quoted: str, column: Column) -> str:
    """A present text cell that is of the column's type, whatever its domain (a file column
    none of whose values is of its type is the wrong column, and the file is rejected)."""
    if column.type in ("float", "int"):
        return f"try_cast(trim({quoted}) as double) is not null"
    return f"{parse_text(quoted, column)} is not null"


def from_text(column: Column) -> ValueSql:
    quoted = f'"{column.name}"'
    if column.type in ("id", "str"):
        return ValueSql(quoted, "false", quoted)
    typed = parse_text(quoted, column)
    present = text_present(quoted)
    return ValueSql(
        f"case when {present} then {typed} end", f"({present} and {typed} is null)", quoted
    )


def from_parquet(column: Column, found: str) -> ValueSql:
    """The value of a Parquet column of DuckDB type `found` (already one the contract allows)."""
    quoted = f'"{column.name}"'
    base = found.split("(")[0]
    if base == "VARCHAR":
        return from_text(column)
    as_text = f"cast({quoted} as varchar)"
    if column.type in ("float", "int"):
        typed = _number(f"cast({quoted} as double)", column)
        return ValueSql(typed, f"({quoted} is not null and {typed} is null)", as_text)
    if base == TIMESTAMP_WITH_ZONE:
        local = f"timezone({TZ}, {quoted})"
        typed = local if column.type == "ts" else f"cast({local} as date)"
        return ValueSql(typed, "false", as_text)
    target = {"id": "varchar", "date": "date", "ts": "timestamp", "bool": "boolean"}[column.type]
    return ValueSql(f"cast({quoted} as {target})", "false", as_text)


def unparsed_json(values: dict[str, ValueSql]) -> str:
    """`_unparsed`: a JSON object of the text of each rejected value, null when none was."""
    judged = {name: v for name, v in values.items() if v.rejected != "false"}
    if not judged:
        return "cast(null as varchar)"
    any_rejected = " or ".join(v.rejected for v in judged.values())
    pairs = ", ".join(
        f"'{name}', case when {v.rejected} then {v.text} end" for name, v in judged.items()
    )
    # merge-patching onto {} drops the null members: only the rejected values remain
    return (
        f"case when {any_rejected} "
        f"then cast(json_merge_patch('{{}}', json_object({pairs})) as varchar) end"
    )
