"""The segment report: labels complete in both languages, rendered inside the publish from the
snapshot's own tables, byte-identical for the same tables, self-contained, and showing the
published figures. The browser test is tests/e2e/test_segment_report_browser.py."""

import re
import string
from pathlib import Path

import duckdb
import numpy as np
import polars as pl
import pytest

from ml.arrears_training import MODEL_ROW_SCHEMA
from ml.feature_catalog import ATTRIBUTE_COLUMNS, NUMERIC_FEATURES
from ml.pipeline import load_config
from ml.profiles import profile_table, trait_names
from ml.strategy_effects import OUTPUT_SCHEMA
from orchestration.defs.arrears_risk.assets import create_empty_tables
from orchestration.defs.publish.report import HEATMAP_FILE, REPORT_FILE, report_files
from orchestration.defs.publish.report.cards import PERCENT_TRAITS
from orchestration.defs.publish.report.content import read_content
from orchestration.defs.publish.report.effects import read_outcomes
from orchestration.defs.publish.report.labels import languages, load_labels, phrase_slots
from orchestration.defs.publish.report.render import render_report
from orchestration.defs.publish.writer import MANIFEST, PUBLISHED_DB, SEGMENT_COLUMNS, publish
from orchestration.defs.quality.report import QualityFigures
from tests.ml.services_frames import services_tables
from tests.orchestration.report_text import leaked_labels, visible_text

CONFIG = load_config()
PROFILE = CONFIG["segmentation"]["profile"]
MONTHS = ("2024-05", "2024-06")
NAMES = {
    "S00": "Insufficient recent data",
    "S01": "High-usage winter-peaking customers",
    "S02": "Customers in arrears, late payers, on payment plans",
    "S03": "Solar exporters",
}
QUALITY = QualityFigures(
    quarantined=[("bills", "negative_kwh", 3)],
    rejected_files=[("bills/bad.csv", None, "missing column kwh_total", False)],
    rows_received=103,
    rows_accepted=100,
    rows_quarantined=3,
    rows_exact_duplicate=0,
    batches=2,
    batches_unbalanced=0,
    files_received=3,
    files_loaded=2,
    files_rejected=1,
    files_duplicate=0,
    files_rows_unknown=1,
    tables_unbalanced=0,
)


def scored(n_customers: int = 90) -> pl.DataFrame:
    """Customers x MONTHS with every profile trait, scores and a segment; a few in S00."""
    rng = np.random.default_rng(5)
    rows = len(MONTHS) * n_customers
    segment = [
        "S00" if c % 30 == 0 else f"S0{1 + (c + m * (c % 7 == 1)) % 3}"
        for m in range(len(MONTHS))
        for c in range(n_customers)
    ]
    frame = pl.DataFrame(
        {
            "customer_id": [f"c{c:03d}" for _ in MONTHS for c in range(n_customers)],
            "as_of_month": [m for m in MONTHS for _ in range(n_customers)],
            "segment_id": segment,
            **{t: rng.gamma(2.0, 50.0, rows) for t in PROFILE["traits"]},
            "value_score": rng.uniform(0, 100, rows),
            "satisfaction_score": rng.uniform(0, 100, rows),
            "payment_method": rng.choice(["cash", "direct_debit", "online"], rows),
            "has_solar": rng.uniform(size=rows) < 0.2,
            "budget_billing": rng.uniform(size=rows) < 0.3,
            "paperless": rng.uniform(size=rows) < 0.5,
            "customer_class": rng.choice(["residential", "commercial", "industrial"], rows),
        }
    )
    cells = CONFIG["satisfaction"]["grids"][CONFIG["satisfaction"]["grid"]]["cells"]
    strategies = list(CONFIG["strategies"]["strategies"])
    return frame.with_columns(
        pl.col("segment_id").replace_strict(NAMES).alias("segment_name"),
        pl.Series("value_tier", rng.choice(["VIP", "high", "medium", "low"], rows)),
        pl.Series("value_satisfaction_cell", rng.choice(sorted(cells.values()), rows)),
        pl.Series("credit_rating", rng.choice(list("ABCD"), rows)),
        pl.Series("recommended_strategy", rng.choice(strategies[:3], rows)),
        pl.lit("north").alias("region"),
        pl.lit(None, pl.String).alias("segment_reason"),
        pl.lit("2024-05-abc").alias("model_version"),
    )


