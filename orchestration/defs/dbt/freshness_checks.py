"""dbt source freshness as Dagster asset checks: one check per raw table, on its ingest asset
raw/<table>.

`dbt source freshness` judges them, on the warehouse, with the thresholds of the dbt sources
YAML (dbt_project/models/staging/_landing__sources.yml: the one home of the thresholds and of
the loaded_at field). One dbt invocation answers every selected table; its sources.json gives
each table's status, the age of its newest load and the thresholds it was judged against.

A table the contract marks optional (meter_reads) passes while it holds no row: a utility
without smart meters never sends one. dbt dates an empty table's newest load to year 1.
"""

import json
from collections.abc import Iterator, Mapping
from datetime import datetime
from typing import Any

import dagster as dg
from dagster_dbt import DbtCliResource

from contract import landing_contract
from orchestration.defs.dbt.cli_args import target_args
from orchestration.defs.dbt.project import dbt_project
from orchestration.defs.warehouse import WAREHOUSE_POOL, GridSegPaths
from orchestration.engine import export_landing_for_engine

CHECK_NAME = "dbt_source_freshness"
SOURCE = "landing"
# dbt's max_loaded_at of a table without rows (adapters' _create_freshness_response)
NO_ROWS_YEAR = 1
SEVERITY = {"warn": dg.AssetCheckSeverity.WARN}


def freshness_tables(manifest: Mapping[str, Any]) -> list[str]:
    """The landing tables whose dbt source has freshness thresholds, in contract order."""
    configured = {
        source["name"]
        for source in manifest["sources"].values()
        if source["source_name"] == SOURCE and source.get("freshness")
    }
    return [table for table in landing_contract().tables if table in configured]


def _threshold(criteria: Mapping[str, Any], level: str) -> str:
    rule = criteria.get(f"{level}_after") or {}
    if not rule.get("count"):
        return f"no {level} threshold"
    return f"{level} after {rule['count']} {rule['period']}(s)"


def _age(seconds: float) -> str:
    days, rest = divmod(int(seconds), 86_400)
    return f"{days} d {rest // 3600} h"


def freshness_result(table: str, result: Mapping[str, Any] | None) -> dg.AssetCheckResult:
    """The check result of raw/<table> from its entry in dbt's sources.json (None: dbt returned
    none)."""
    name = f"raw.{table} (dbt source {SOURCE}.{table})"
    check = {"asset_key": dg.AssetKey(["raw", table]), "check_name": CHECK_NAME}
    if result is None or result.get("status") == "runtime error":
        message = (result or {}).get("error") or "dbt source freshness returned no result"
        return dg.AssetCheckResult(
            **check,
            passed=False,
            severity=dg.AssetCheckSeverity.ERROR,
            description=f"{name}: freshness not measured: {message}",
        )
    criteria = result.get("criteria") or {}
    thresholds = f"{_threshold(criteria, 'warn')}, {_threshold(criteria, 'error')}"
    newest = datetime.fromisoformat(result["max_loaded_at"])
    metadata = {
        "status": result["status"],
        "thresholds": thresholds,
        "max_loaded_at": None if newest.year == NO_ROWS_YEAR else newest.isoformat(),
        "age_hours": round(result["max_loaded_at_time_ago_in_s"] / 3600, 1),
    }
    if newest.year == NO_ROWS_YEAR:
        optional = not landing_contract().tables[table].required
        return dg.AssetCheckResult(
            **check,
            passed=optional,
            severity=dg.AssetCheckSeverity.ERROR,
            description=f"{name}: no row loaded yet"
            + (" (an optional table)" if optional else f"; {thresholds}"),
            metadata={**metadata, "age_hours": None},
        )
    age = _age(result["max_loaded_at_time_ago_in_s"])
    status = result["status"]
    description = f"{name}: newest load {newest:%Y-%m-%d %H:%M}, {age} ago ({status}; {thresholds})"
    return dg.AssetCheckResult(
        **check,
        passed=status == "pass",
        severity=SEVERITY.get(status, dg.AssetCheckSeverity.ERROR),
        description=description,
        metadata=metadata,
    )


def build_freshness_checks(manifest: Mapping[str, Any]) -> dg.AssetChecksDefinition:
    """One multi-asset check: a `dbt_source_freshness` check on raw/<table> for every landing
    table with thresholds; a run of any subset is one `dbt source freshness`."""
    tables = freshness_tables(manifest)

    @dg.multi_asset_check(
        specs=[
            dg.AssetCheckSpec(
                CHECK_NAME,
                asset=dg.AssetKey(["raw", table]),
                description=f"Warns when the newest extract of {table} is late and fails when "
                "it is very late, by `dbt source freshness` on _loaded_at with the thresholds "
                "of the dbt sources YAML.",
            )
            for table in tables
        ],
        name="dbt_source_freshness_checks",
        can_subset=True,
        pool=WAREHOUSE_POOL,  # dbt opens the warehouse file
    )
    def _freshness(
        context: dg.AssetCheckExecutionContext, dbt: DbtCliResource, gridseg: GridSegPaths
    ) -> Iterator[dg.AssetCheckResult]:
        gridseg.paths().export_env()
        export_landing_for_engine(gridseg)
        selected = [key.asset_key.path[-1] for key in context.selected_asset_check_keys]
        selection = " ".join(f"source:{SOURCE}.{table}" for table in selected)
        # a stale source makes dbt exit non-zero: the statuses are read from sources.json
        invocation = dbt.cli(
            ["source", "freshness", *target_args(), "--select", selection], raise_on_error=False
        )
        invocation.wait()
        try:
            results = {
                r["unique_id"].rsplit(".", 1)[-1]: r
                for r in invocation.get_artifact("sources.json")["results"]
            }
        except FileNotFoundError:  # dbt stopped before measuring (its log says why)
            results = {}
        for table in selected:
            yield freshness_result(table, results.get(table))

    return _freshness


dbt_source_freshness_checks = build_freshness_checks(
    json.loads(dbt_project.manifest_path.read_text())
)
