"""Publish segment tables for BI and marketing as one snapshot. The DuckDB file, the same
tables as Parquet (partitioned by as_of_month), the files handed in (the heat map) and a
manifest are built together in a folder of their own, `snapshots/<id>/`; then one pointer, the
symlink `current`, is switched to it by an atomic rename, and `current.json` gets a copy of
the manifest. A reader that resolves `current` once reads DuckDB and Parquet of one publish,
never a mix of two. No PII: only the columns listed here leave.

    published/
      snapshots/000041/ ...                        kept for readers still on it
      snapshots/000042/segments.duckdb, parquet/<table>/..., manifest.json, <files>
      current -> snapshots/000042                  the pointer
      current.json                                 the manifest of the snapshot it names
      segments.duckdb -> current/segments.duckdb   links for readers of one file
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass
from pathlib import Path

import duckdb

from contract.published import PUBLISHED_FILE, published_contract
from ml.services.actions import ACTION_COLUMNS
from ml.services.signals import SIGNAL_COLUMNS
from orchestration.defs.partitions import shift_month
from orchestration.defs.warehouse import connect_duckdb, quoted_identifier, table_exists

PUBLISHED_DB = "segments.duckdb"
PARQUET_DIR = "parquet"
SNAPSHOTS_DIR = "snapshots"
CURRENT = "current"
CURRENT_MANIFEST = "current.json"
MANIFEST = "manifest.json"
# A snapshot is built here, unseen, and renamed to its id when complete: a publish that stops
# half way leaves no numbered folder (the next publish deletes what it left).
BUILDING = ".building"
# Sequence numbers, not content hashes: two publishes of the same input are two snapshots
# whose table files are byte-identical, and an id is never reused while a reader may be on it.
SNAPSHOT_ID = re.compile(r"\d+")
# The current snapshot and the two before it stay: a reader that resolved `current` just before
# a publish can finish while two more publishes land. Older ones are deleted.
KEEP_SNAPSHOTS = 3
# The paths of the layout before snapshots that the first snapshot publish removes. The old
# parquet/ folder is not kept as a link: a Parquet reader opens one file after another, and
# through a link that moves between two opens it would mix two publishes. segments.duckdb
# (and each file handed in) does stay, as a link through `current`: one file, opened once.
LEGACY_PATHS = (
    PARQUET_DIR,
    f".{PARQUET_DIR}.building",
    f".{PARQUET_DIR}.old",
    f".{PUBLISHED_DB}.building.wal",
)
# BI tools embed older DuckDB releases than the pipeline's: the published file is written in a
# storage format they can open. v1.3.0 opens in DuckDB 1.3 and later (May 2025 on); v1.2.0 in
# DuckDB 1.2 and later; v1.1.0 in DuckDB 1.1 and later (checked with DuckDB 1.1.3 and 1.2.2:
# 1.1 refuses v1.2.0, 1.2 refuses v1.3.0). The older formats lack the newer string
# compression: at 1M customers x 36 months v1.2.0 writes the history in about 11 s more.
# Any version the installed DuckDB can write is accepted; the ATTACH refuses the others.
STORAGE_VARIABLE, DEFAULT_STORAGE_VERSION = "GRIDSEG_PUBLISH_STORAGE", "v1.3.0"
STORAGE_VERSION_FORMAT = re.compile(r"v\d+\.\d+\.\d+")

SEGMENT_COLUMNS = (
    "customer_id",
    "as_of_month",
    "segment_id",
    "segment_name",
    "value_score",
    "value_tier",
    "satisfaction_score",
    "value_satisfaction_cell",
    "credit_rating",
    "customer_class",
    "region",
    "recommended_strategy",
    "segment_reason",
    "model_version",
)

# Customers of `to_month` (the first parameter) who were also scored in `from_month` (the
# second), counted per pair of segments; stayers included.
MIGRATIONS = """
    select prev.segment_id as from_segment, cur.segment_id as to_segment,
        prev.as_of_month as from_month, cur.as_of_month as to_month, count(*) as n_customers
    from wh.ml.customer_segments_history as cur
    inner join wh.ml.customer_segments_history as prev using (customer_id)
    where cur.as_of_month = ? and prev.as_of_month = ? and prev.segment_id is not null
    group by all
