"""The data-quality summary a person reads after a run (the demo prints it).

Grain: one report per warehouse: rows quarantined by table and reason, rejected files (name,
rows, reason), whether received = accepted + quarantined + exact duplicates holds for every
table and batch, and whether every customer of the latest feature month was published once.
Read-only; it never shows row values (a quarantined customers row may hold PII).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import duckdb


def _rows(conn: duckdb.DuckDBPyConnection, sql: str) -> list[tuple]:
    return conn.execute(sql).fetchall()


@dataclass(frozen=True)
class QualityFigures:
    """The counts behind the report: quarantined rows by table and reason, rejected files,
    and the row and file accounting sums with the number of parts that do not add up."""

    quarantined: list[tuple[str, str, int]]
    rejected_files: list[tuple[str, int | None, str, bool]]
    rows_received: int
    rows_accepted: int
    rows_quarantined: int
    rows_exact_duplicate: int
    batches: int
    batches_unbalanced: int
    files_received: int
    files_loaded: int
    files_rejected: int
    files_duplicate: int
    files_rows_unknown: int
    tables_unbalanced: int

    @property
    def quarantined_total(self) -> int:
        return sum(n for *_, n in self.quarantined)


def quality_figures(conn: duckdb.DuckDBPyConnection) -> QualityFigures:
    """The quality counts of the warehouse on `conn` (read-only queries)."""
    quarantined = _rows(
        conn,
        """
        select table_name, reject_reason, count(*) from quality.quarantined_rows
        group by all order by 1, 3 desc, 2""",
    )
    rejected = _rows(
        conn,
        """
        select table_name || '/' || file_name, rows_in_file, reason, is_resolved
        from quality.rejected_files order by rejected_at, file_name""",
    )
    rows = _rows(
        conn,
        """
        select sum(rows_received), sum(rows_accepted), sum(rows_quarantined),
            sum(rows_exact_duplicate), count(*), count(*) filter (where not is_balanced)
        from quality.row_accounting""",
    )[0]
    files = _rows(
        conn,
        """
        select sum(files_received), sum(files_loaded), sum(files_rejected), sum(files_duplicate),
            sum(files_rows_unknown), count(*) filter (where not is_balanced)
        from quality.file_accounting""",
    )[0]
    return QualityFigures(
        [(t, r, int(n)) for t, r, n in quarantined],
        [(name, n, reason.split(": ", 1)[-1], bool(ok)) for name, n, reason, ok in rejected],
        *(int(v or 0) for v in rows),
        *(int(v or 0) for v in files),
    )


def quality_report(conn: duckdb.DuckDBPyConnection, published_db: Path | None = None) -> str:
    q = quality_figures(conn)
    lines = ["\nData quality:"]
    total = q.quarantined_total
    lines.append(f"  quarantined rows: {total:,}" + (" (by table and reason)" if total else ""))
    for table, reason, n in q.quarantined:
        lines.append(f"    {table:<17} {reason:<23} {n:>9,}")
    kept = " (kept in the landing zone)" if q.rejected_files else ""
    lines.append(f"  rejected files: {len(q.rejected_files)}{kept}")
    for name, n, reason, resolved in q.rejected_files:
        held = "? rows" if n is None else f"{n:,} rows"
        state = "resolved by a later file" if resolved else "open"
        lines.append(f"    {name} ({held}, {state}): {reason}")
    unbalanced = q.batches_unbalanced
    verdict = "add up" if not unbalanced else f"DO NOT add up in {unbalanced} batch(es)"
    lines.append(
        f"  row accounting ({q.batches} table x batch): received {q.rows_received:,} = accepted "
        f"{q.rows_accepted:,} + quarantined {q.rows_quarantined:,} + exact duplicates "
        f"{q.rows_exact_duplicate:,}: {verdict}"
    )
    unbalanced, unknown = q.tables_unbalanced, q.files_rows_unknown
    verdict = "add up" if not unbalanced else f"DO NOT add up in {unbalanced} table(s)"
    lines.append(
        f"  file accounting: received {q.files_received:,} = loaded {q.files_loaded:,} + rejected "
        f"{q.files_rejected:,} + duplicates {q.files_duplicate:,}"
        + (f" ({unknown} with rows that cannot be counted)" if unknown else "")
        + f": {verdict}"
    )
    if published_db is not None and Path(published_db).exists():
        lines.append("  " + _published_once(conn, Path(published_db)))
    return "\n".join(lines)


def _published_once(conn: duckdb.DuckDBPyConnection, published_db: Path) -> str:
    conn.execute("attach ? as published (read_only)", [str(published_db)])
    try:
        month, features, published, distinct = _rows(
            conn,
            """
            with latest as (select max(as_of_month) as m from marts.customer_features)
            select (select m from latest),
                (select count(*) from marts.customer_features
                 where as_of_month = (select m from latest)),
                (select count(*) from published.customer_segments),
                (select count(distinct customer_id) from published.customer_segments)""",
        )[0]
    finally:
        conn.execute("detach published")
    ok = features == published == distinct
    return f"published segments {month}: {published:,} rows for {features:,} active customers" + (
        ", each exactly once" if ok else " - MISMATCH"
    )
