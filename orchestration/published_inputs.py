"""Is the published snapshot up to date? A rerun with nothing new says so and skips the rebuild.

After a run that rebuilt and published every month with bills (`make demo`, `make rebuild`, a
backfill of every month), `quality.published_inputs` records what the snapshot was built from:

- the loaded landing batches (raw.ingest_files, in load order),
- the current model versions (data/models/current.json, data/models/arrears_risk/current.json),
- the code and settings that shape the outputs: a hash of the dbt project, ml/, orchestration/,
  the contracts and expectations, and every GRIDSEG_* setting except locations and memory.

A later run finds the snapshot up to date when, after its ingest, all three are unchanged, the
snapshot is still the current one, and no month's feature inputs changed since it was scored
(orchestration/increment.py). The same inputs and code then give the same snapshot, byte for
byte (tests/e2e/test_pipeline.py), so the rest of the run is skipped. The record lives in the
warehouse: a rebuilt warehouse has none, and builds.
"""

from __future__ import annotations

import hashlib
import os
from dataclasses import astuple, dataclass

import duckdb

from orchestration.defs.publish.writer import current_snapshot
from orchestration.defs.segmentation.model_store import RISK_MODELS_DIR, current_model_version
from orchestration.defs.warehouse import MEMORY_VARIABLE, connect_duckdb, table_exists
from orchestration.increment import pending_window
from orchestration.settings import LOCATION_VARIABLES, PROJECT_ROOT, Paths

INPUTS_TABLE = "quality.published_inputs"
# What shapes the outputs besides the data: every source file below these (project-relative).
CODE_PATHS = (
    "contract",
    "dbt_project/dbt_project.yml",
    "dbt_project/macros",
    "dbt_project/models",
    "dbt_project/seeds",
    "expectations",
    "ml",
    "orchestration",
)
CODE_SUFFIXES = {".py", ".sql", ".yml", ".yaml", ".json", ".csv"}
SETTINGS_PREFIX = "GRIDSEG_"
# Settings that do not change what is computed: where things are, how much memory DuckDB gets.
NEUTRAL_SETTINGS = {*LOCATION_VARIABLES, MEMORY_VARIABLE}


@dataclass(frozen=True)
class BuildInputs:
    """What a published snapshot is built from, besides the month window."""

    loaded_batches: str
    model_version: str
    code: str


def code_fingerprint(environ: dict[str, str] | None = None) -> str:
    """A hash of the source files of CODE_PATHS (path and content) and of the settings that
    shape the outputs."""
    environ = dict(os.environ) if environ is None else environ
    digest = hashlib.sha256()
    files = []
    for relative in CODE_PATHS:
        root = PROJECT_ROOT / relative
        candidates = [root] if root.is_file() else root.rglob("*")
        files += [
            path
            for path in candidates
            if path.is_file() and path.suffix in CODE_SUFFIXES and "__pycache__" not in path.parts
        ]
    for path in sorted(files):
        digest.update(path.relative_to(PROJECT_ROOT).as_posix().encode() + b"\0")
        digest.update(hashlib.sha256(path.read_bytes()).digest())
    for name in sorted(environ):
        if name.startswith(SETTINGS_PREFIX) and name not in NEUTRAL_SETTINGS:
            digest.update(f"{name}={environ[name]}\0".encode())
    return digest.hexdigest()


def loaded_batches(conn: duckdb.DuckDBPyConnection) -> str:
    """A hash of the batches loaded into raw, in load order ('' before the first load)."""
    if not table_exists(conn, "raw", "ingest_files"):
        return ""
    (batches,) = conn.execute(
        "select coalesce(string_agg(batch_id, ',' order by batch_seq), '') "
        "from raw.ingest_files where status = ?",
        ["loaded"],
    ).fetchall()[0]
    return hashlib.sha256(batches.encode()).hexdigest()


def build_inputs(conn: duckdb.DuckDBPyConnection, paths: Paths) -> BuildInputs:
    # the segmentation model's version, and the arrears-risk model's once there is one
    versions = [current_model_version(paths.models) or ""]
    risk = current_model_version(paths.models / RISK_MODELS_DIR)
    model_version = "+".join(versions + ([risk] if risk else []))
    return BuildInputs(loaded_batches(conn), model_version, code_fingerprint())


def _snapshot_id(paths: Paths) -> str | None:
    try:
        return current_snapshot(paths.published).name
    except OSError:
        return None


def record_published(paths: Paths) -> str | None:
    """After a run that rebuilt and published every month with bills: record what the current
    snapshot was built from; returns its id (None: nothing published)."""
    snapshot = _snapshot_id(paths)
    if snapshot is None:
        return None
    conn = connect_duckdb(paths.warehouse)
    try:
        inputs = build_inputs(conn, paths)
        conn.execute("create schema if not exists quality")
        # one row, replaced in one statement: atomic without an explicit transaction
        conn.execute(
            f"create or replace table {INPUTS_TABLE} as select ?::varchar as snapshot_id, "
            "?::varchar as loaded_batches, ?::varchar as model_version, ?::varchar as code",
            [snapshot, *astuple(inputs)],
        )
    finally:
        conn.close()
    return snapshot


def unchanged_snapshot(paths: Paths) -> str | None:
    """The current snapshot's id when rebuilding would publish it again: it is the snapshot
    recorded, from the same batches, model and code, and no month waits for a refresh.
    None otherwise."""
    snapshot = _snapshot_id(paths)
    if snapshot is None or not paths.warehouse.exists():
        return None
    conn = connect_duckdb(paths.warehouse, read_only=True)
    try:
        if not table_exists(conn, *INPUTS_TABLE.split(".")):
            return None
        recorded = conn.execute(
            f"select snapshot_id, loaded_batches, model_version, code from {INPUTS_TABLE}"
        ).fetchall()
        pending = pending_window(conn)
        current = (snapshot, *astuple(build_inputs(conn, paths)))
    finally:
        conn.close()
    if recorded != [current] or pending is None or pending[1]:
        return None
    return snapshot
