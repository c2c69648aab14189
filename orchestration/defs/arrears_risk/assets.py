"""Arrears-risk assets: train a versioned model (with the segmentation model, in the retrain
job), score every customer per month with the current one (nightly), check the scores."""

from datetime import UTC, datetime
from pathlib import Path

import dagster as dg
import duckdb
import polars as pl

from ml.arrears_risk import ArrearsRiskModel
from ml.arrears_training import (
    CALIBRATION_ROW_SCHEMA,
    MODEL_ROW_SCHEMA,
    NotEnoughData,
    arrears_risk_model_row,
    calibration_rows,
    default_risk_config,
    split_months,
    train_arrears_risk,
)
from ml.pipeline import load_config
from orchestration.defs.arrears_risk.panel import (
    complete_months,
    last_fact_month,
    month_features,
    training_panel,
)
from orchestration.defs.partitions import month_window, monthly_partitions
from orchestration.defs.segmentation.assets import FEATURES_KEY, model_version_for, restore_rows
from orchestration.defs.segmentation.model_store import (
    RISK_MODELS_DIR,
    load_current_model,
    save_model,
    saved_models,
)
from orchestration.defs.segmentation.warehouse_io import (
    feature_months,
    replace_months,
    replace_rows,
    upsert_rows,
)
from orchestration.defs.warehouse import (
    ARRAY_STEP_MEMORY_SHARE,
    ROW_COUNT,
    WAREHOUSE_POOL,
    GridSegPaths,
    row_count,
    table_exists,
)
from orchestration.progress import progress

PAYMENT_FACTS_KEY = dg.AssetKey(["intermediate", "int_customer_months_payments"])
MODEL_KEY = dg.AssetKey(["ml", "arrears_risk_model"])
SCORES_KEY = dg.AssetKey(["ml", "arrears_risk_scores"])
SCORES_SCHEMA = {
    "customer_id": pl.String,
    "as_of_month": pl.String,
    "arrears_risk": pl.Float64,
    "arrears_risk_model_version": pl.String,
}


def write_model_rows(conn: duckdb.DuckDBPyConnection, model: ArrearsRiskModel) -> None:
    """The model's rows of ml.arrears_risk_models and ml.arrears_risk_calibration (replaced)."""
    upsert_rows(conn, "arrears_risk_models", arrears_risk_model_row(model), "model_version")
    upsert_rows(conn, "arrears_risk_calibration", calibration_rows(model), "model_version")


def create_empty_tables(conn: duckdb.DuckDBPyConnection) -> None:
    """The model tables with no row yet (a warehouse too young to train on), so that they
    publish empty instead of missing."""
    for table, schema in (
        ("arrears_risk_models", MODEL_ROW_SCHEMA),
        ("arrears_risk_calibration", CALIBRATION_ROW_SCHEMA),
    ):
        replace_rows(conn, table, pl.DataFrame(schema=schema), "model_version", [])


def restore_model_rows(conn: duckdb.DuckDBPyConnection, models_dir: Path) -> list[str]:
    """Rows of every saved model missing from ml.arrears_risk_models (a rebuilt warehouse);
    the tables, empty, where no model was saved yet."""
    create_empty_tables(conn)
    return restore_rows(
        conn, saved_models(models_dir, ArrearsRiskModel), "arrears_risk_models", write_model_rows
    )


@dg.asset(
    key=MODEL_KEY,
    group_name="services",
    deps=[FEATURES_KEY, PAYMENT_FACTS_KEY],
    pool=WAREHOUSE_POOL,
    kinds={"scikitlearn", "duckdb"},
    description=(
        "The current arrears-risk model: P(arrears over 60 days within 3 months), trained on "
        "the as-of months with complete labels (time split: train, calibrate, test), stored as "
        "JSON under data/models/arrears_risk/, tested against the credit-rating rule."
    ),
)
def arrears_risk_model(
    context: dg.AssetExecutionContext, gridseg: GridSegPaths
) -> dg.MaterializeResult:
    models_dir = gridseg.paths().models / RISK_MODELS_DIR
    config = default_risk_config()
    credit = load_config()["credit"]
    with gridseg.warehouse(memory_share=ARRAY_STEP_MEMORY_SHARE) as conn:
        restore_model_rows(conn, models_dir)
        months = complete_months(
            feature_months(conn, "0000-01", "9999-12"), last_fact_month(conn), config
        )
        model = load_current_model(models_dir, ArrearsRiskModel)
        try:
            split = split_months(months, config)
            panel = training_panel(conn, [m for part in split.values() for m in part], config)
            version = model_version_for(panel, {"risk": config, "credit": credit}, months[-1])
            if model is not None and model.model_version == version:
                context.log.info(f"{version} is already the current arrears-risk model")
            else:
                trained_at = datetime.now(UTC).replace(microsecond=0).isoformat()
                model = train_arrears_risk(panel, split, config, credit, version, trained_at)
                save_model(models_dir, model)
        except NotEnoughData as error:
            # a young warehouse: the previous model stays current; without one, no scores yet
            context.log.warning(f"{error}: the arrears-risk model is not retrained")
            return dg.MaterializeResult(metadata={"trained": False, "reason": str(error)})
        write_model_rows(conn, model)
        models_rows = row_count(conn, "ml.arrears_risk_models")
    new = model.metrics["populations"]["new_arrears"]
    return dg.MaterializeResult(
        metadata={
            "trained": True,
            "model_version": model.model_version,
            ROW_COUNT: models_rows,
            "split": dg.MetadataValue.json(model.metrics["split"]),
            "auc_new_arrears": new["auc"],
            "baseline_auc_new_arrears": new["baseline_auc"],
            "calibration_error": model.metrics["calibration_error"],
        }
    )


