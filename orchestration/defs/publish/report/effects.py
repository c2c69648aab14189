"""The report's campaign effects and arrears-risk sections (and the KPI trends' figures): what each service campaign did to
its KPIs (strategy_effects, difference in differences against a control group) and how well the
newest arrears-risk model ranks customers against the credit-rating rule (arrears_risk_models).

Read from the snapshot's own tables, like every other figure of the report; a table that is
empty (or, for strategy_effects, absent: a warehouse from before it) gets one sentence."""

from __future__ import annotations

from dataclasses import dataclass

import duckdb
import polars as pl

from orchestration.defs.publish.report import svg
from orchestration.defs.publish.report.html import data_attrs, esc, fmt_int, fmt_pct, table
from orchestration.defs.publish.report.kpis import read_kpis
from orchestration.defs.publish.report.labels import Labels
from orchestration.defs.warehouse import query_frame, table_exists

# The whole post period (relative_month null), all segments first; one order, same bytes.
EFFECTS = """
    select campaign_id, strategy, kpi, segment_id, segment_name, start_month,
        n_treated, n_control, effect, ci_low, ci_high
    from strategy_effects
    where relative_month is null
    order by campaign_id, kpi, segment_id nulls first
"""
LATEST_RISK_MODEL = (
    "select * from arrears_risk_models order by trained_at desc, model_version desc limit 1"
)
RISK_POPULATIONS = ("all", "new_arrears")
RISK_FIGURES = {"auc": 3, "brier": 3, "lift_top_decile": 2}  # figure -> decimals shown


@dataclass(frozen=True)
class OutcomesContent:
    effects: pl.DataFrame  # EFFECTS' columns, whole post period; no rows without campaigns
    risk_model: dict | None  # the newest arrears_risk_models row; None before the first
    kpis: pl.DataFrame  # segment_kpis' trend columns (kpis.KPIS); no rows without the table


def read_outcomes(conn: duckdb.DuckDBPyConnection) -> OutcomesContent:
    effects = (
        query_frame(conn, EFFECTS)
        if table_exists(conn, "main", "strategy_effects")
        else pl.DataFrame()
    )
    risk = (
        query_frame(conn, LATEST_RISK_MODEL)
        if table_exists(conn, "main", "arrears_risk_models")
        else pl.DataFrame()
    )
    return OutcomesContent(
        effects=effects,
        risk_model=risk.row(0, named=True) if risk.height else None,
        kpis=read_kpis(conn),
    )


def effect_digits(*values: float | None) -> int:
    """Decimals for an effect and its interval, from the largest of them: 123 / 12.3 / 0.15
    / 0.015."""
    size = max((abs(v) for v in values if v is not None), default=0.0)
    return 0 if size >= 100 else 1 if size >= 10 else 2 if size >= 0.1 else 3


def _num(value: float, digits: int) -> str:
    text = f"{value:,.{digits}f}"
    return "0" if text.lstrip("-").strip("0.,") == "" else text  # no "-0.00"


def effect_sentence(row: dict, labels: Labels) -> str:
    """One plain-language sentence for one campaign x KPI x segment, whole post period."""
    t = labels.text
    strategy, kpi = strategy_label(row["strategy"], labels), kpi_label(row["kpi"], labels)
    counts = {"treated": fmt_int(row["n_treated"]), "control": fmt_int(row["n_control"])}
    effect, low, high = row["effect"], row["ci_low"], row["ci_high"]
    if effect is None or low is None or high is None:
        return t("effect_too_few", strategy=strategy, kpi=kpi, **counts)
    digits = effect_digits(effect, low, high)
    if low <= 0 <= high:
        key, shown = "effect_none", (effect, low, high)
    elif effect > 0:
        key, shown = "effect_raised", (effect, low, high)
    else:  # lowered: the magnitudes, smallest bound first
        key, shown = "effect_lowered", (-effect, -high, -low)
    value, lo, hi = (_num(v, digits) for v in shown)
    return t(key, strategy=strategy, kpi=kpi, effect=value, low=lo, high=hi, **counts)


