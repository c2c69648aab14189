"""The services in a real pipeline run: customer_signals and the action lists, published with
the segments (tests/e2e/conftest.py: two nightly cycles of generated data)."""

import polars as pl

from ml.services import load_services_config
from ml.services.signals import SIGNALS
from orchestration.defs.partitions import shift_month
from tests.e2e.conftest import HISTORY_MONTHS, read

CONFIG = load_services_config()


def published(pipeline, sql: str, params: list | None = None) -> pl.DataFrame:
    return read(pipeline["paths"].published / "segments.duckdb", sql, params)


def test_one_signal_row_per_scored_customer_and_month(pipeline):
    keys = "select customer_id, as_of_month from {} order by all"
    signals = published(pipeline, keys.format("customer_signals"))
    scored = published(pipeline, keys.format("customer_segments_history"))
    assert signals.height > 0 and signals.equals(scored)


def test_every_signal_fires_somewhere_with_its_reason(pipeline):
    signals = published(pipeline, "select * from customer_signals")
    for flag, reason in SIGNALS:
        assert (signals[flag] == signals[reason].is_not_null()).all(), flag
        if flag != "arrears_warning":  # the arrears-risk model writes the scores
            assert signals[flag].any(), flag
    alerts = signals.filter(pl.col("high_bill_alert"))
    threshold = CONFIG["high_bill"]["min_increase_pct"]
    assert (alerts["bill_increase_pct"] >= threshold).all()
    first_year = signals.filter(pl.col("as_of_month") < pipeline["months"][12])
    assert not first_year["high_bill_alert"].any()
    assert set(first_year["high_bill_status"]) <= {"insufficient_history", "no_bill"}


def test_action_lists_respect_capacity_and_the_contact_period(pipeline):
    actions = published(pipeline, "select * from service_actions_history")
    capacity = {a: s["capacity"] for a, s in CONFIG["service_actions"]["actions"].items()}
    sizes = actions.group_by("as_of_month", "action").len()
    assert actions.height > 0
    assert all(n <= capacity[a] for a, n in sizes.select("action", "len").iter_rows())
    period = CONFIG["service_actions"]["contact_period_months"]
    contacts = actions.select("customer_id", "as_of_month").rows()
    seen = set(contacts)
    assert len(seen) == len(contacts)  # one action per customer and month
    for customer, month in contacts:
        for back in range(1, period):
            assert (customer, shift_month(month, -back)) not in seen
    latest = published(pipeline, "select * from service_actions")
    assert set(latest["as_of_month"]) == {pipeline["months"][-1]}


def test_later_extracts_do_not_change_the_signals_of_closed_months(pipeline):
    """As for the features: months that had closed before the three later months of extracts
    keep their data-driven signals. The arrears-risk columns (and the action lists ranked on
    them) follow the current model: the second run retrains it and rescores every month, as it
    does the segments."""
    closed = pipeline["months"][HISTORY_MONTHS - 2]
    model_driven = [
        "arrears_risk",
        "arrears_risk_model_version",
        "arrears_warning",
        "arrears_reason",
        "n_signals",
    ]
    before = (
        pipeline["first"]["signals"]
        .filter(pl.col("as_of_month") <= closed)
        .drop(model_driven)
        .sort(pl.all())
    )
    after = (
        published(
            pipeline, "select * from customer_signals where as_of_month <= ? order by all", [closed]
        )
        .drop(model_driven)
        .sort(pl.all())
    )
    assert before.height > 0 and after.equals(before)