# campaign, strategy, kpi, segment, relative month, n treated, n control, effect, low, high
EFFECT_ROWS = [
    ("C1", "payment_arrangement", "arrears_over_60d", None, None, 900, 905, -35.24, -50.31, -20.08),
    (
        "C1",
        "payment_arrangement",
        "on_time_payment_ratio",
        None,
        None,
        1234,
        1230,
        0.153,
        0.141,
        0.167,
    ),
    ("C1", "payment_arrangement", "on_time_payment_ratio", None, 1, 1200, 1190, 0.9, 0.8, 1.0),
    (
        "C1",
        "payment_arrangement",
        "on_time_payment_ratio",
        "S01",
        None,
        700,
        698,
        0.171,
        0.152,
        0.19,
    ),
    ("C1", "payment_arrangement", "on_time_payment_ratio", "S02", None, 4, 3, None, None, None),
    (
        "C2",
        "bill_reminder_placebo",
        "on_time_payment_ratio",
        None,
        None,
        50,
        49,
        0.004,
        -0.01,
        0.018,
    ),
]
RISK_MODEL = {
    "model_version": "2024-03-def",
    "trained_at": "2024-06-02T00:00:00",
    "horizon_months": 3,
    "calibration_method": "platt",
    "test_first_month": "2024-02",
    "test_last_month": "2024-03",
    "n_all": 1800,
    "positive_rate_all": 0.08,
    "auc_all": 0.8123,
    "baseline_auc_all": 0.7311,
    "brier_all": 0.0612,
    "baseline_brier_all": 0.0705,
    "lift_top_decile_all": 4.213,
    "baseline_lift_top_decile_all": 3.1,
    "n_new_arrears": 1650,
    "positive_rate_new_arrears": 0.03,
    "auc_new_arrears": 0.7444,
    "baseline_auc_new_arrears": 0.6512,
    "brier_new_arrears": 0.0281,
    "baseline_brier_new_arrears": 0.0299,
    "lift_top_decile_new_arrears": 3.52,
    "baseline_lift_top_decile_new_arrears": 2.05,
    "auc_gain_new_arrears": 0.0932,
    "beats_baseline": True,
}


def effects_frame() -> pl.DataFrame:
    columns = (
        "campaign_id", "strategy", "kpi", "segment_id", "relative_month",
        "n_treated", "n_control", "effect", "ci_low", "ci_high",
    )  # fmt: skip
    rows = [dict(zip(columns, row, strict=True)) for row in EFFECT_ROWS]
    return pl.DataFrame(
        [
            {
                **r,
                "segment_name": NAMES[r["segment_id"]] if r["segment_id"] else "all segments",
                "start_month": "2024-01",
                "as_of_month": None if r["relative_month"] is None else "2024-02",
            }
            for r in rows
        ],
        schema=OUTPUT_SCHEMA,
    )


def kpis_frame() -> pl.DataFrame:
    """segment_kpis' trend columns for MONTHS, all customers and S01-S03 (S03 without bills due
    in the first month)."""
    rows = [
        {
            "as_of_month": month,
            "segment_id": sid,
            "segment_name": NAMES[sid] if sid else "all customers",
            "on_time_payment_ratio": None if (sid, m) == ("S03", 0) else 0.8 + 0.01 * m + 0.02 * k,
            "share_in_arrears_over_60d": 0.05 + 0.01 * k - 0.005 * m,
        }
        for m, month in enumerate(MONTHS)
        for k, sid in enumerate((None, "S01", "S02", "S03"))
    ]
    return pl.DataFrame(rows, schema_overrides={"segment_id": pl.String})


