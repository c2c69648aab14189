"""The report's sections after the segment cards: the value x satisfaction grid, the moves
between segments, the profile heat map, the model's quality and the data quality."""

from __future__ import annotations

import polars as pl

from ml.eligibility import RESERVED_SEGMENT_ID
from ml.heatmap import format_index, heatmap_grid
from orchestration.defs.publish.report import svg
from orchestration.defs.publish.report.content import ReportContent
from orchestration.defs.publish.report.html import data_attrs, esc, fmt_int, fmt_pct, table
from orchestration.defs.publish.report.labels import Labels
from orchestration.defs.quality.report import QualityFigures


def section(key: str, labels: Labels, *parts: str) -> str:
    """A section with its id and its heading (the label `key`)."""
    return (
        f'<section id="{key}"><h2>{esc(labels.text(key))}</h2>\n' + "\n".join(parts) + "</section>"
    )


def grid_section(content: ReportContent, labels: Labels, config: dict) -> str:
    sat = config["satisfaction"]
    cells = sat["grids"][sat["grid"]]["cells"]  # "value/satisfaction" -> published cell text
    key_of = {text: key for key, text in cells.items()}
    value_levels = list(dict.fromkeys(k.split("/")[0] for k in cells))
    sat_levels = list(dict.fromkeys(k.split("/")[1] for k in cells))
    counts = dict(content.grid.iter_rows())
    t = labels.text
    rows = []
    for v in value_levels:
        tds = []
        for s in sat_levels:
            text = cells.get(f"{v}/{s}")
            n = counts.get(text, 0)
            tds.append(
                f'<td class="count" title="{esc(text)}"{data_attrs(cell=text, customers=n)}>'
                f"{fmt_int(n)}<br><span class=muted>{fmt_pct(n / content.total)}</span></td>"
            )
        rows.append(f'<tr><th scope="row">{esc(labels.value("level", v))}</th>{"".join(tds)}</tr>')
    heads = [f"{t('grid_value')} \\ {t('grid_satisfaction')}"] + [
        labels.value("level", s) for s in sat_levels
    ]
    others = [
        f"<tr{data_attrs(cell=text, customers=n)}><td>{esc(text)}</td>"
        f'<td class="num">{fmt_int(n)}</td></tr>'
        for text, n in content.grid.iter_rows()
        if text not in key_of
    ]
    return section(
        "grid",
        labels,
        f"<p>{esc(t('grid_intro', month=content.month))}</p>",
        table(None, heads, rows, css="grid"),
        table(None, [t("grid"), t("customers")], others, (False, True)) if others else "",
    )


def migrations_section(content: ReportContent, labels: Labels, names: dict[str, str]) -> str:
    t = labels.text
    moves = content.migrations
    if moves.height == 0:
        return section("migrations", labels, f"<p>{esc(t('migrations_none'))}</p>")
    from_month, to_month = moves["from_month"][0], moves["to_month"][0]
    counts = {
        (f, to): n
        for f, to, n in moves.select("from_segment", "to_segment", "n_customers").iter_rows()
    }
    ids = sorted(set(moves["from_segment"]) | set(moves["to_segment"]))
    stayed = sum(n for (f, to), n in counts.items() if f == to)
    moved = sum(n for (f, to), n in counts.items() if f != to)
    rows = []
    for f in ids:
        tds = "".join(
            f'<td class="num"{data_attrs(from_segment=f, to_segment=to, customers=counts[(f, to)])}>'
            + (
                f"<strong>{fmt_int(counts[(f, to)])}</strong>"
                if f == to
                else fmt_int(counts[(f, to)])
            )
            + "</td>"
            if (f, to) in counts
            else '<td class="num">-</td>'
            for to in ids
        )
        rows.append(f'<tr><th scope="row">{esc(f)} {esc(names.get(f, ""))}</th>{tds}</tr>')
    heads = [f"{t('migrations_from')} \\ {t('migrations_to')}", *ids]
    return section(
        "migrations",
        labels,
        f"<p>{esc(t('migrations_intro', from_month=from_month, to_month=to_month))}</p>",
        f"<p{data_attrs(stayed=stayed, moved=moved)}>{esc(t('migrations_stayed'))}{esc(t('colon'))}"
        f"<strong>{fmt_int(stayed)}</strong> · {esc(t('migrations_moved'))}{esc(t('colon'))}"
        f"<strong>{fmt_int(moved)}</strong></p>",
        table(None, heads, rows, (False, *[True] * len(ids))),
    )


