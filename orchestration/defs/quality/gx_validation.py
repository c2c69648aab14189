"""Load a Great Expectations 1.x suite from `expectations/<suite>.json` and validate a pandas
frame with it, in an ephemeral context: no GX project files, nothing global.

Grain: one call = one suite over one frame, returning a `SuiteResult` (success, row count,
one `FailedExpectation` per failed expectation with unexpected counts and sample values)
plus GX's own result JSON, which `save_result` keeps for `make gx-docs`.

GX is imported on first use, not at module import: it takes ~4 s, which every Dagster code
load and every test importing the definitions would otherwise pay.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from orchestration.settings import EXPECTATIONS_DIR

SAMPLE_VALUES = 10  # unexpected values kept per failed expectation
RESULT_FORMAT = {"result_format": "SUMMARY", "partial_unexpected_count": SAMPLE_VALUES}
# The key of a result's meta that names the run that validated it, as GX's checkpoints write
# it ({"run_name", "run_time"}): Data Docs show it as Run Name and Run Time.
RUN_ID = "run_id"


class SuiteError(ValueError):
    """A suite file that is missing or does not describe valid expectations."""


@dataclass(frozen=True)
class FailedExpectation:
    """One failed expectation: what was expected, on which column, and what was found."""

    expectation: str
    column: str | None
    unexpected_count: int | None
    unexpected_percent: float | None
    sample: list[str]
    observed: str | None = None
    error: str | None = None
    notes: str | None = None
    mostly: float | None = None  # the share of rows that must pass; None = every row
    n_checked: int | None = None  # rows the share is over (non-missing values)


@dataclass(frozen=True)
class SuiteResult:
    """The outcome of one suite over one frame."""

    suite: str
    success: bool
    n_rows: int
    n_expectations: int
    failures: list[FailedExpectation]
    gx_result: dict[str, Any] = field(repr=False)


def _gx():
    os.environ.setdefault("GX_ANALYTICS_ENABLED", "false")
    import great_expectations as gx

    import orchestration.defs.quality.gx_expectations  # noqa: F401  (registers our types)

    return gx


def suite_path(name: str, folder: Path = EXPECTATIONS_DIR) -> Path:
    return Path(folder) / f"{name}.json"


def suite_notes(name: str, folder: Path = EXPECTATIONS_DIR) -> str:
    """A suite's notes (what it validates and why), read without importing GX."""
    return json.loads(suite_path(name, folder).read_text(encoding="utf-8")).get("notes") or ""


def load_suite(name: str, folder: Path = EXPECTATIONS_DIR):
    """The suite `name` as a gx.ExpectationSuite; every expectation must be valid.

    GX itself logs and skips an invalid expectation; a suite that silently lost a rule
    would pass for the wrong reason, so we build each one and fail loudly instead.
    """
    gx = _gx()
    from great_expectations.expectations.expectation_configuration import (
        ExpectationConfiguration,
    )

    path = suite_path(name, folder)
    if not path.exists():
        raise SuiteError(f"no expectation suite {path}")
    spec = json.loads(path.read_text(encoding="utf-8"))
    if spec.get("name") != name:
        raise SuiteError(f"{path}: name {spec.get('name')!r} does not match the file name")
    expectations = []
    for i, item in enumerate(spec.get("expectations", [])):
        try:
            expectations.append(ExpectationConfiguration(**item).to_domain_obj())
        except Exception as error:  # GX raises many types for a bad configuration
            raise SuiteError(f"{path}: expectation {i} ({item.get('type')}): {error}") from error
    if not expectations:
        raise SuiteError(f"{path}: no expectations")
    return gx.ExpectationSuite(
        name=name, expectations=expectations, meta=spec.get("meta"), notes=spec.get("notes")
    )


def validate_frame(suite, frame) -> SuiteResult:
    """Validate a pandas DataFrame against a suite in a throwaway ephemeral context."""
    gx = _gx()
    from great_expectations.data_context.types.base import ProgressBarsConfig

    context = gx.get_context(mode="ephemeral")
    context.variables.progress_bars = ProgressBarsConfig(globally=False)
    batch = (
        context.data_sources.add_pandas("gridseg")
        .add_dataframe_asset(suite.name)
        .add_batch_definition_whole_dataframe("frame")
        .get_batch(batch_parameters={"dataframe": frame})
    )
    result = batch.validate(suite, result_format=RESULT_FORMAT)
    failures = [_failure(r) for r in result.results if not r.success]
    return SuiteResult(
        suite=suite.name,
        success=bool(result.success),
        n_rows=len(frame),
        n_expectations=len(result.results),
        failures=failures,
        gx_result=result.to_json_dict(),
    )


def _failure(result) -> FailedExpectation:
    config = result.expectation_config
    kwargs = config.kwargs
    column = (
        kwargs.get("column")
        or kwargs.get("column_list")
        or [kwargs[k] for k in ("column_A", "column_B") if kwargs.get(k)]
        or None
    )
    details = result.result or {}
    observed = (details.get("details") or {}).get("mismatched") or details.get("observed_value")
    return FailedExpectation(
        expectation=config.type,
        column=column if isinstance(column, str) or not column else ", ".join(column),
        error=_exception_message(result.exception_info or {}),
        unexpected_count=details.get("unexpected_count"),
        unexpected_percent=details.get("unexpected_percent"),
        sample=[str(v) for v in (details.get("partial_unexpected_list") or [])[:SAMPLE_VALUES]],
        observed=None if observed is None else str(observed)[:300],
        notes=config.notes if isinstance(config.notes, str) else None,
        mostly=kwargs.get("mostly"),
        n_checked=_checked_rows(details),
    )


def _checked_rows(details: dict) -> int | None:
    if details.get("element_count") is None:
        return None
    return details["element_count"] - (details.get("missing_count") or 0)


def _exception_message(info: dict) -> str | None:
    """GX reports an exception flat, or keyed by the metric that raised it."""
    for entry in (info, *(v for v in info.values() if isinstance(v, dict))):
        if entry.get("raised_exception"):
            return str(entry.get("exception_message"))[:300]
    return None


def save_result(result: SuiteResult, folder: Path, run_name: str) -> Path:
    """Keep the latest GX result of a suite as `<folder>/<suite>.json` (read by gx-docs), with
    `run_name` (the Dagster run that validated it) and the time now as its run id. A result
    validated in an ephemeral context has none: Data Docs showed `__none__`."""
    if not run_name:
        raise ValueError("a saved validation result needs the name of the run that made it")
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{result.suite}.json"
    tmp = path.with_suffix(".json.tmp")
    run_id = {"run_name": run_name, "run_time": datetime.now(UTC).isoformat()}
    kept = {**result.gx_result, "meta": {**result.gx_result.get("meta", {}), RUN_ID: run_id}}
    tmp.write_text(json.dumps(kept, indent=1, default=str), encoding="utf-8")
    tmp.replace(path)
    return path