"""

# A region is free text typed by a clerk: a name typed into it, or an extract whose full_name
# and region headers were swapped on a customer's first extract, is PII that no rule can tell
# from a district name. A region that fewer than this many customers hold in a month identifies
# them, whatever it is: it is published as SMALL_REGION (small-cell suppression), so such a
# value never leaves. Real districts hold many customers; the warehouse keeps the value.
MIN_REGION_VARIABLE, DEFAULT_MIN_REGION_CUSTOMERS = "GRIDSEG_MIN_REGION_CUSTOMERS", 5
SMALL_REGION = "other"
SMALL_REGIONS = """
    create temp table small_regions as
    select as_of_month, region, true as is_small
    from wh.ml.customer_segments_history
    where region is not null
    group by all
    having count(*) < ?
"""
PUBLISHED_SEGMENT_COLUMNS = ", ".join(
    f"case when is_small then '{SMALL_REGION}' else region end as region" if c == "region" else c
    for c in SEGMENT_COLUMNS
)
SEGMENTS = (
    f"select {PUBLISHED_SEGMENT_COLUMNS} from wh.ml.customer_segments_history "
    "left join small_regions using (as_of_month, region)"
)

# Published table -> SQL over the warehouse (attached as `wh`).
PUBLISHED_TABLES: dict[str, str] = {
    "customer_segments_history": SEGMENTS,
    # The current segmentation: every customer active in the latest month, once.
    "customer_segments": (
        f"{SEGMENTS} "
        "where as_of_month = (select max(as_of_month) from wh.ml.customer_segments_history)"
    ),
    "segment_profiles": "select * from wh.ml.segment_profiles",
    "segment_migrations": MIGRATIONS,
    "value_index_weights": "select * from wh.ml.value_index_weights",
    "segmentation_models": "select * from wh.ml.segmentation_models",
    "arrears_risk_models": "select * from wh.ml.arrears_risk_models",
    "arrears_risk_calibration": "select * from wh.ml.arrears_risk_calibration",
    # Personalised services (docs/services.md): the signals of every month, this month's action
    # list (the latest month with signals; empty when it has no action) and every month's.
    "customer_signals": f"select {', '.join(SIGNAL_COLUMNS)} from wh.ml.customer_signals",
    "service_actions": (
        f"select {', '.join(ACTION_COLUMNS)} from wh.ml.service_actions_history "
        "where as_of_month = (select max(as_of_month) from wh.ml.customer_signals)"
    ),
    "service_actions_history": (
        f"select {', '.join(ACTION_COLUMNS)} from wh.ml.service_actions_history"
    ),
    "segment_kpis": "select * from wh.ml.segment_kpis",
    "strategy_effects": "select * from wh.ml.strategy_effects",
}
# Written by assets downstream of scoring (orchestration/defs/effects/): a warehouse from before
# them publishes without them rather than failing (every pipeline run writes them, empty for a
# landing zone without campaigns).
OPTIONAL_TABLES = ("segment_kpis", "strategy_effects")

# Sort orders make the published files the same for the same input.
ORDER_BY = {
    "customer_segments_history": "as_of_month, customer_id",
    "customer_segments": "customer_id",
    "segment_profiles": "as_of_month, segment_id",
    "segment_migrations": "to_month, from_segment, to_segment",
    "value_index_weights": "model_version, level, criterion, method",
    "segmentation_models": "model_version",
    "arrears_risk_models": "model_version",
    "arrears_risk_calibration": "model_version, bin",
    "customer_signals": "as_of_month, customer_id",
    "service_actions": "action, action_rank",
    "service_actions_history": "as_of_month, action, action_rank",
    "segment_kpis": "as_of_month, segment_id nulls first",
    "strategy_effects": ("campaign_id, kpi, segment_id nulls first, relative_month nulls first"),
}
PARQUET_OPTIONS = "format parquet, compression zstd"
MONTH_KEY = re.compile(r"\d{4}-\d{2}")
PARTITIONED = (
    "customer_segments_history",
    "segment_profiles",
    "customer_segments",
    "customer_signals",
    "service_actions",
    "service_actions_history",
    "segment_kpis",
)
# The history tables: table -> the `ml` table whose replaced months (marked unpublished,
# orchestration/increment.py) are the months an appending publish rewrites. Their other months
# are taken from the previous snapshot: the DuckDB file copied with them in it, their Parquet
# files hard-linked (a published file is never written again, so a link is as good as a copy).
APPENDED = {
    "customer_segments_history": "customer_segments_history",
    "segment_profiles": "segment_profiles",
    "customer_signals": "customer_signals",
    "service_actions_history": "service_actions_history",
    "segment_kpis": "segment_kpis",
}
PARQUET_FILE = "part_0.parquet"
# Built one as_of_month at a time, each month sorted on its own: at 1M customers x 36 months,
# one ORDER BY over the whole history took 98 s of a 124 s publish; month by month, 42 s.
BY_MONTH = ("customer_segments_history", "customer_signals")
# Built one pair of calendar-consecutive months at a time (the query takes both as parameters).
BY_MONTH_PAIR = ("segment_migrations",)


def min_region_customers() -> int:
    """GRIDSEG_MIN_REGION_CUSTOMERS (default 5): the fewest customers a published region holds
    in a month; ValueError for a value that is not a whole number >= 1."""
    text = os.environ.get(MIN_REGION_VARIABLE, str(DEFAULT_MIN_REGION_CUSTOMERS)).strip()
    if not text.isdigit() or int(text) < 1:
        raise ValueError(f"{MIN_REGION_VARIABLE}={text!r} is not a whole number >= 1")
    return int(text)


def storage_version(setting: str | None = None) -> str:
    """The DuckDB storage version of the published file: `setting`, else GRIDSEG_PUBLISH_STORAGE,
    else v1.3.0. ValueError for a value that is not vMAJOR.MINOR.PATCH."""
    version = (
        os.environ.get(STORAGE_VARIABLE, DEFAULT_STORAGE_VERSION) if setting is None else setting
    )
    if not STORAGE_VERSION_FORMAT.fullmatch(version.strip()):
        raise ValueError(
            f"{STORAGE_VARIABLE}={version!r} is not a DuckDB storage version: use e.g. v1.3.0"
        )
    return version.strip()


# Files made from a snapshot's tables once they are written and before `current` moves: the
# published segments.duckdb in, {file name: bytes} out. They switch with the tables.
Render = Callable[[Path], Mapping[str, bytes]]


@dataclass(frozen=True)
class Snapshot:
    """One publish: its id, its folder and the row count of every published table."""

    snapshot_id: str
    path: Path
    counts: dict[str, int]


def publish(
    warehouse: Path,
    published_dir: Path,
    storage: str | None = None,
    files: Mapping[str, bytes] | None = None,
    keep: int = KEEP_SNAPSHOTS,
    render: Render | None = None,
    replaced: Mapping[str, Collection[str]] | None = None,
) -> Snapshot:
    """Build every published table from the warehouse into a new snapshot, in DuckDB storage
    version `storage` (default: storage_version()), with `files` (name -> bytes) beside them
    and the files `render` makes from the snapshot's own segments.duckdb (the report);
    then switch `current` to it and delete all but the newest `keep` snapshots. Readers see
    nothing of it until the switch.

    `replaced` (`ml` table -> months replaced since the previous publish) makes it append: the
    history tables (APPENDED) are rebuilt only for those months (and months the previous
    snapshot lacks), the rest comes from the current snapshot (appendable_snapshot). None, or
    no snapshot to append to: everything is written."""
    storage = storage_version(storage)
    files = dict(files or {})
    for name in files:
        _check_file_name(name)
    if keep < 1:
        raise ValueError(f"keep={keep}: the current snapshot at least is kept")
    published_dir = Path(published_dir)
    previous = None if replaced is None else appendable_snapshot(published_dir, storage)
    base = None
    if previous is not None and _keeps_a_month(previous[1], replaced):
        base = (previous, replaced)
    manifest = _build_snapshot(
        warehouse, published_dir / SNAPSHOTS_DIR, storage, files, render, base
    )
    _switch(published_dir, manifest)
    for name in (PUBLISHED_DB, *manifest["files"]):
        _replace_link(published_dir / name, f"{CURRENT}/{name}")
        (published_dir / f".{name}.building").unlink(missing_ok=True)  # the old layout's
    _remove_legacy(published_dir)
    _prune(published_dir / SNAPSHOTS_DIR, keep)
    counts = {table: entry["rows"] for table, entry in manifest["tables"].items()}
    return Snapshot(manifest["snapshot"], published_dir / manifest["path"], counts)


def _build_snapshot(
    warehouse: Path,
    snapshots: Path,
    storage: str,
    files: Mapping[str, bytes],
    render: Render | None = None,
    base: tuple[tuple[Path, dict], Mapping[str, Collection[str]]] | None = None,
) -> dict:
    """A complete snapshot in `snapshots/<next id>/`: built in `.building`, renamed when
    complete (a failure leaves nothing). Returns its manifest. With `base` ((previous snapshot
    folder, its manifest), replaced months), the history tables are appended to it."""
    building = snapshots / BUILDING
    shutil.rmtree(building, ignore_errors=True)
    building.mkdir(parents=True)
    try:
        tables = _build(warehouse, building, storage, base)
        if render is not None:
            rendered = render(building / PUBLISHED_DB)
            for name in rendered:
                _check_file_name(name)
            files = {**files, **rendered}
        for name, data in sorted(files.items()):
            (building / name).write_bytes(data)
        snapshot_id = _next_snapshot_id(snapshots)
        manifest = {
            "snapshot": snapshot_id,
            "path": f"{SNAPSHOTS_DIR}/{snapshot_id}",
            "duckdb": PUBLISHED_DB,
            "storage_version": storage,
            "tables": tables,
            "files": sorted(files),
            "publish_key": publish_key(storage),
        }
        if base is not None:
            manifest["appended_to"] = base[0][1]["snapshot"]
        _write_json(building / MANIFEST, manifest)
        os.replace(building, snapshots / snapshot_id)
    except Exception:
        shutil.rmtree(building, ignore_errors=True)
        raise
    return manifest


def current_snapshot(published_dir: Path) -> Path:
    """The folder of the current snapshot, `current` resolved once. Read every table of a
    session or query below it: resolving `current` again later may land in a newer publish."""
    return (Path(published_dir) / CURRENT).resolve(strict=True)


def _check_file_name(name: str) -> None:
    """ValueError unless `name` is a plain file name that no part of the snapshot uses."""
    if (
        Path(name).name != name
        or name.startswith(".")
        or name in (PUBLISHED_DB, PARQUET_DIR, MANIFEST)
    ):
        raise ValueError(f"{name!r} cannot be a published file name")


def publish_key(storage: str) -> str:
    """What, besides the warehouse, shapes the published rows and files: the storage version,
    the smallest published region, the writer, the contract and the DuckDB release. A snapshot
    is appended to only by a publish of the same key."""
    digest = hashlib.sha256()
    for part in (storage, str(min_region_customers()), duckdb.__version__):
        digest.update(part.encode() + b"\0")
    for source in (Path(__file__), PUBLISHED_FILE):
        digest.update(source.read_bytes() + b"\0")
    return digest.hexdigest()


def appendable_snapshot(published_dir: Path, storage: str) -> tuple[Path, dict] | None:
    """The current snapshot's folder and manifest when a publish can append to it: it was
    written with the same publish_key and holds the DuckDB file; None otherwise."""
    try:
        folder = current_snapshot(published_dir)
        manifest = json.loads((folder / MANIFEST).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    if manifest.get("publish_key") != publish_key(storage):
        return None
    if not (folder / PUBLISHED_DB).is_file():
        return None
    return folder, manifest


def _keeps_a_month(manifest: dict, replaced: Mapping[str, Collection[str]]) -> bool:
    """Whether an append to the snapshot of `manifest` keeps a month of a history table: when
    every month was replaced (a backfill), the snapshot is written whole instead."""
    for table, source in APPENDED.items():
        entry = manifest["tables"].get(table)
        if entry is not None and set(entry["as_of_months"]) - set(replaced.get(source, ())):
            return True
    return False


def _build(
    warehouse: Path,
    folder: Path,
    storage: str,
    base: tuple[tuple[Path, dict], Mapping[str, Collection[str]]] | None = None,
) -> dict[str, dict]:
    """Every published table into `folder`: `segments.duckdb` and `parquet/<table>/`. Returns
    the manifest entry of each table (rows, Parquet path, months for the partitioned ones).
    With `base`, the previous snapshot's DuckDB file is copied (a file copy, not rewritten) and
    the history tables get only the replaced months anew (_append). Paths and values reach
    DuckDB as parameters, never in the SQL text (a folder named o'brien broke the quoted
    paths)."""
    # offline and memory-bounded like every warehouse connection (unbounded, publishing a
    # 1M x 36 history peaked at 13 GB)
    # insertion order kept: the tables are written sorted and copied to Parquet in that order,
    # so the same input gives the same files
    conn = connect_duckdb(None)
    conn.execute("set preserve_insertion_order = true")
    tables: dict[str, dict] = {}
    if base is not None:
        shutil.copyfile(base[0][0] / PUBLISHED_DB, folder / PUBLISHED_DB)
    try:
        conn.execute("attach ? as wh (read_only)", [str(warehouse)])
        try:
            conn.execute(
                "attach ? as pub (storage_version ?)", [str(folder / PUBLISHED_DB), storage]
            )
        except duckdb.InvalidInputException as error:
            raise ValueError(
                f"{STORAGE_VARIABLE}={storage!r}: DuckDB cannot write that storage version "
                f"({str(error).splitlines()[0][:200]})"
            ) from error
        conn.execute(SMALL_REGIONS, [min_region_customers()])
        previous_tables = {} if base is None else base[0][1]["tables"]
        for table, query in PUBLISHED_TABLES.items():
            if table in OPTIONAL_TABLES and not table_exists(conn, "ml", table, catalog="wh"):
                conn.execute(f"drop table if exists pub.{table}")
                continue
            target = folder / PARQUET_DIR / table
            if base is not None and table in APPENDED and table in previous_tables:
                replaced = base[1].get(APPENDED[table], ())
                tables[table] = _append(
                    conn, table, query, target, base[0][0], previous_tables[table], replaced
                )
                continue
            if base is not None and table in BY_MONTH_PAIR and table in previous_tables:
                rewritten = tables["customer_segments_history"].get("rewritten_months")
                if rewritten is not None:
                    _append_month_pairs(conn, table, query, rewritten)
                    tables[table] = _export(conn, table, target)
                    continue
            conn.execute(f"drop table if exists pub.{table}")
            _create(conn, table, query)
            _comment(conn, table)
            tables[table] = _export(conn, table, target)
        conn.execute("detach pub")
        conn.execute("detach wh")
    finally:
        conn.close()
    return tables


def _append_month_pairs(
    conn: duckdb.DuckDBPyConnection, table: str, query: str, rewritten: Collection[str]
) -> None:
    """In the copied pub.<table> (the migrations), the pairs of months of which one was
    rewritten deleted and built again, as _create_by_month_pair builds them; the table is then
    exported whole (one small file, in ORDER_BY order)."""
    conn.execute(
        f"delete from pub.{table} where to_month in (select unnest(?)) "
        "or from_month in (select unnest(?))",
        [list(rewritten), list(rewritten)],
    )
    months = _months(conn, "wh.ml.customer_segments_history", table)
    for previous, month in zip(months, months[1:], strict=False):
        if shift_month(previous, 1) == month and (month in rewritten or previous in rewritten):
            conn.execute(
                f"insert into pub.{table} select * from ({query}) order by {ORDER_BY[table]}",
                [month, previous],
            )


def _append(
    conn: duckdb.DuckDBPyConnection,
    table: str,
    query: str,
    folder: Path,
    previous: Path,
    entry: dict,
    replaced: Collection[str],
) -> dict:
    """History table `table` of an appending publish: in the copied pub.<table>, the months
    `replaced` (and those the previous snapshot lacks) deleted and inserted from `query`, and
    months the warehouse no longer holds deleted; their Parquet files written, the other
    months' files hard-linked from the `previous` snapshot (never written in place).
    Returns the manifest entry."""
    source = APPENDED[table]
    months = _months(conn, f"wh.ml.{quoted_identifier(source)}", table)
    kept = set(entry["as_of_months"]) - set(replaced)
    rewrite = [m for m in months if m not in kept]
    gone = sorted(set(entry["as_of_months"]) - set(months))
    conn.execute(
        f"delete from pub.{table} where as_of_month in (select unnest(?))", [rewrite + gone]
    )
    for month in rewrite:
        conn.execute(
            f"insert into pub.{table} select * from ({query}) where as_of_month = ? "
            f"order by {ORDER_BY[table]}",
            [month],
        )
    rows = conn.execute(f"select count(*) from pub.{table}").fetchall()[0][0]
    folder.mkdir(parents=True)
    for month in months:
        target = folder / f"as_of_month={month}" / PARQUET_FILE
        target.parent.mkdir(parents=True, exist_ok=True)
        if month in kept:
            os.link(previous / entry["parquet"] / target.parent.name / PARQUET_FILE, target)
        else:
            _copy_month(conn, table, month, target)
    return {
        "rows": rows,
        "parquet": f"{PARQUET_DIR}/{table}",
        "as_of_months": months,
        "rewritten_months": rewrite,
    }


def _create(conn: duckdb.DuckDBPyConnection, table: str, query: str) -> None:
    """pub.<table> from `query`, in ORDER_BY order."""
    if table in BY_MONTH:
        _create_by_month(conn, table, query)
    elif table in BY_MONTH_PAIR:
        _create_by_month_pair(conn, table, query)
    else:
        conn.execute(
            f"create table pub.{table} as select * from ({query}) order by {ORDER_BY[table]}"
        )


def sql_literal(text: str) -> str:
    """`text` as a SQL string literal: in single quotes, each quote doubled. The one place
    where a value enters SQL text: COMMENT ON takes a literal, not a parameter (DuckDB 2.0
    rejects `is ?` and any expression at parse time), and DuckDB's standard strings know no
    other escape (a backslash is a backslash). A NUL would end the text early: ValueError."""
    if "\x00" in text:
        raise ValueError(f"a SQL string literal cannot hold a NUL character: {text[:80]!r}")
    return "'" + text.replace("'", "''") + "'"


def _comment(conn: duckdb.DuckDBPyConnection, table: str) -> None:
    """COMMENT ON pub.<table> and on each of its columns, the descriptions of
    contract/published.yaml (their one home), in column order: the same input gives the same
    comments. BI tools show them beside the table and column names. A column the contract
    does not describe stays without a comment (tests/contract checks that there is none)."""
    spec = published_contract()[table]
    conn.execute(f"comment on table pub.{table} is {sql_literal(spec.comment)}")
    columns = conn.execute(
        "select column_name from duckdb_columns() "
        "where database_name = 'pub' and schema_name = 'main' and table_name = ? "
        "order by column_index",
        [table],
    ).fetchall()
    for (name,) in columns:
        comment = spec.column_comment(name)
        if comment is not None:
            conn.execute(
                f"comment on column pub.{table}.{quoted_identifier(name)} is {sql_literal(comment)}"
            )


def _export(conn: duckdb.DuckDBPyConnection, table: str, folder: Path) -> dict:
    """pub.<table> as Parquet below `folder`; its manifest entry."""
    rows = conn.execute(f"select count(*) from pub.{table}").fetchall()[0][0]
    folder.mkdir(parents=True)
    if table in PARTITIONED:
        months = _copy_by_month(conn, table, folder)
        return {"rows": rows, "parquet": f"{PARQUET_DIR}/{table}", "as_of_months": months}
    conn.execute(
        f"copy (select * from pub.{table} order by {ORDER_BY[table]}) to ? ({PARQUET_OPTIONS})",
        [str(folder / "data.parquet")],
    )
    return {"rows": rows, "parquet": f"{PARQUET_DIR}/{table}/data.parquet"}


def _next_snapshot_id(snapshots: Path) -> str:
    """One more than the newest snapshot's id, six digits at least."""
    ids = _snapshot_ids(snapshots)
    return f"{int(ids[-1]) + 1 if ids else 1:06d}"


