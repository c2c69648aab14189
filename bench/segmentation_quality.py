"""Segmentation quality figures for docs/segmentation.md (an evaluation, not a test).

    .venv/bin/python bench/segmentation_quality.py [--data data]

Reads the warehouse and truth of a finished demo run. It reports:
- the adjusted Rand index (ARI) of the published segments against the planted archetypes;
- the k evaluation table;
- stability: retraining on the same month keeps every id, and retraining on the next month
  gives the reported ARI and ids matched.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import duckdb
import polars as pl
from sklearn.metrics import adjusted_rand_score

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from ml.pipeline import load_config, score_customers, train_segmentation  # noqa: E402


def features(conn: duckdb.DuckDBPyConnection, month: str) -> pl.DataFrame:
    sql = "select * from marts.customer_features where as_of_month = ? order by customer_id"
    return pl.from_arrow(conn.sql(sql, params=[month]).to_arrow_table())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--data", default="data")
    args = parser.parse_args()
    data = Path(args.data)
    conn = duckdb.connect(str(data / "warehouse.duckdb"), read_only=True)
    months = [
        r[0]
        for r in conn.sql(
            "select distinct as_of_month from marts.customer_features order by 1"
        ).fetchall()
    ]
    last, previous = months[-1], months[-2]
    truth = pl.read_parquet(data / "truth" / "archetypes.parquet")
    config = load_config()
    report: dict = {"as_of_month": last}

    first = train_segmentation(features(conn, previous), config, None, "previous", "t0")
    same = train_segmentation(features(conn, previous), config, first, "same", "t1")
    report["retrain_same_month"] = {
        "ids_before": sorted(first.metrics["segment_sizes"]),
        "ids_after": sorted(same.metrics["segment_sizes"]),
        "stability_ari": same.metrics.get("stability_ari"),
    }
    nxt = train_segmentation(features(conn, last), config, first, "next", "t2")
    report["retrain_next_month"] = {
        "stability_ari": nxt.metrics.get("stability_ari"),
        "matched": nxt.metrics.get("n_segments_matched"),
        "new": nxt.metrics.get("n_segments_new"),
        "retired": nxt.metrics.get("n_segments_retired"),
    }
    scored = score_customers(features(conn, last), nxt, config).join(truth, on="customer_id")
    report["k"] = nxt.k
    report["ari_vs_archetypes"] = round(
        adjusted_rand_score(scored["archetype"], scored["segment_id"]), 3
    )
    report["k_evaluation"] = nxt.metrics.get("k_evaluation")
    for k in (6, 7):
        fixed = load_config({"segmentation": {"fixed_k": k}})
        model = train_segmentation(features(conn, last), fixed, None, f"k{k}", "t")
        labels = score_customers(features(conn, last), model, fixed).join(truth, on="customer_id")
        report[f"ari_vs_archetypes_fixed_k{k}"] = round(
            adjusted_rand_score(labels["archetype"], labels["segment_id"]), 3
        )
    crosstab = (
        scored.group_by("archetype", "segment_name")
        .len()
        .sort("archetype", "len", descending=[False, True])
    )
    report["archetype_to_segment"] = crosstab.rows()
    print(json.dumps(report, indent=2, default=str))


if __name__ == "__main__":
    main()