@dg.asset(
    key=SCORES_KEY,
    group_name="services",
    deps=[FEATURES_KEY, PAYMENT_FACTS_KEY, MODEL_KEY],
    partitions_def=monthly_partitions,
    backfill_policy=dg.BackfillPolicy.single_run(),
    pool=WAREHOUSE_POOL,
    kinds={"duckdb"},
    description=(
        "One row per customer x as_of_month: arrears_risk, the calibrated probability of "
        "arrears over 60 days within the next 3 months, and the model version."
    ),
)
def arrears_risk_scores(
    context: dg.AssetExecutionContext, gridseg: GridSegPaths
) -> dg.MaterializeResult:
    models_dir = gridseg.paths().models / RISK_MODELS_DIR
    model = load_current_model(models_dir, ArrearsRiskModel)
    config = default_risk_config()
    min_month, max_month = month_window(context)
    n_rows = 0
    with gridseg.warehouse(memory_share=ARRAY_STEP_MEMORY_SHARE) as conn:
        restore_model_rows(conn, models_dir)
        months = feature_months(conn, min_month, max_month)
        if model is None:
            context.log.warning("no arrears-risk model yet: the months get no scores")
        for i, month in enumerate(months):
            scored = pl.DataFrame(schema=SCORES_SCHEMA)
            if model is not None:
                features = month_features(conn, month, config)
                scored = features.select("customer_id", "as_of_month").with_columns(
                    arrears_risk=pl.Series(model.predict(features)),
                    arrears_risk_model_version=pl.lit(model.model_version),
                )
            replace_months(conn, "arrears_risk_scores", scored, [month])
            n_rows += scored.height
            progress(context, f"[arrears risk] {i + 1}/{len(months)} {month}: {scored.height:,}")
        total = row_count(conn, "ml.arrears_risk_scores")
    return dg.MaterializeResult(
        metadata={
            ROW_COUNT: total,
            "months": len(months),
            "rows": n_rows,
            "model_version": model.model_version if model else None,
        }
    )


@dg.asset_check(
    asset=SCORES_KEY,
    name="arrears_risk_scores_valid",
    blocking=True,
    pool=WAREHOUSE_POOL,
    description="Every score is a probability in [0, 1]; one row per customer and month.",
)
def arrears_risk_scores_valid(gridseg: GridSegPaths) -> dg.AssetCheckResult:
    with gridseg.warehouse(read_only=True) as conn:
        if not table_exists(conn, "ml", "arrears_risk_scores"):
            return dg.AssetCheckResult(passed=True, metadata={"rows": 0})
        rows, outside, duplicates = conn.execute(
            "select count(*), count(*) filter (where not coalesce(arrears_risk between 0 and 1, false)), "
            "count(*) - count(distinct (customer_id, as_of_month)) from ml.arrears_risk_scores"
        ).fetchall()[0]
    return dg.AssetCheckResult(
        passed=outside == 0 and duplicates == 0,
        metadata={"rows": rows, "outside_0_1": outside, "duplicate_rows": duplicates},
    )


@dg.asset_check(
    asset=MODEL_KEY,
    name="arrears_risk_beats_baseline",
    pool=WAREHOUSE_POOL,  # like every check: the pool's one slot orders it after the training
    description=(
        "On its test months, the current model's AUC on new arrears beats the credit-rating "
        "rule's by at least arrears_risk.min_auc_gain_new_arrears (a warning, not blocking)."
    ),
)
def arrears_risk_beats_baseline(gridseg: GridSegPaths) -> dg.AssetCheckResult:
    model = load_current_model(gridseg.paths().models / RISK_MODELS_DIR, ArrearsRiskModel)
    if model is None:
        return dg.AssetCheckResult(
            passed=False, severity=dg.AssetCheckSeverity.WARN, metadata={"model": "none"}
        )
    new = model.metrics["populations"]["new_arrears"]
    return dg.AssetCheckResult(
        passed=bool(model.metrics["beats_baseline"]),
        severity=dg.AssetCheckSeverity.WARN,
        metadata={
            "model_version": model.model_version,
            "auc_new_arrears": new["auc"],
            "baseline_auc_new_arrears": new["baseline_auc"],
            "auc_gain_new_arrears": model.metrics["auc_gain_new_arrears"],
        },
    )


arrears_risk_assets = [arrears_risk_model, arrears_risk_scores]
arrears_risk_checks = [arrears_risk_scores_valid, arrears_risk_beats_baseline]