def heatmap_section(content: ReportContent, labels: Labels, names: dict[str, str]) -> str:
    t = labels.text
    if content.profiles.filter(pl.col("segment_id") != RESERVED_SEGMENT_ID).height == 0:
        return ""
    grid = heatmap_grid(content.profiles)
    rows = [f"{s} {names.get(s, s)}" for s in grid.segment_ids]
    columns = [labels.trait(trait) for trait in grid.traits]
    chart = svg.heatmap(
        "heatmap", t("heatmap"), t("heatmap_desc"), rows, columns, grid.index, t("heatmap_scale")
    )
    alt_rows = [
        f'<tr><th scope="row">{esc(r)}</th>'
        + "".join(f'<td class="num">{format_index(v)}</td>' for v in values)
        + "</tr>"
        for r, values in zip(rows, grid.index, strict=True)
    ]
    alternative = table(None, [t("segment"), *columns], alt_rows, (False, *[True] * len(columns)))
    return section(
        "heatmap",
        labels,
        f"<p>{esc(t('heatmap_intro', month=grid.month))}</p>",
        f'<div class="chart">{chart}</div>',
        f"<details><summary>{esc(t('chart_table'))}</summary>{alternative}</details>",
    )


def model_section(model: dict, labels: Labels) -> str:
    t = labels.text
    if not model:
        return section("model", labels, f"<p>{esc(t('not_available'))}</p>")
    na = t("not_available")

    def num(key: str, digits: int = 3) -> str:
        value = model.get(key)
        return na if value is None else f"{value:.{digits}f}"

    features = len([f for f in (model.get("features") or "").split(",") if f])
    matched = "/".join(
        na if model.get(k) is None else str(model[k])
        for k in ("n_segments_matched", "n_segments_new", "n_segments_retired")
    )
    fidelity = model.get("surrogate_fidelity")
    rows = [
        ("model_version", model.get("model_version")),
        ("trained_at", model.get("trained_at")),
        ("training_month", model.get("training_month") or model.get("as_of_month")),
        ("method", t("method_value", features=features)),
        ("k", model.get("k")),
        ("silhouette", num("silhouette")),
        ("davies_bouldin", num("davies_bouldin")),
        ("stability", num("stability_ari")),
        ("segments_matched", matched),
        ("surrogate", na if fidelity is None else fmt_pct(fidelity)),
    ]
    body = [
        f'<tr><th scope="row">{esc(t(key))}</th><td{data_attrs(metric=key)}>{esc(value)}</td></tr>'
        for key, value in rows
    ]
    return section("model", labels, table(None, [t("model"), ""], body))


def quality_section(q: QualityFigures | None, labels: Labels) -> str:
    t = labels.text
    if q is None:
        return section("quality", labels, f"<p>{esc(t('quality_unavailable'))}</p>")
    reasons = [
        f'<tr><td>{esc(table_name)}</td><td>{esc(reason)}</td><td class="num">{fmt_int(n)}</td></tr>'
        for table_name, reason, n in q.quarantined
    ]
    files = [
        f'<tr><td>{esc(name)}</td><td class="num">{fmt_int(n)}</td><td>{esc(reason)}</td></tr>'
        for name, n, reason, _ in q.rejected_files
    ]
    parts = [
        f"<ul><li{data_attrs(quarantined=q.quarantined_total)}>{esc(t('quarantined'))}{esc(t('colon'))}"
        f"<strong>{fmt_int(q.quarantined_total)}</strong></li>",
        f"<li{data_attrs(files_rejected=len(q.rejected_files))}>{esc(t('files_rejected'))}{esc(t('colon'))}"
        f"<strong>{fmt_int(len(q.rejected_files))}</strong></li>",
        _accounting(
            labels,
            "row_accounting",
            q.batches_unbalanced == 0,
            received=q.rows_received,
            accepted=q.rows_accepted,
            quarantined=q.rows_quarantined,
            duplicates=q.rows_exact_duplicate,
        ),
        _accounting(
            labels,
            "file_accounting",
            q.tables_unbalanced == 0,
            received=q.files_received,
            loaded=q.files_loaded,
            rejected=q.files_rejected,
            duplicates=q.files_duplicate,
        )
        + "</ul>",
    ]
    if reasons:
        parts.append(
            table(
                t("quarantined_by"),
                [t("table"), t("reason"), t("rows")],
                reasons,
                (False, False, True),
            )
        )
    if files:
        parts.append(
            table(
                t("files_rejected"),
                [t("table"), t("rows"), t("reason")],
                files,
                (False, True, False),
            )
        )
    return section("quality", labels, *parts)


def _accounting(labels: Labels, key: str, balanced: bool, **counts: int) -> str:
    """One accounting equation and whether it adds up, as a list item."""
    sentence = labels.text(key, **{k: fmt_int(n) for k, n in counts.items()})
    verdict = labels.text("balanced" if balanced else "unbalanced")
    colon = labels.text("colon")
    return f"<li>{esc(sentence)}{esc(colon)}<strong>{esc(verdict)}</strong></li>"
