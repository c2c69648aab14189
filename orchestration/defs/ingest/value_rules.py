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
# What the contract's ISO dates and timestamps look like: a date (`2024-06-01`, `2024/6/1`),
# optionally a time, and only with a time an offset (`Z`, `UTC`, `+02`, `+0200`, `+02:00`).
# Anything else is set aside, not guessed: DuckDB would read `epoch` as 1970-01-01, `infinity`
# as 9999-12-31, and drop a zone abbreviation (`EST`, `CEST`: ambiguous, CST is three zones).
DATE_TEXT = r"\d{4}[-/]\d{1,2}[-/]\d{1,2}"
TIME_TEXT = r"[T ]\d{1,2}:\d{2}(:\d{2}(\.\d+)?)?"
NAIVE = rf"{DATE_TEXT}({TIME_TEXT})?"
WITH_OFFSET = rf"{DATE_TEXT}{TIME_TEXT}\s*([zZ]|UTC|GMT|[+-]\d{{2}}(:?\d{{2}})?)"
# A plain decimal number, optionally with an exponent: `1_000`, `0x1`, `NaN` and `inf` are not.
NUMBER_TEXT = r"[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?"
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


def _decimal_text(cell: str, column: Column) -> str:
    """A DOUBLE expression of a text number, rounded half away from zero to the column's scale
    from its decimal text (1.005 is 1.01; through a double it would be 1.00)."""
    as_double = f"try_cast({cell} as double)"
    if column.scale is None:
        return as_double
    # DECIMAL(38, 9) holds every in-range value; a value beyond it falls back to the double,
    # which the range then rejects
    exact = f"round(try_cast({cell} as decimal(38, 9)), {int(column.scale)})"
    return f"coalesce(cast({exact} as double), {as_double})"


def parse_text(quoted: str, column: Column) -> str:
    """The typed value of a text cell (null for empty cells, null tokens and rejected values)."""
    cell = f"trim({quoted})"
    logical = column.type
    if logical in ("id", "str"):
        return quoted
    if logical in ("date", "ts"):
        # a time with an offset is a moment: its local time (and local day, for a date column:
        # 23:30Z on 31 May is 1 June in Berlin); without one, the text is already local
        # Z, UTC and GMT as +00:00, and no space before the offset: the spellings DuckDB reads
        utc = f"regexp_replace({cell}, '\\s*([zZ]|UTC|GMT)$', '+00:00')"
        moment = f"regexp_replace({utc}, '(\\d)\\s+([+-]\\d)', '\\1\\2')"
        local = f"timezone({TZ}, try_cast({moment} as timestamptz))"
        naive = f"try_cast({cell} as {'date' if logical == 'date' else 'timestamp'})"
        if logical == "date":
            local = f"cast({local} as date)"
        return (
            f"case when regexp_full_match({cell}, '{NAIVE}') then {naive} "
            f"when regexp_full_match({cell}, '{WITH_OFFSET}') then {local} end"
        )
    if logical == "bool":
        whens = " ".join(
            f"when '{token}' then {str(value).lower()}"
            for value, tokens in BOOLEANS.items()
            for token in tokens
        )
        return f"case lower({cell}) {whens} end"
    number = _number(_decimal_text(cell, column), column)
    return f"case when regexp_full_match({cell}, '{NUMBER_TEXT}') then {number} end"


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
    else:
        target = {"id": "varchar", "date": "date", "ts": "timestamp", "bool": "boolean"}
        typed = f"cast({quoted} as {target[column.type]})"
    if column.type in ("date", "ts"):
        # a Parquet date or timestamp may hold infinity: no day a bill can have
        typed = f"case when isfinite({quoted}) then {typed} end"
        return ValueSql(typed, f"({quoted} is not null and not isfinite({quoted}))", as_text)
    return ValueSql(typed, "false", as_text)


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
