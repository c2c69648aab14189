"""The segment report: one self-contained HTML file per published snapshot.

Grain: one page per snapshot and language, rendered from the snapshot's own segments.duckdb
(ReportContent) and the warehouse's quality counts, so it switches with the tables it
describes. Same tables and counts, same bytes: no clock, no snapshot id, no random id.
"""

from __future__ import annotations

from pathlib import Path

import polars as pl

from ml.eligibility import RESERVED_SEGMENT_ID
from ml.heatmap import profile_heatmap_png
from ml.pipeline import load_config
from ml.profiles import trait_names
from orchestration.defs.publish.report import svg
from orchestration.defs.publish.report.cards import population_centres, segment_card
from orchestration.defs.publish.report.content import ReportContent, read_content
from orchestration.defs.publish.report.effects import arrears_risk_section, effects_section
from orchestration.defs.publish.report.html import (
    data_attrs,
    esc,
    fmt_int,
    fmt_pct,
    page,
    table,
)
from orchestration.defs.publish.report.kpis import kpis_section
from orchestration.defs.publish.report.labels import (
    Labels,
    load_labels,
    phrase_slots,
    trait_labels,
)
from orchestration.defs.publish.report.sections import (
    grid_section,
    heatmap_section,
    migrations_section,
    model_section,
    quality_section,
    section,
)
from orchestration.defs.publish.report.services import services_section
from orchestration.defs.quality.report import QualityFigures
from orchestration.settings import report_language

REPORT_FILE = "segment_report.html"
HEATMAP_FILE = "segment_profiles_heatmap.png"
SECTIONS = (
    "overview",
    "segments",
    "grid",
    "migrations",
    "services",
    "kpis",
    "effects",
    "arrears_risk",
    "heatmap",
    "model",
    "quality",
)


def report_files(
    published_db: Path, quality: QualityFigures | None, language: str | None = None
) -> dict[str, bytes]:
    """The snapshot's report (in `language`, default GRIDSEG_REPORT_LANG) and its heat map PNG
    (English: the PNG's font has no CJK glyphs), from the published `segments.duckdb`."""
    content = read_content(published_db)
    files = {
        REPORT_FILE: render_report(content, load_labels(language or report_language()), quality)
    }
    if content.profiles.filter(pl.col("segment_id") != RESERVED_SEGMENT_ID).height:
        files[HEATMAP_FILE] = profile_heatmap_png(content.profiles, trait_labels("en"))
    return {
        name: data.encode("utf-8") if isinstance(data, str) else data
        for name, data in files.items()
    }


def _traits(content: ReportContent) -> list[str]:
    return [
        t
        for t in trait_names(load_config()["segmentation"]["profile"])
        if f"{t}_index" in content.profiles.columns
    ]


def render_report(content: ReportContent, labels: Labels, quality: QualityFigures | None) -> str:
    config = load_config()
    slots = phrase_slots(config["naming"])
    names = {
        sid: labels.segment_name(name or "", slots) or name or sid
        for sid, name in content.segments.select("segment_id", "segment_name").iter_rows()
    }
    t = labels.text
    model = content.model or {}
    header = (
        f"<h1>{esc(t('title'))}</h1><p>"
        + esc(
            t(
                "subtitle",
                month=content.month,
                customers=fmt_int(content.total),
                segments=content.segments.height,
                model=model.get("model_version", "-"),
            )
        )
        + "</p>"
    )
    nav = "<ul>" + "".join(f'<li><a href="#{s}">{esc(t(s))}</a></li>' for s in SECTIONS) + "</ul>"
    body = "\n".join(
        [
            _overview(content, labels, names),
            _segments(content, labels, names, config),
            grid_section(content, labels, config),
            migrations_section(content, labels, names),
            section(
                "services",
                labels,
                *services_section(content.services, content.month, labels, names),
            ),
            section("kpis", labels, *kpis_section(content.outcomes.kpis, labels, names)),
            section("effects", labels, *effects_section(content.outcomes, labels, names)),
            section(
                "arrears_risk",
                labels,
                *arrears_risk_section(content.outcomes.risk_model, labels),
            ),
            heatmap_section(content, labels, names),
            model_section(model, labels),
            quality_section(quality, labels),
        ]
    )
    return page(
        labels.language, f"{t('title')} {content.month}", header, nav, body, esc(t("footer"))
    )