def strategy_label(strategy: str | None, labels: Labels) -> str:
    """A campaign strategy's label; the strategy as loaded when the label file has none."""
    return labels.data["text"].get(f"campaign_strategy_{strategy}", strategy or "-")


def kpi_label(kpi: str, labels: Labels) -> str:
    return labels.data["text"].get(f"kpi_{kpi}", kpi)


def effects_section(
    content: OutcomesContent, labels: Labels, names: dict[str, str]
) -> tuple[str, ...]:
    """The section's parts: per campaign, a sentence per KPI (all customers), an interval chart
    and a table per segment."""
    t = labels.text
    effects = content.effects
    if effects.height == 0:
        return (f'<p data-campaigns="0">{esc(t("effects_none"))}</p>',)
    parts = [f"<p>{esc(t('effects_intro'))}</p>"]
    for number, campaign in enumerate(effects["campaign_id"].unique(maintain_order=True)):
        rows = effects.filter(pl.col("campaign_id") == campaign).to_dicts()
        first = rows[0]
        parts.append(
            f"<h3{data_attrs(campaign=campaign)}>"
            + esc(
                t(
                    "effects_campaign",
                    campaign=campaign,
                    strategy=strategy_label(first["strategy"], labels),
                    start_month=first["start_month"],
                )
            )
            + "</h3>"
        )
        overall = [r for r in rows if r["segment_id"] is None]
        parts.append(
            "<ul>"
            + "".join(
                f"<li{_effect_attrs(r)}>{esc(effect_sentence(r, labels))}</li>" for r in overall
            )
            + "</ul>"
        )
        parts.extend(_campaign_chart(number, campaign, rows, labels, names))
        segment_rows = [r for r in rows if r["segment_id"] is not None]
        if segment_rows:
            parts.append(_segment_table(segment_rows, labels, names))
    return tuple(parts)


def _effect_attrs(row: dict) -> str:
    """The figures shown, as the table holds them (full precision, null as empty)."""
    return data_attrs(
        effect_campaign=row["campaign_id"],
        kpi=row["kpi"],
        effect_segment=row["segment_id"] or "all",
        **{
            k: "" if row[k] is None else row[k]
            for k in ("effect", "ci_low", "ci_high", "n_treated", "n_control")
        },
    )


def _segment_label(row: dict, names: dict[str, str], labels: Labels) -> str:
    sid = row["segment_id"]
    if sid is None:
        return labels.text("effects_all_customers")
    return f"{sid} {names.get(sid) or row['segment_name'] or ''}".strip()


def _segment_table(rows: list[dict], labels: Labels, names: dict[str, str]) -> str:
    t = labels.text
    body = []
    for r in rows:
        effect, low, high = r["effect"], r["ci_low"], r["ci_high"]
        if effect is None or low is None or high is None:
            shown, interval = "-", t("effects_too_few_short")
        else:
            digits = effect_digits(effect, low, high)
            shown = _num(effect, digits)
            interval = t("effects_interval", low=_num(low, digits), high=_num(high, digits))
        body.append(
            f"<tr{_effect_attrs(r)}><td>{esc(_segment_label(r, names, labels))}</td>"
            f"<td>{esc(kpi_label(r['kpi'], labels))}</td>"
            f'<td class="num">{esc(shown)}</td><td class="num">{esc(interval)}</td>'
            f'<td class="num">{fmt_int(r["n_treated"])}</td>'
            f'<td class="num">{fmt_int(r["n_control"])}</td></tr>'
        )
    headers = [
        t("segment"),
        t("effects_kpi"),
        t("effects_effect"),
        t("effects_interval_head"),
        t("effects_treated"),
        t("effects_control"),
    ]
    return table(t("effects_by_segment"), headers, body, (False, False, True, True, True, True))


