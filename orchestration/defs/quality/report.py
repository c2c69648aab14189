"""The data-quality summary a person reads after a run (the demo prints it).

Grain: one report per warehouse: rows quarantined by table and reason, rejected files (name,
rows, reason), whether received = accepted + quarantined + exact duplicates holds for every
table and batch, and whether every customer of the latest feature month was published once.
Read-only; it never shows row values (a quarantined customers row may hold PII).
"""

from __future__ import annotations

from pathlib import Path

import duckdb


def _rows(conn: duckdb.DuckDBPyConnection, sql: str) -> list[tuple]:
    return conn.execute(sql).fetchall()


def quality_report(conn: duckdb.DuckDBPyConnection, published_db: Path | None = None) -> str:
    lines = ["\nData quality:"]
    quarantined = _rows(
        conn,
        """
        select table_name, reject_reason, count(*) from quality.quarantined_rows
        group by all order by 1, 3 desc, 2""",
    )
    total = sum(n for *_, n in quarantined)
    lines.append(f"  quarantined rows: {total:,}" + (" (by table and reason)" if total else ""))
    for table, reason, n in quarantined:
        lines.append(f"    {table:<17} {reason:<23} {n:>9,}")
    rejected = _rows(
        conn,
        """
        select table_name || '/' || file_name, rows_in_file, reason, is_resolved
        from quality.rejected_files order by rejected_at, file_name""",
    )
    kept = " (kept in the landing zone)" if rejected else ""
    lines.append(f"  rejected files: {len(rejected)}{kept}")
    for name, n, reason, resolved in rejected:
        held = "? rows" if n is None else f"{n:,} rows"
        state = "resolved by a later file" if resolved else "open"
        lines.append(f"    {name} ({held}, {state}): {reason.split(': ', 1)[-1]}")
    received, accepted, held, duplicates, unbalanced, batches = _rows(
        conn,
        """
        select sum(rows_received), sum(rows_accepted), sum(rows_quarantined),
            sum(rows_exact_duplicate), count(*) filter (where not is_balanced), count(*)
        from quality.row_accounting""",
    )[0]
    verdict = "add up" if not unbalanced else f"DO NOT add up in {unbalanced} batch(es)"
    lines.append(
        f"  row accounting ({batches} table x batch): received {received or 0:,} = accepted "
        f"{accepted or 0:,} + quarantined {held or 0:,} + exact duplicates {duplicates or 0:,}: "
        f"{verdict}"
    )
    files, loaded, rejected, duplicate, unknown, unbalanced = _rows(
        conn,
        """
        select sum(files_received), sum(files_loaded), sum(files_rejected), sum(files_duplicate),
            sum(files_rows_unknown), count(*) filter (where not is_balanced)
        from quality.file_accounting""",
    )[0]
    verdict = "add up" if not unbalanced else f"DO NOT add up in {unbalanced} table(s)"
    lines.append(
        f"  file accounting: received {files or 0:,} = loaded {loaded or 0:,} + rejected "
        f"{rejected or 0:,} + duplicates {duplicate or 0:,}"
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