def add_outcomes(path: Path) -> None:
    """Campaign effects, segment KPIs and two arrears-risk models (the newest one shown) in the
    warehouse."""
    older = {**RISK_MODEL, "model_version": "2024-01-abc", "trained_at": "2024-04-01T00:00:00"}
    conn = duckdb.connect(str(path))
    conn.register("effects", effects_frame())
    conn.register("models", pl.DataFrame([RISK_MODEL, older], schema=MODEL_ROW_SCHEMA))
    conn.execute("create or replace table ml.strategy_effects as from effects")
    conn.execute("insert into ml.arrears_risk_models by name from models")
    conn.register("kpis", kpis_frame())
    conn.execute("create table ml.segment_kpis as from kpis")
    conn.close()


def make_warehouse(path: Path) -> Path:
    frame = scored()
    profiles = profile_table(frame.filter(pl.col("segment_id") != "S00"), PROFILE).with_columns(
        pl.col("segment_id").replace_strict(NAMES).alias("segment_name"),
        pl.lit("standard_service").alias("strategy"),
    )
    history = frame.select(SEGMENT_COLUMNS)
    conn = duckdb.connect(str(path))
    conn.execute("create schema ml")
    conn.register("history", history)
    conn.register("profiles", profiles)
    conn.execute("create table ml.customer_segments_history as select * from history")
    conn.execute("create table ml.segment_profiles as select * from profiles")
    conn.execute(
        "create table ml.value_index_weights as select '2024-05-abc' as model_version, "
        "'group' as level, 'current_value' as criterion, 'ahp' as method, 1.0 as weight"
    )
    conn.execute(
        "create table ml.segmentation_models as select '2024-05-abc' as model_version, "
        "'2024-06-01T00:00:00' as trained_at, '2024-05' as as_of_month, "
        "'2024-05' as training_month, 3 as k, 0.31 as silhouette, 1.2 as davies_bouldin, "
        "100.0 as calinski_harabasz, 150 as n_customers, 'kwh_avg_month,tenure_months' "
        "as features, 0.93 as stability_ari, 3 as n_segments_matched, 0 as n_segments_new, "
        "0 as n_segments_retired, 0.95 as surrogate_fidelity"
    )
    create_empty_tables(conn)  # no arrears-risk model yet
    conn.register("no_effects", pl.DataFrame(schema=OUTPUT_SCHEMA))
    conn.execute("create table ml.strategy_effects as from no_effects")  # no campaigns
    services_tables(conn, history.select("customer_id", "as_of_month"))
    conn.close()
    return path


def published_rows(snapshot: Path, sql: str) -> list[tuple]:
    """Rows of a query on the snapshot's own segments.duckdb."""
    conn = duckdb.connect(str(snapshot / PUBLISHED_DB), read_only=True)
    try:
        return conn.execute(sql).fetchall()
    finally:
        conn.close()


@pytest.fixture(scope="module")
def snapshot(tmp_path_factory) -> Path:
    """A published snapshot whose report was rendered by the publish hook."""
    root = tmp_path_factory.mktemp("report")
    warehouse = make_warehouse(root / "warehouse.duckdb")
    result = publish(warehouse, root / "published", render=lambda db: report_files(db, QUALITY))
    return result.path


@pytest.fixture(scope="module")
def outcomes_snapshot(tmp_path_factory) -> Path:
    """A published snapshot with campaign effects and arrears-risk models."""
    root = tmp_path_factory.mktemp("outcomes")
    warehouse = make_warehouse(root / "warehouse.duckdb")
    add_outcomes(warehouse)
    result = publish(warehouse, root / "published", render=lambda db: report_files(db, QUALITY))
    return result.path


def test_every_language_labels_what_english_labels():
    english = load_labels("en").data
    assert languages() == ["en", "zh-CN"]
    for language in languages():
        data = load_labels(language).data
        for section in ("text", "traits", "strategies"):
            assert set(data[section]) == set(english[section]), (language, section)
        for kind, values in english["values"].items():
            assert set(data["values"][kind]) == set(values), (language, kind)
        for key, text in english["text"].items():
            fields = {f for _, f, _, _ in string.Formatter().parse(text) if f}
            other = {f for _, f, _, _ in string.Formatter().parse(data["text"][key]) if f}
            assert other == fields, (language, key)