def _snapshot_ids(snapshots: Path) -> list[str]:
    """The ids of the complete snapshots, oldest first."""
    if not snapshots.is_dir():
        return []
    names = [p.name for p in snapshots.iterdir() if SNAPSHOT_ID.fullmatch(p.name) and p.is_dir()]
    return sorted(names, key=int)


def _switch(published_dir: Path, manifest: dict) -> None:
    """Point `current` at the manifest's snapshot, then copy the manifest to current.json. The
    link is the pointer; current.json is for readers that cannot follow a link. In the instant
    between the two renames they name different snapshots, each complete and kept."""
    _replace_link(published_dir / CURRENT, manifest["path"])
    _write_json(published_dir / CURRENT_MANIFEST, manifest)


def _replace_link(link: Path, target: str) -> None:
    """Make `link` a symlink to `target` (relative to the link's folder) in one step: a new link
    made aside and renamed over the old one or over a plain file (rename is atomic on POSIX, so
    a reader finds the old target or the new one, never nothing)."""
    if link.is_symlink() and os.readlink(link) == target:
        return
    aside = link.with_name(f".{link.name}.link")
    aside.unlink(missing_ok=True)
    os.symlink(target, aside)
    os.replace(aside, link)


def _write_json(path: Path, data: dict) -> None:
    """`data` as JSON (sorted keys), written aside and renamed into place."""
    aside = path.with_name(f".{path.name}.building")
    aside.write_text(json.dumps(data, indent=2, sort_keys=True) + "\n", encoding="utf-8")
    os.replace(aside, path)