def _overview(content: ReportContent, labels: Labels, names: dict[str, str]) -> str:
    t = labels.text
    rows = [
        f"<tr{data_attrs(segment_id=sid, customers=n, share=f'{share:.6f}')}>"
        f'<td><a href="#segment-{esc(sid)}">{esc(sid)}</a> {esc(names[sid])}</td>'
        f'<td class="num">{fmt_int(n)}</td><td class="num">{fmt_pct(share)}</td></tr>'
        for sid, n, share in content.segments.select(
            "segment_id", "n_customers", "share"
        ).iter_rows()
    ]
    sizes = table(None, [t("segment"), t("customers"), t("share")], rows, (False, True, True))
    trend = content.trend
    months = sorted(set(trend["as_of_month"]))
    ids = sorted(set(trend["segment_id"]))
    counts = {(m, s): n for m, s, n in trend.iter_rows()}
    series = [(f"{s} {names.get(s, s)}", [counts.get((m, s), 0) for m in months]) for s in ids]
    chart = svg.line_chart(
        "trend",
        t("trend"),
        t("trend_desc", first=months[0], last=months[-1]),
        months,
        series,
        t("trend_axis_x"),
        t("trend_axis_y"),
    )
    trend_rows = [
        f'<tr><th scope="row">{m}</th>'
        + "".join(f'<td class="num">{fmt_int(counts.get((m, s), 0))}</td>' for s in ids)
        + "</tr>"
        for m in months
    ]
    alternative = table(None, [t("month"), *ids], trend_rows, (False, *[True] * len(ids)))
    return section(
        "overview",
        labels,
        f"<p>{esc(t('overview_intro', month=content.month))}</p>",
        sizes,
        f"<h3>{esc(t('trend'))}</h3>",
        f'<div class="chart">{chart}</div>',
        f"<details><summary>{esc(t('trend_table'))}</summary>{alternative}</details>",
    )


def _segments(content: ReportContent, labels: Labels, names: dict[str, str], config: dict) -> str:
    profiles = {r["segment_id"]: r for r in content.profiles.iter_rows(named=True)}
    traits = _traits(content)
    population = population_centres(content.profiles, traits)
    tiers, credit = _by_segment(content.tiers), _by_segment(content.credit)
    playbook = config["strategies"]["strategies"]
    cards = [
        segment_card(
            row,
            profiles.get(row["segment_id"]),
            population,
            traits,
            tiers.get(row["segment_id"], {}),
            credit.get(row["segment_id"], {}),
            content.satisfaction_median,
            labels,
            names[row["segment_id"]],
            playbook,
            position,
        )
        for position, row in enumerate(content.segments.iter_rows(named=True))
    ]
    t = labels.text
    strategy_rows = [
        f"<tr{data_attrs(strategy=key, customers=n)}><td>{esc(labels.strategy(key))}</td>"
        f'<td class="num">{fmt_int(n)}</td><td class="num">{fmt_pct(n / content.total)}</td></tr>'
        for key, n in content.strategies.iter_rows()
    ]
    return section(
        "segments",
        labels,
        '<div class="cards">' + "\n".join(cards) + "</div>",
        f"<h3>{esc(t('strategies_all'))}</h3>",
        table(
            None, [t("strategy"), t("customers"), t("share")], strategy_rows, (False, True, True)
        ),
    )


def _by_segment(frame: pl.DataFrame) -> dict[str, dict[str, int]]:
    out: dict[str, dict[str, int]] = {}
    for sid, key, n in frame.iter_rows():
        out.setdefault(sid, {})[str(key)] = n
    return out