def test_every_trait_has_a_label_with_its_unit_in_both_languages():
    traits = {*ATTRIBUTE_COLUMNS, *NUMERIC_FEATURES, *trait_names(PROFILE)}
    for language in languages():
        labels = load_labels(language)
        missing = sorted(t for t in traits if t not in labels.data["traits"])
        assert not missing, (language, missing)
        for trait in PERCENT_TRAITS:
            assert re.search(r"[(（]%[)）]$", labels.trait(trait)), (language, trait)


def test_chinese_labels_every_strategy_and_name_phrase():
    labels = load_labels("zh-CN")
    playbook = CONFIG["strategies"]["strategies"]
    assert set(labels.data["strategy_descriptions"]) == set(playbook)
    assert set(labels.data["strategies"]) == set(playbook)
    assert set(phrase_slots(CONFIG["naming"])) <= set(labels.data["segment_names"])


def test_segment_names_translate_phrase_by_phrase():
    slots = phrase_slots(CONFIG["naming"])
    zh, en = load_labels("zh-CN"), load_labels("en")
    assert zh.segment_name("High-usage winter-peaking customers", slots) == "高用电冬季高峰型客户"
    assert zh.segment_name("Customers in arrears, late payers", slots) == "客户，有欠费，缴费迟"
    assert zh.segment_name("Insufficient recent data", slots) == "近期数据不足"
    assert zh.segment_name("Solar exporters (S07)", slots) == "光伏上网用户 (S07)"
    assert zh.segment_name("Night owls", slots) is None  # shown as published
    assert en.segment_name("High-usage winter-peaking customers", slots) is None


def test_unknown_language_is_refused():
    with pytest.raises(ValueError, match="no label file"):
        load_labels("fr")


def test_publish_renders_the_report_into_the_snapshot(snapshot):
    manifest = (snapshot / MANIFEST).read_text()
    assert REPORT_FILE in manifest and HEATMAP_FILE in manifest
    html = (snapshot / REPORT_FILE).read_text("utf-8")
    assert html.startswith("<!DOCTYPE html>") and '<html lang="en">' in html
    assert (snapshot / HEATMAP_FILE).read_bytes().startswith(b"\x89PNG")


def test_same_tables_give_the_same_bytes(snapshot, tmp_path):
    copy = tmp_path / PUBLISHED_DB
    copy.write_bytes((snapshot / PUBLISHED_DB).read_bytes())
    again = report_files(copy, QUALITY, "en")
    assert again[REPORT_FILE] == (snapshot / REPORT_FILE).read_bytes()
    assert again[HEATMAP_FILE] == (snapshot / HEATMAP_FILE).read_bytes()


def test_report_is_self_contained(snapshot):
    for language in languages():
        html = report_files(snapshot / PUBLISHED_DB, QUALITY, language)[REPORT_FILE].decode()
        assert not re.search(r"""(src|href)\s*=\s*["']?\s*(https?:|//)""", html, re.I)
        assert not re.search(r"(https?:)?//[a-z0-9.-]+\.[a-z]{2,}", html, re.I)
        for external in ("<script", "<link", "<img", "<iframe", "@import", "@font-face", "url("):
            assert external not in html.lower(), (language, external)


def test_report_shows_the_published_figures(snapshot):
    html = (snapshot / REPORT_FILE).read_text("utf-8")
    conn = duckdb.connect(str(snapshot / PUBLISHED_DB), read_only=True)
    sizes = conn.execute(
        "select segment_id, count(*) from customer_segments group by 1 order by 1"
    ).fetchall()
    cells = conn.execute(
        "select value_satisfaction_cell, count(*) from customer_segments group by 1"
    ).fetchall()
    conn.close()
    for segment_id, n in sizes:
        assert f'data-segment-card="{segment_id}"' in html
        assert f'data-segment-id="{segment_id}" data-customers="{n}"' in html
    for cell, n in cells:
        assert f'data-cell="{cell}" data-customers="{n}"' in html
    assert 'data-quarantined="3"' in html and 'data-files-rejected="1"' in html