def _remove_legacy(published_dir: Path) -> None:
    """Delete what the layout before snapshots left (LEGACY_PATHS)."""
    for name in LEGACY_PATHS:
        path = published_dir / name
        if path.is_dir() and not path.is_symlink():
            shutil.rmtree(path)
        elif path.exists() or path.is_symlink():
            path.unlink()


def _prune(snapshots: Path, keep: int) -> None:
    """Delete all but the newest `keep` snapshots (the newest is the current one)."""
    for old in _snapshot_ids(snapshots)[:-keep]:
        shutil.rmtree(snapshots / old, ignore_errors=True)


def _months(conn: duckdb.DuckDBPyConnection, relation: str, table: str) -> list[str]:
    """The as_of_month values of `relation`, in order; ValueError for a null or a value that is
    not YYYY-MM (it would name a Parquet folder)."""
    months = [
        m
        for (m,) in conn.execute(
            f"select distinct as_of_month from {relation} order by 1"
        ).fetchall()
    ]
    for month in months:
        if month is None:
            raise ValueError(f"published table {table}: rows without an as_of_month")
        if not MONTH_KEY.fullmatch(str(month)):
            raise ValueError(f"published table {table}: as_of_month {month!r} is not YYYY-MM")
    return months


def _create_by_month(conn: duckdb.DuckDBPyConnection, table: str, query: str) -> None:
    """pub.<table> from `query`, one as_of_month after another, each month in ORDER_BY order:
    the same rows in the same order as one ORDER BY over the whole table."""
    conn.execute(f"create table pub.{table} as select * from ({query}) limit 0")
    for month in _months(conn, f"({query})", table):
        conn.execute(
            f"insert into pub.{table} select * from ({query}) where as_of_month = ? order by {ORDER_BY[table]}",
            [month],
        )