def _campaign_chart(
    number: int, campaign: str, rows: list[dict], labels: Labels, names: dict[str, str]
) -> list[str]:
    """One interval chart per KPI: the effect and its 95% interval, all customers and each
    segment, against the zero line. Nothing when no row has an estimate."""
    t = labels.text
    out = []
    for position, kpi in enumerate(dict.fromkeys(r["kpi"] for r in rows)):
        points = [
            (_segment_label(r, names, labels), r["effect"], r["ci_low"], r["ci_high"])
            for r in rows
            if r["kpi"] == kpi
        ]
        if not any(p[1] is not None for p in points):
            continue
        label = kpi_label(kpi, labels)
        chart = svg.interval_chart(
            f"effect-{number}-{position}",  # ids from positions: any campaign id is safe
            t("effects_chart", campaign=campaign, kpi=label),
            t("effects_chart_desc", kpi=label),
            points,
            t("effects_chart_axis", kpi=label),
        )
        out.append(
            f'<div class="chart"{data_attrs(chart_campaign=campaign, kpi=kpi)}>{chart}</div>'
        )
    return out


def arrears_risk_section(model: dict | None, labels: Labels) -> tuple[str, ...]:
    """The newest arrears-risk model against the credit-rating rule, on all customers and on
    new arrears: AUC, Brier score and top-decile lift."""
    t = labels.text
    if not model:
        return (f'<p data-risk-model="">{esc(t("risk_none"))}</p>',)
    na = t("not_available")

    def cell(key: str, population: str, scorer: str) -> str:
        column = f"{'baseline_' if scorer == 'rule' else ''}{key}_{population}"
        value = model.get(column)
        attrs = data_attrs(
            risk_figure=key,
            population=population,
            scorer=scorer,
            value="" if value is None else value,
        )
        shown = na if value is None else f"{value:.{RISK_FIGURES[key]}f}"
        return f'<td class="num"{attrs}>{shown}</td>'

    rows = [
        f'<tr><th scope="row">{esc(t(f"risk_{key}"))}</th>'
        + "".join(cell(key, p, s) for p in RISK_POPULATIONS for s in ("model", "rule"))
        + "</tr>"
        for key in RISK_FIGURES
    ]
    counts = [
        f'<tr><th scope="row">{esc(t("risk_n"))}</th>'
        + "".join(
            f'<td class="num" colspan="2"{data_attrs(risk_n=p, value=model.get(f"n_{p}"))}>'
            f"{fmt_int(model.get(f'n_{p}'))}</td>"
            for p in RISK_POPULATIONS
        )
        + "</tr>",
        f'<tr><th scope="row">{esc(t("risk_positive_rate"))}</th>'
        + "".join(
            f'<td class="num" colspan="2">{fmt_pct(model.get(f"positive_rate_{p}"))}</td>'
            for p in RISK_POPULATIONS
        )
        + "</tr>",
    ]
    headers = [
        "",
        *(
            f"{t(f'risk_population_{p}')}{t('colon')}{t(f'risk_scorer_{s}')}"
            for p in RISK_POPULATIONS
            for s in ("model", "rule")
        ),
    ]
    gain = model.get("auc_gain_new_arrears")
    verdict = t(
        "risk_beats" if model.get("beats_baseline") else "risk_not_beats",
        gain=na if gain is None else f"{gain:+.3f}",
    )
    return (
        f"<p{data_attrs(risk_model=model['model_version'])}>"
        + esc(
            t(
                "risk_intro",
                version=model["model_version"],
                horizon=model.get("horizon_months"),
                first=model.get("test_first_month"),
                last=model.get("test_last_month"),
            )
        )
        + "</p>",
        table(None, headers, rows + counts, (False, True, True, True, True)),
        f"<p{data_attrs(beats_baseline=bool(model.get('beats_baseline')))}>{esc(verdict)}</p>",
        f"<p class=muted>{esc(t('risk_note'))}</p>",
    )
