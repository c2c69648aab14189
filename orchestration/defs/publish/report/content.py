"""What the segment report shows, read from one snapshot's published `segments.duckdb`.

Grain: one `ReportContent` per snapshot: the latest month's segments (sizes, shares, value
tiers, credit, satisfaction, strategy reach), their profiles, the segment sizes of every month,
the value x satisfaction grid, the migrations into the latest month, the newest model, the
services, the campaign effects and the newest arrears-risk model. Every
figure is read from the published tables, so the report says what the snapshot holds.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import duckdb
import polars as pl

from orchestration.defs.publish.report.effects import OutcomesContent, read_outcomes
from orchestration.defs.publish.report.services import ServicesContent, read_services
from orchestration.defs.warehouse import connect_duckdb, query_frame


@dataclass(frozen=True)
class ReportContent:
    month: str
    total: int
    # segment_id, segment_name, n_customers, share, strategy, reach, satisfaction_median
    segments: pl.DataFrame
    satisfaction_median: float | None
    profiles: pl.DataFrame  # segment_profiles of the latest month
    tiers: pl.DataFrame  # segment_id, value_tier, n
    credit: pl.DataFrame  # segment_id, credit_rating, n
    strategies: pl.DataFrame  # recommended_strategy, n (every customer)
    trend: pl.DataFrame  # as_of_month, segment_id, n
    grid: pl.DataFrame  # value_satisfaction_cell, n
    migrations: pl.DataFrame  # from_segment, to_segment, from_month, to_month, n_customers
    model: dict | None  # the newest segmentation_models row
    services: ServicesContent  # signals and actions per segment, latest month
    outcomes: OutcomesContent  # campaign effects and the newest arrears-risk model


SEGMENTS = """
    select s.segment_id, min(s.segment_name) as segment_name,
        count(*) as n_customers, count(*) / sum(count(*)) over () as share,
        any_value(p.strategy) as strategy,
        count(*) filter (where s.recommended_strategy = p.strategy) as reach,
        median(s.satisfaction_score) as satisfaction_median
    from customer_segments as s
    left join segment_profiles as p using (segment_id, as_of_month)
    group by s.segment_id
    order by s.segment_id
"""
TIERS = """
    select segment_id, value_tier, count(*) as n from customer_segments group by all order by all
"""
CREDIT = """
    select segment_id, credit_rating, count(*) as n from customer_segments
    group by all order by all
"""


def read_content(published_db: Path) -> ReportContent:
    """The report's figures from a published segments.duckdb (opened read-only)."""
    conn = connect_duckdb(published_db, read_only=True)
    try:
        return _content(conn)
    finally:
        conn.close()


def _content(conn: duckdb.DuckDBPyConnection) -> ReportContent:
    month, total, satisfaction = conn.execute(
        "select max(as_of_month), count(*), median(satisfaction_score) from customer_segments"
    ).fetchall()[0]
    if month is None:
        raise ValueError("the segment report needs a published customer_segments row")
    last_move = conn.execute("select max(to_month) from segment_migrations").fetchall()[0][0]
    model = query_frame(
        conn, "select * from segmentation_models order by trained_at desc, model_version limit 1"
    )
    return ReportContent(
        month=month,
        total=total,
        segments=query_frame(conn, SEGMENTS),
        satisfaction_median=satisfaction,
        profiles=query_frame(
            conn,
            "select * from segment_profiles where as_of_month = ? order by segment_id",
            [month],
        ),
        tiers=query_frame(conn, TIERS),
        credit=query_frame(conn, CREDIT),
        strategies=query_frame(
            conn,
            "select recommended_strategy, count(*) as n from customer_segments "
            "group by all order by n desc, recommended_strategy",
        ),
        trend=query_frame(
            conn,
            "select as_of_month, segment_id, count(*) as n from customer_segments_history "
            "group by all order by all",
        ),
        grid=query_frame(
            conn,
            "select value_satisfaction_cell, count(*) as n from customer_segments "
            "group by all order by all",
        ),
        migrations=query_frame(
            conn,
            "select * from segment_migrations where to_month = ? order by from_segment, to_segment",
            [last_move],
        ),
        model=model.row(0, named=True) if model.height else None,
        services=read_services(conn),
        outcomes=read_outcomes(conn),
    )