def _create_by_month_pair(conn: duckdb.DuckDBPyConnection, table: str, query: str) -> None:
    """pub.<table> from `query` (parameters: a month and the month before it), for every pair of
    calendar-consecutive months of the scoring history (a gap month yields no pair), in
    ORDER_BY order. For the migrations, one join of two months per pair took 2.5 s at 1M x 36;
    one window over the whole history (lag by customer), 7-9 s."""
    conn.execute(f"create table pub.{table} as select * from ({query}) limit 0", [None, None])
    months = _months(conn, "wh.ml.customer_segments_history", table)
    for previous, month in zip(months, months[1:], strict=False):
        if shift_month(previous, 1) == month:
            conn.execute(
                f"insert into pub.{table} select * from ({query}) order by {ORDER_BY[table]}",
                [month, previous],
            )


def _copy_by_month(conn: duckdb.DuckDBPyConnection, table: str, folder: Path) -> list[str]:
    """pub.<table> as Parquet, one file per as_of_month in Hive layout
    (`as_of_month=YYYY-MM/part_0.parquet`, the month in the folder name, not in the file), each
    in ORDER_BY order, the order pub.<table> was written in. COPY ... PARTITION_BY interleaved
    its writers' chunks: the rows of a file, hence its bytes, changed from run to run. Returns
    the months."""
    months = _months(conn, f"pub.{table}", table)
    for month in months:
        target = folder / f"as_of_month={month}" / PARQUET_FILE
        target.parent.mkdir(parents=True, exist_ok=True)
        _copy_month(conn, table, month, target)
    return months


def _copy_month(conn: duckdb.DuckDBPyConnection, table: str, month: str, target: Path) -> None:
    """The rows of one as_of_month of pub.<table> as the Parquet file `target`. No ORDER BY:
    each month of pub.<table> was inserted in ORDER_BY order and insertion order is kept
    (preserve_insertion_order), so the scan returns the month's rows in that order (sorting
    again took 6 s of the publish at 1M x 36)."""
    conn.execute(
        f"copy (select * exclude (as_of_month) from pub.{table} where as_of_month = ?) "
        f"to ? ({PARQUET_OPTIONS})",
        [month, str(target)],
    )
