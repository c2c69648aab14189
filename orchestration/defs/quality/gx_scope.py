"""Which rows each Great Expectations suite validates: only new data, bounded.

- raw tables: the rows of the latest load (every batch that the most recent ingest which
  loaded anything added to `raw.<table>`), as received: typed values back as text, and the
  text of values that did not parse (kept in `_unparsed`) in their place, so the suites judge
  what the source sent. PII columns are never read: results and Data Docs show sample values.
  Bounded to RAW_SAMPLE_ROWS by a repeatable reservoir sample: at 1M customers a monthly
  bills load is ~1M rows; validating all of it in pandas took 5.1 s and 1.4 GB peak RSS,
  a 200k sample 1.3 s and 0.6 GB, and still measures a 5% `mostly` threshold to +-0.1%.
- published tables: ml.customer_segments_history and ml.segment_profiles for their latest
  as_of_month (what publishing writes as the current segmentation); ml.segmentation_models
  and ml.value_index_weights for the current (latest trained) model.

Every function returns (frame, facts): a pandas DataFrame and metadata about the scope.
"""

from __future__ import annotations

import duckdb
import pandas as pd

from orchestration.defs.ingest.landing_contract import CONTRACT, LANDING_TABLES, PII_COLUMNS

RAW_SAMPLE_ROWS = 200_000
SAMPLE_SEED = 42


def _frame(conn: duckdb.DuckDBPyConnection, sql: str, params: list | None = None) -> pd.DataFrame:
    return conn.sql(sql, params=params or None).to_arrow_table().to_pandas()


def _as_received(table: str, column: str, logical: str) -> str:
    quoted = f'"{column}"'
    folding = CONTRACT.tables[table].columns[column].case
    if folding in ("lower", "upper"):
        # an enum code is judged as staging judges it: trimmed and case-folded ('Residential '
        # is residential), so the suite blocks only what staging would quarantine
        return f"{folding}(trim({quoted})) as {quoted}"
    if logical in ("id", "str"):
        return quoted
    return (
        f"coalesce(cast({quoted} as varchar), json_extract_string(_unparsed, '$.{column}')) "
        f"as {quoted}"
    )


def raw_latest_load(conn: duckdb.DuckDBPyConnection, table: str) -> tuple[pd.DataFrame, dict]:
    """The latest load of raw.<table>, as received, sampled to at most RAW_SAMPLE_ROWS."""
    batches = conn.execute(
        """
        select batch_id, file_name, rows from raw.ingest_files
        where table_name = ? and status = 'loaded' and processed_at = (
            select max(processed_at) from raw.ingest_files
            where table_name = ? and status = 'loaded'
        )
        order by batch_seq
        """,
        [table, table],
    ).fetchall()
    columns = ", ".join(
        _as_received(table, c, t) for c, t in LANDING_TABLES[table].items() if c not in PII_COLUMNS
    )
    # The sample draws row ids only, then reads and rebuilds the text of the sampled rows:
    # rebuilding a 36-month backfill's 36 M bills before sampling took 30 s, sampling whole
    # rows 5 s, sampling their row ids 1.4 s (the same rows).
    frame = _frame(
        conn,
        f"select {columns} from raw.{table} where rowid in ("
        f"select rowid from (select rowid from raw.{table} where _batch_id in (select unnest(?))) "
        f"using sample reservoir({RAW_SAMPLE_ROWS} rows) repeatable ({SAMPLE_SEED})"
        ") order by rowid",
        [[b[0] for b in batches]],
    )
    rows_in_scope = sum(b[2] for b in batches)
    return frame, {
        "scope": "latest load" if batches else "no file loaded yet",
        "files": [b[1] for b in batches],
        "rows_in_scope": rows_in_scope,
        "sampled": rows_in_scope > len(frame),
    }


def latest_month(conn: duckdb.DuckDBPyConnection, table: str) -> tuple[pd.DataFrame, dict]:
    """ml.<table> rows of its latest as_of_month."""
    month = conn.execute(f"select max(as_of_month) from ml.{table}").fetchall()[0][0]
    frame = _frame(conn, f"select * from ml.{table} where as_of_month = ?", [month])
    return frame, {"scope": "latest month", "as_of_month": month}


def current_model(conn: duckdb.DuckDBPyConnection, table: str) -> tuple[pd.DataFrame, dict]:
    """ml.<table> rows of the latest trained model version."""
    version = conn.execute(
        "select model_version from ml.segmentation_models order by trained_at desc limit 1"
    ).fetchall()
    version = version[0][0] if version else None
    frame = _frame(conn, f"select * from ml.{table} where model_version = ?", [version])
    return frame, {"scope": "current model", "model_version": version}