def test_chinese_report_reads_as_chinese(snapshot):
    content = read_content(snapshot / PUBLISHED_DB)
    html = render_report(content, load_labels("zh-CN"), QUALITY)
    text = visible_text(html)
    assert '<html lang="zh-CN">' in html
    assert "客户细分" in text and "高用电冬季高峰型客户" in text and "标准服务" in text
    assert not leaked_labels(text)


def test_report_without_quality_figures_says_so(snapshot):
    html = render_report(read_content(snapshot / PUBLISHED_DB), load_labels("en"), None)
    assert "No data-quality figures" in html


def test_publish_metadata_links_the_report_and_shows_the_heat_map(snapshot):
    from orchestration.defs.publish.assets import _report_metadata

    metadata = _report_metadata(snapshot)
    assert metadata["report"].url == (snapshot / REPORT_FILE).as_uri()
    assert metadata["report_path"].path == str(snapshot / REPORT_FILE)
    assert metadata["heatmap"].md_str.startswith(
        "![Segment profiles heat map](data:image/png;base64,"
    )
    assert metadata["heatmap_path"].path == str(snapshot / HEATMAP_FILE)


def test_report_shows_the_services_per_segment_and_action(snapshot):
    html = (snapshot / REPORT_FILE).read_text("utf-8")
    conn = duckdb.connect(str(snapshot / PUBLISHED_DB), read_only=True)
    advice = conn.execute(
        "select s.segment_id, count(*) filter (where g.tariff_advice) from customer_segments s "
        "join customer_signals g using (customer_id, as_of_month) group by 1"
    ).fetchall()
    actions = conn.execute("select action, count(*) from service_actions group by 1").fetchall()
    conn.close()
    assert 'id="services"' in html and advice and actions
    for segment_id, n in advice:
        assert (
            f'data-services-segment="{segment_id}" data-high-bill-alert="0" data-tariff-advice="{n}"'
            in html
        )
    for action, n in actions:
        assert f'data-action="{action}" data-customers="{n}"' in html


def test_report_without_campaigns_or_risk_model_says_so(snapshot):
    html = (snapshot / REPORT_FILE).read_text("utf-8")
    assert 'id="effects"' in html and 'id="arrears_risk"' in html
    assert "No campaigns were loaded" in html and "landing contract v2" in html
    assert "No arrears-risk model is trained yet" in html
    assert "No segment KPIs were published" in html  # a warehouse without ml.segment_kpis
    zh = render_report(read_content(snapshot / PUBLISHED_DB), load_labels("zh-CN"), QUALITY)
    assert "未载入任何营销活动" in zh and "尚未训练欠费风险模型" in zh


def test_a_snapshot_without_the_effects_table_reads_as_no_campaigns():
    conn = duckdb.connect()
    outcomes = read_outcomes(conn)
    conn.close()
    assert outcomes.effects.height == 0 and outcomes.risk_model is None


