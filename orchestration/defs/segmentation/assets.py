"""Segmentation assets: train a versioned model, score customers per month, profile segments."""

import base64
import hashlib
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path

import dagster as dg
import duckdb
import polars as pl

from ml.eligibility import training_month
from ml.model import SegmentationModel
from ml.pipeline import (
    build_segment_profiles,
    load_config,
    profile_heatmap_png,
    score_customers,
    segmentation_model_row,
    train_segmentation,
    value_index_weights,
)
from orchestration.defs.partitions import month_window, monthly_partitions
from orchestration.defs.publish.report.labels import trait_labels
from orchestration.defs.segmentation.model_store import (
    load_current_model,
    save_model,
    saved_models,
)
from orchestration.defs.segmentation.warehouse_io import (
    feature_months,
    month_coverage,
    read_features,
    replace_months,
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
from orchestration.engine import on_spark
from orchestration.increment import record_scores
from orchestration.progress import progress

FEATURES_KEY = dg.AssetKey(["marts", "customer_features"])

# Column types of ml.segmentation_models (a first model has no stability figure: null, not "NULL").
SEGMENTATION_MODELS_TYPES = {
    "k": pl.Int64,
    "silhouette": pl.Float64,
    "davies_bouldin": pl.Float64,
    "calinski_harabasz": pl.Float64,
    "n_customers": pl.Int64,
    "n_not_clustered": pl.Int64,
    "stability_ari": pl.Float64,
    "n_segments_matched": pl.Int64,
    "n_segments_new": pl.Int64,
    "n_segments_retired": pl.Int64,
    "surrogate_fidelity": pl.Float64,
}


class TrainConfig(dg.Config):
    """Which month to train on (default: the latest month in which enough of the customers have
    recent data, `segmentation.min_training_coverage`) and an optional fixed k."""

    as_of_month: str = ""
    fixed_k: int = 0


def model_version_for(features: pl.DataFrame, config: dict, as_of_month: str) -> str:
    """Deterministic: the same features and configuration give the same version."""
    digest = hashlib.sha256()
    digest.update(repr(sorted(config.items())).encode())
    digest.update(features.hash_rows(seed=42).to_numpy().tobytes())
    return f"{as_of_month}-{digest.hexdigest()[:8]}"


def _current_model(models_dir):
    model = load_current_model(models_dir)
    if model is None:
        raise dg.Failure("no segmentation model yet: materialise ml/segmentation_model first")
    return model


def write_model_rows(conn: duckdb.DuckDBPyConnection, model: SegmentationModel) -> None:
    """The model's rows of ml.segmentation_models and ml.value_index_weights (replaced)."""
    row = pl.DataFrame([segmentation_model_row(model)], schema_overrides=SEGMENTATION_MODELS_TYPES)
    upsert_rows(conn, "segmentation_models", row, "model_version")
    upsert_rows(conn, "value_index_weights", value_index_weights(model), "model_version")


def restore_model_rows(conn: duckdb.DuckDBPyConnection, models_dir: Path) -> list[str]:
    """Write the rows of every saved model version missing from ml.segmentation_models, as
    training wrote them (they are computed from the saved model alone, trained_at included):
    a warehouse rebuilt beside an existing models folder is not retrained, and would otherwise
    have no model tables to check and publish. Returns the versions restored."""
    return restore_rows(conn, saved_models(models_dir), "segmentation_models", write_model_rows)


def restore_rows(conn: duckdb.DuckDBPyConnection, models: list, table: str, write) -> list[str]:
    """Write, with `write(conn, model)`, the saved `models` whose version is missing from
    ml.<table> (a constant name); returns the versions restored. Shared by every versioned
    model (the segmentation, the arrears risk)."""
    present = (
        {v for (v,) in conn.execute(f"select model_version from ml.{table}").fetchall()}
        if table_exists(conn, "ml", table)
        else set()
    )
    restored = [m for m in models if m.model_version not in present]
    for model in restored:
        write(conn, model)
    return [m.model_version for m in restored]


@dg.asset(
    key=["ml", "segmentation_model"],
    group_name="segmentation",
    deps=[FEATURES_KEY],
    pool=WAREHOUSE_POOL,
    kinds={"scikitlearn", "duckdb"},
    description=(
        "The current K-means segmentation model: trained on one month of customer_features, "
        "stored as JSON under data/models/, its segments matched to the previous model's ids."
    ),
)
def segmentation_model(
    context: dg.AssetExecutionContext, config: TrainConfig, gridseg: GridSegPaths
) -> dg.MaterializeResult:
    paths = gridseg.paths()
    overrides = {"segmentation": {"fixed_k": config.fixed_k}} if config.fixed_k else None
    ml_config = load_config(overrides)
    with gridseg.warehouse() as conn:
        coverage = month_coverage(conn, ml_config["segmentation"]["eligibility"])
        min_coverage = float(ml_config["segmentation"]["min_training_coverage"])
        month = config.as_of_month or training_month(coverage, min_coverage)
        if not month:
            raise dg.Failure("marts.customer_features is empty: materialise the dbt assets first")
        features = read_features(conn, month)
        if features.height == 0:
            raise dg.Failure(f"marts.customer_features has no rows for as_of_month {month}")
        previous = load_current_model(paths.models)
        version = model_version_for(features, ml_config, month)
        if previous is not None and previous.model_version == version:
            # same features and configuration as the current model: nothing to learn, and
            # retraining against itself would overwrite its stability figures
            model = previous
            context.log.info(f"{version} is already the current model: not retrained")
        else:
            trained_at = datetime.now(UTC).replace(microsecond=0).isoformat()
            model = train_segmentation(features, ml_config, previous, version, trained_at)
            save_model(paths.models, model)
        write_model_rows(conn, model)
        models_rows = row_count(conn, "ml.segmentation_models")
    metrics = model.metrics
    context.log.info(f"Model {version} on {features.height} customers: k={model.k}")
    return dg.MaterializeResult(
        metadata={
            "model_version": version,
            ROW_COUNT: models_rows,  # ml.segmentation_models: one row per model version
            "as_of_month": month,
            "training_coverage": dict(coverage).get(month),
            "k": model.k,
            "n_customers": features.height,
            "silhouette": metrics.get("silhouette"),
            "davies_bouldin": metrics.get("davies_bouldin"),
            "calinski_harabasz": metrics.get("calinski_harabasz"),
            "stability_ari": metrics.get("stability_ari"),
            "surrogate_fidelity": metrics.get("surrogate_fidelity"),
            "segment_sizes": dg.MetadataValue.json(metrics.get("segment_sizes", {})),
        }
    )


@contextmanager
def month_scorer(spark_dir: Path) -> Iterator:
    """The function that scores a month's features (a frame sorted by customer_id): in this
    process on DuckDB; on Spark (GRIDSEG_ENGINE=spark), the rows go to a local Spark session as
    Arrow, are scored on its executors by score_on_spark (mapInArrow, the same ml/ code) and
    come back as Arrow, put back in customer_id order: the scores are bit for bit those of this
    process. The session lasts as long as the block (the scoring step)."""
    if not on_spark():
        yield score_customers
        return
    from orchestration.defs.segmentation.spark_scoring import score_on_spark
    from orchestration.spark import local_session

    session = local_session(spark_dir / "scoring", app_name="gridseg-scoring")
    try:

        def score(features: pl.DataFrame, model: SegmentationModel, config: dict):
            rows = session.createDataFrame(features.to_arrow())
            scored = pl.from_arrow(score_on_spark(rows, model, config).toArrow())
            return scored[scored["customer_id"].arg_sort()]

        yield score
    finally:
        session.stop()


SCORES_KEY = dg.AssetKey(["ml", "customer_segments_history"])
PROFILES_KEY = dg.AssetKey(["ml", "segment_profiles"])


@dg.multi_asset(
    specs=[
        dg.AssetSpec(
            SCORES_KEY,
            group_name="segmentation",
            deps=[FEATURES_KEY, segmentation_model.key],
            kinds={"duckdb"},
            description=(
                "One row per customer x as_of_month: segment, value, satisfaction, credit, strategy."
            ),
        ),
        dg.AssetSpec(
            PROFILES_KEY,
            group_name="segmentation",
            deps=[SCORES_KEY],
            kinds={"duckdb"},
            description=(
                "One row per segment x as_of_month: size, share, trait means and indices, name, "
                "strategy."
            ),
        ),
    ],
    partitions_def=monthly_partitions,
    backfill_policy=dg.BackfillPolicy.single_run(),
    pool=WAREHOUSE_POOL,
)
def scores_and_profiles(context: dg.AssetExecutionContext, gridseg: GridSegPaths):
    """Scores each month's customers and profiles the month's segments from the same frames:
    the month's features are read once (reading them again for the profiles took 40% of this
    step at 1M customers x 36 months)."""
    paths = gridseg.paths()
    model = _current_model(paths.models)
    ml_config = load_config()
    min_month, max_month = month_window(context)
    n_rows, sizes, profiles = 0, {}, []

    def score_and_profile(month, features):
        scored = score(features, model, ml_config)
        return month, scored, build_segment_profiles(features, scored, model, ml_config)

    # DuckDB reads and writes one month at a time here and Python holds up to three months:
    # DuckDB gets a share of the memory limit
    with (
        gridseg.warehouse(memory_share=ARRAY_STEP_MEMORY_SHARE) as conn,
        ThreadPoolExecutor(max_workers=1) as worker,
        month_scorer(paths.spark) as score,
    ):
        restored = restore_model_rows(conn, paths.models)
        if restored:
            context.log.info(f"Model tables restored from {paths.models}: {restored}")
        months = feature_months(conn, min_month, max_month)
        # One month at a time: a 36-month backfill of 1M customers held at once needs > 20 GB.
        # A month is scored and profiled on a worker thread while this thread reads the next
        # month and writes the last one (DuckDB, NumPy and Polars release the GIL): the scoring
        # alone kept 1.3 of the 2 cores busy. The results are the same, in the same order.
        pending = None
        for month in [*months, None]:
            features = read_features(conn, month) if month is not None else None
            done = pending.result() if pending is not None else None
            pending = (
                worker.submit(score_and_profile, month, features) if month is not None else None
            )
            if done is not None:
                done_month, scored, profile = done
                replace_months(conn, "customer_segments_history", scored, [done_month])
                profiles.append(profile)
                n_rows += scored.height
                sizes = dict(scored.group_by("segment_id").len().sort("segment_id").iter_rows())
                progress(
                    context,
                    f"[score] {len(profiles)}/{len(months)} {done_month}: "
                    f"{scored.height:,} customers scored, {profile.height} segments profiled",
                )
        if profiles:
            replace_months(
                conn, "segment_profiles", pl.concat(profiles, how="diagonal_relaxed"), months
            )
        # the window's scores now come from the features its months were built from
        record_scores(conn, min_month, max_month)
        history_rows = row_count(conn, "ml.customer_segments_history")
        profile_rows = row_count(conn, "ml.segment_profiles")
    context.log.info(
        f"Scored {n_rows} customer-months in {len(months)} month(s) with {model.model_version}"
    )
    yield dg.MaterializeResult(
        asset_key=SCORES_KEY,
        metadata={
            ROW_COUNT: history_rows,
            "months": len(months),
            "rows": n_rows,
            "model_version": model.model_version,
            "latest_month_rows_per_segment": dg.MetadataValue.json(sizes),
        },
    )
    metadata: dict = {ROW_COUNT: profile_rows, "months": len(months)}
    if profiles:
        png = profile_heatmap_png(profiles[-1], trait_labels())
        encoded = base64.b64encode(png).decode()
        metadata["heatmap"] = dg.MetadataValue.md(
            f"![profile indices](data:image/png;base64,{encoded})"
        )
    yield dg.MaterializeResult(asset_key=PROFILES_KEY, metadata=metadata)


segmentation_assets = [segmentation_model, scores_and_profiles]
