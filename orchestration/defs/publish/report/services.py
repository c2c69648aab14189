"""The report's services section: per segment, how many of the latest month's customers each
signal fires for, and how many this month's action list contacts; the list's size per action.

Read from the snapshot's customer_signals, service_actions and customer_segments, like every
other figure of the report."""

from __future__ import annotations

from dataclasses import dataclass

import duckdb
import polars as pl

from ml.services.actions import ACTION_SIGNALS
from ml.services.signals import SIGNALS
from orchestration.defs.publish.report.html import data_attrs, esc, fmt_int, fmt_pct, table
from orchestration.defs.publish.report.labels import Labels
from orchestration.defs.warehouse import query_frame

FLAGS = [flag for flag, _ in SIGNALS]  # column names from ml/services, never from input
BY_SEGMENT = (
    "select s.segment_id, count(*) as customers, "
    + ", ".join(f"count(*) filter (where g.{flag}) as {flag}" for flag in FLAGS)
    + ", count(a.customer_id) as actions"
    " from customer_segments as s"
    " inner join customer_signals as g using (customer_id, as_of_month)"
    " left join service_actions as a using (customer_id, as_of_month)"
    " group by s.segment_id order by s.segment_id"
)
BY_ACTION = "select action, count(*) as n from service_actions group by action"


@dataclass(frozen=True)
class ServicesContent:
    by_segment: pl.DataFrame  # segment_id, customers, one count per signal, actions
    by_action: dict[str, int]  # action -> customers contacted


def read_services(conn: duckdb.DuckDBPyConnection) -> ServicesContent:
    return ServicesContent(
        by_segment=query_frame(conn, BY_SEGMENT),
        by_action=dict(conn.execute(BY_ACTION).fetchall()),
    )


def services_section(
    content: ServicesContent, month: str, labels: Labels, names: dict[str, str]
) -> tuple[str, ...]:
    """The section's parts: its introduction and two tables."""
    t = labels.text
    rows = []
    for row in content.by_segment.iter_rows(named=True):
        sid, n = row["segment_id"], row["customers"]
        attrs = data_attrs(
            services_segment=sid, **{f: row[f] for f in FLAGS}, actions=row["actions"]
        )
        cells = "".join(
            f'<td class="num">{fmt_int(row[f])}<br>'
            f"<span class=muted>{fmt_pct(row[f] / n if n else None)}</span></td>"
            for f in FLAGS
        )
        rows.append(
            f"<tr{attrs}><td>{esc(sid)} {esc(names.get(sid, ''))}</td>"
            f'<td class="num">{fmt_int(n)}</td>{cells}'
            f'<td class="num">{fmt_int(row["actions"])}</td></tr>'
        )
    headers = [t("segment"), t("customers"), *(t(f"signal_{f}") for f in FLAGS), t("actions")]
    action_rows = [
        f"<tr{data_attrs(action=action, customers=content.by_action.get(action, 0))}>"
        f"<td>{esc(t(f'action_{action}'))}</td>"
        f'<td class="num">{fmt_int(content.by_action.get(action, 0))}</td></tr>'
        for action in ACTION_SIGNALS
    ]
    return (
        f"<p>{esc(t('services_intro', month=month))}</p>",
        table(None, headers, rows, (False, *[True] * (len(headers) - 1))),
        f"<h3>{esc(t('actions_by_action'))}</h3>",
        table(None, [t("action"), t("customers")], action_rows, (False, True)),
    )
