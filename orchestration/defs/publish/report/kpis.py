"""The report's KPI trends: per month, the on-time payment ratio and the share of customers in
arrears over 60 days of each segment and of all customers, from the snapshot's segment_kpis."""

from __future__ import annotations

import duckdb
import polars as pl

from orchestration.defs.publish.report import svg
from orchestration.defs.publish.report.html import data_attrs, esc, fmt_pct, table
from orchestration.defs.publish.report.labels import Labels
from orchestration.defs.warehouse import query_frame, table_exists

TREND_KPIS = ("on_time_payment_ratio", "share_in_arrears_over_60d")  # fractions 0-1
ALL = "all"  # the all-customers row (segment_id null)
KPIS = (
    f"select as_of_month, coalesce(segment_id, '{ALL}') as segment_id, segment_name, "
    + ", ".join(TREND_KPIS)
    + " from segment_kpis order by all"
)


def read_kpis(conn: duckdb.DuckDBPyConnection) -> pl.DataFrame:
    """segment_kpis' trend columns; no rows when the snapshot has none (or no such table)."""
    return query_frame(conn, KPIS) if table_exists(conn, "main", "segment_kpis") else pl.DataFrame()


def kpis_section(kpis: pl.DataFrame, labels: Labels, names: dict[str, str]) -> tuple[str, ...]:
    """Per KPI: a line per segment (and all customers) over the months, and its table."""
    t = labels.text
    if kpis.height == 0:
        return (f"<p>{esc(t('kpis_none'))}</p>",)
    months = sorted(set(kpis["as_of_month"]))
    ids = sorted(set(kpis["segment_id"]), key=lambda s: (s != ALL, s))  # all customers first
    label = {
        sid: t("effects_all_customers") if sid == ALL else f"{sid} {names.get(sid) or name or ''}"
        for sid, name in kpis.select("segment_id", "segment_name").iter_rows()
    }
    parts = [f"<p>{esc(t('kpis_intro', first=months[0], last=months[-1]))}</p>"]
    for position, kpi in enumerate(TREND_KPIS):
        values = {
            (m, s): v for m, s, v in kpis.select("as_of_month", "segment_id", kpi).iter_rows()
        }
        # a line needs every month: a segment missing one is in the table only
        series = [
            (label[s].strip(), [100 * values[(m, s)] for m in months])
            for s in ids
            if all(values.get((m, s)) is not None for m in months)
        ]
        title = t(f"kpis_{kpi}")
        chart = svg.line_chart(
            f"kpi-{position}",
            title,
            t("kpis_chart_desc", kpi=title, first=months[0], last=months[-1]),
            months,
            series,
            t("trend_axis_x"),
            title,
        )
        rows = [
            f'<tr><th scope="row">{m}</th>'
            + "".join(
                f'<td class="num"{data_attrs(kpi_month=m, kpi_segment=s, kpi=kpi, value=_attr(values.get((m, s))))}>'
                f"{fmt_pct(values.get((m, s)))}</td>"
                for s in ids
            )
            + "</tr>"
            for m in months
        ]
        heads = [t("month"), *(label[s].strip() for s in ids)]
        parts += [
            f"<h3>{esc(title)}</h3>",
            f'<div class="chart"{data_attrs(chart_kpi=kpi)}>{chart}</div>',
            f"<details><summary>{esc(t('chart_table'))}</summary>"
            + table(None, heads, rows, (False, *[True] * len(ids)))
            + "</details>",
        ]
    return tuple(parts)


def _attr(value: float | None) -> object:
    return "" if value is None else value