def test_report_states_each_campaign_effect_in_plain_language(outcomes_snapshot):
    html = (outcomes_snapshot / REPORT_FILE).read_text("utf-8")
    text = " ".join(visible_text(html).split())
    assert (
        "Payment-arrangement offer raised the on-time payment ratio by 0.15 "
        "(95% interval 0.14 to 0.17; 1,234 treated, 1,230 control)." in text
    )
    assert (
        "Payment-arrangement offer lowered arrears over 60 days (currency) by 35.2 "
        "(95% interval 20.1 to 50.3; 900 treated, 905 control)." in text
    )
    assert (
        "Bill reminder (placebo) had no measurable effect on the on-time payment ratio "
        "(estimate 0.004, 95% interval -0.010 to 0.018; 50 treated, 49 control)." in text
    )
    assert "No campaigns were loaded" not in text
    shown = published_rows(
        outcomes_snapshot,
        "select campaign_id, kpi, coalesce(segment_id, 'all'), effect, ci_low, ci_high, "
        "n_treated, n_control from strategy_effects where relative_month is null",
    )
    assert len(shown) == 5
    for campaign, kpi, segment, effect, low, high, treated, control in shown:
        values = ["" if v is None else v for v in (effect, low, high)]
        assert (
            f'data-effect-campaign="{campaign}" data-kpi="{kpi}" data-effect-segment="{segment}" '
            f'data-effect="{values[0]}" data-ci-low="{values[1]}" data-ci-high="{values[2]}" '
            f'data-n-treated="{treated}" data-n-control="{control}"' in html
        )
    assert 'data-n-treated="1200"' not in html  # a single month after the start: not shown
    assert "S02 Customers in arrears, late payers, on payment plans" in text
    assert "too few customers" in text
    assert html.count('<svg role="img" aria-labelledby="effect-') == 3  # per campaign x KPI


def test_report_compares_the_newest_risk_model_with_the_credit_rating(outcomes_snapshot):
    html = (outcomes_snapshot / REPORT_FILE).read_text("utf-8")
    assert 'data-risk-model="2024-03-def"' in html and "2024-01-abc" not in html
    for population in ("all", "new_arrears"):
        for figure, digits in (("auc", 3), ("brier", 3), ("lift_top_decile", 2)):
            for scorer, prefix in (("model", ""), ("rule", "baseline_")):
                value = RISK_MODEL[f"{prefix}{figure}_{population}"]
                assert (
                    f'data-risk-figure="{figure}" data-population="{population}" '
                    f'data-scorer="{scorer}" data-value="{value}">{value:.{digits}f}</td>'
                ) in html
    assert 'data-risk-n="new_arrears" data-value="1650">1,650<' in html
    assert "by +0.093: enough to prefer the model" in html


def test_outcomes_render_in_chinese_without_english(outcomes_snapshot):
    content = read_content(outcomes_snapshot / PUBLISHED_DB)
    text = visible_text(render_report(content, load_labels("zh-CN"), QUALITY))
    assert "分期缴费方案使按时缴费比例提高了 0.15" in text and "欠费风险模型" in text
    assert not leaked_labels(text)


def test_outcomes_render_the_same_bytes(outcomes_snapshot, tmp_path):
    copy = tmp_path / PUBLISHED_DB
    copy.write_bytes((outcomes_snapshot / PUBLISHED_DB).read_bytes())
    for language in languages():
        again = report_files(copy, QUALITY, language)[REPORT_FILE]
        first = report_files(outcomes_snapshot / PUBLISHED_DB, QUALITY, language)[REPORT_FILE]
        assert again == first, language


def test_report_shows_the_segment_kpi_trends(outcomes_snapshot):
    html = (outcomes_snapshot / REPORT_FILE).read_text("utf-8")
    rows = published_rows(
        outcomes_snapshot,
        "select as_of_month, coalesce(segment_id, 'all'), on_time_payment_ratio, "
        "share_in_arrears_over_60d from segment_kpis",
    )
    assert len(rows) == 8 and "No segment KPIs were published" not in html
    for month, segment, on_time, arrears in rows:
        for kpi, value in (
            ("on_time_payment_ratio", on_time),
            ("share_in_arrears_over_60d", arrears),
        ):
            shown = "-" if value is None else f"{100 * value:.1f}%"
            assert (
                f'data-kpi-month="{month}" data-kpi-segment="{segment}" data-kpi="{kpi}" '
                f'data-value="{"" if value is None else value}">{shown}</td>'
            ) in html
    for chart, lines in (("kpi-0", 3), ("kpi-1", 4)):  # S03 misses an on-time month
        start = html.index(f'aria-labelledby="{chart}-t')
        assert html[start : html.index("</svg>", start)].count("<polyline") == lines, chart
