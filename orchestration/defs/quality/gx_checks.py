"""Great Expectations suites as blocking Dagster asset checks (our wrapper; no dagster-ge).

Grain: one check per (suite, asset). Raw suites check each ingest asset's latest load; the
published suites check the ml assets that feed publishing, so that a failure stops
published/segments in the same run and the last good published snapshot stays. The model
suites run twice: where the model is trained (the retrain job) and before every publish,
on ml/customer_segments_history, because the nightly run scores with a saved model it did not
train and must not publish from a model that fails them.

A failed `mostly` rule blocks only when it is not noise of a small load (see blocking.py);
otherwise the check fails as a warning. Every run keeps GX's result JSON under
<data>/quality/validations/ with the Dagster run id as its run name (`make gx-docs` renders
it) and puts each failed expectation, with unexpected counts and sample values, in the check's
metadata.
"""

from collections.abc import Callable
from dataclasses import dataclass
from functools import partial

import dagster as dg

from orchestration.defs.ingest.landing_contract import LANDING_TABLES
from orchestration.defs.quality import gx_scope
from orchestration.defs.quality.blocking import blocking_failures
from orchestration.defs.quality.gx_validation import (
    SuiteResult,
    load_suite,
    save_result,
    suite_notes,
    validate_frame,
)
from orchestration.defs.warehouse import WAREHOUSE_POOL, GridSegPaths

RESULTS_DIR = ("quality", "validations")  # under the data folder


@dataclass(frozen=True)
class SuiteCheck:
    """A suite, the asset whose check it is, and how to fetch the rows it validates."""

    suite: str
    asset: dg.AssetKey
    scope: Callable


SCORES = dg.AssetKey(["ml", "customer_segments_history"])
MODEL = dg.AssetKey(["ml", "segmentation_model"])
MODEL_SUITES = {
    "published_segmentation_models": partial(gx_scope.current_model, table="segmentation_models"),
    "published_value_index_weights": partial(gx_scope.current_model, table="value_index_weights"),
}

SUITE_CHECKS = [
    *(
        SuiteCheck(
            f"raw_{table}",
            dg.AssetKey(["raw", table]),
            partial(gx_scope.raw_latest_load, table=table),
        )
        for table in LANDING_TABLES
    ),
    SuiteCheck(
        "published_customer_segments",
        SCORES,
        partial(gx_scope.latest_month, table="customer_segments_history"),
    ),
    SuiteCheck(
        "published_segment_profiles",
        dg.AssetKey(["ml", "segment_profiles"]),
        partial(gx_scope.latest_month, table="segment_profiles"),
    ),
    *(SuiteCheck(suite, MODEL, scope) for suite, scope in MODEL_SUITES.items()),
    *(SuiteCheck(suite, SCORES, scope) for suite, scope in MODEL_SUITES.items()),
]


def failures_markdown(result: SuiteResult) -> str:
    """One table row per failed expectation: column, unexpected count, sample values."""
    if not result.failures:
        return "none"
    lines = ["| expectation | column | unexpected | sample / observed |", "|---|---|---|---|"]
    for f in result.failures:
        count = "" if f.unexpected_count is None else f"{f.unexpected_count:,}"
        if f.unexpected_percent is not None:
            count += f" ({f.unexpected_percent:.2f}%)"
        count = "error" if f.error else count
        shown = f.error or ", ".join(f.sample) or f.observed or ""
        lines.append(f"| {f.expectation} | {f.column or ''} | {count} | {shown[:200]} |")
    return "\n".join(lines)


def check_metadata(result: SuiteResult, facts: dict, result_file: str) -> dict:
    failed = [
        {
            "expectation": f.expectation,
            "column": f.column,
            "unexpected_count": f.unexpected_count,
            "unexpected_percent": f.unexpected_percent,
            "sample": f.sample,
            "observed": f.observed,
            "error": f.error,
        }
        for f in result.failures
    ]
    return {
        "suite": result.suite,
        **{k: v for k, v in facts.items() if k != "files"},
        "files": ", ".join(facts.get("files", [])) or None,
        "rows_validated": result.n_rows,
        "expectations_evaluated": result.n_expectations,
        "expectations_failed": len(result.failures),
        "failures": dg.MetadataValue.md(failures_markdown(result)),
        "failed_expectations": dg.MetadataValue.json(failed),
        "result_file": dg.MetadataValue.path(result_file),
    }


def build_gx_check(spec: SuiteCheck) -> dg.AssetChecksDefinition:
    @dg.asset_check(
        asset=spec.asset,
        name=f"gx_{spec.suite}",
        blocking=True,
        pool=WAREHOUSE_POOL,
        description=f"Great Expectations suite expectations/{spec.suite}.json. "
        + suite_notes(spec.suite),
    )
    def _check(
        context: dg.AssetCheckExecutionContext, gridseg: GridSegPaths
    ) -> dg.AssetCheckResult:
        suite = load_suite(spec.suite)
        with gridseg.warehouse(read_only=True) as conn:
            frame, facts = spec.scope(conn)
        result = validate_frame(suite, frame)
        path = save_result(result, gridseg.paths().data.joinpath(*RESULTS_DIR), context.run.run_id)
        blocking = blocking_failures(result.failures)
        if not result.success:
            log = context.log.error if blocking else context.log.warning
            log(
                f"Suite {spec.suite} failed {len(result.failures)} expectation(s) on "
                f"{result.n_rows:,} row(s), {len(blocking)} blocking:\n{failures_markdown(result)}"
            )
        return dg.AssetCheckResult(
            passed=result.success,
            # WARN does not block: only failures that are not within the noise of a small load
            severity=dg.AssetCheckSeverity.ERROR if blocking else dg.AssetCheckSeverity.WARN,
            metadata={
                **check_metadata(result, facts, str(path)),
                "blocking_failures": len(blocking),
            },
        )

    return _check


gx_checks = [build_gx_check(spec) for spec in SUITE_CHECKS]
