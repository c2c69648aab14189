"""One card per segment: who they are, value tiers, satisfaction, credit, strategy and reach.

"Who they are" lists the segment's `top_traits` (ranked by |z| in ml/profiles.py), filled up
to MAX_TRAITS with the traits whose index is furthest from 100, each with the segment's typical
value beside the population's. Typical values are the profiles' centres (trimmed means); the
population's centre is not a published column, and is recovered as centre x 100 / index from
any segment of the month with a non-zero index (the index is that very ratio).
"""

from __future__ import annotations

import math

import polars as pl

from ml.eligibility import RESERVED_SEGMENT_ID
from ml.heatmap import format_index, log_index
from ml.profiles import parse_top_traits
from orchestration.defs.publish.report import svg
from orchestration.defs.publish.report.html import (
    data_attrs,
    esc,
    fmt_int,
    fmt_number,
    fmt_pct,
    legend,
    table,
)
from orchestration.defs.publish.report.labels import Labels

MAX_TRAITS = 5
# Traits whose values are shares (0..1) and shown as percentages; their labels say "(%)".
PERCENT_TRAITS = frozenset(
    {
        "kwh_growth",
        "kwh_winter_share",
        "kwh_summer_share",
        "tou_peak_share",
        "tou_offpeak_share",
        "estimated_bill_share",
        "on_time_payment_ratio",
        "cash_payment_share",
        "peak_hour_share",
        "night_share",
        "share_cash_payers",
        "share_direct_debit",
        "share_solar",
        "share_budget_billing",
        "share_paperless",
        "share_residential",
        "share_commercial",
        "share_industrial",
        "share_agricultural",
        "share_public_sector",
    }
)
TIER_COLOURS = {"VIP": "#3f007d", "high": "#6a51a3", "medium": "#9e9ac8", "low": "#dadaeb"}
CREDIT_COLOURS = {"A": "#1b7837", "B": "#7fbf7b", "C": "#f1a340", "D": "#b35806"}
OTHER_COLOUR = "#bdbdbd"


def trait_value(trait: str, value: float | None) -> str:
    if value is None:
        return "-"
    return fmt_pct(value) if trait in PERCENT_TRAITS else fmt_number(value)


def population_centres(profiles: pl.DataFrame, traits: list[str]) -> dict[str, float | None]:
    """trait -> the population's centre of the month, from any segment's centre and index."""
    out: dict[str, float | None] = {}
    for trait in traits:
        out[trait] = None
        for centre, index in profiles.select(f"{trait}_centre", f"{trait}_index").iter_rows():
            if centre is None or index is None:
                continue
            if index != 0 and centre != 0:
                out[trait] = centre * 100.0 / index
                break
            if index == 100 and centre == 0:
                out[trait] = 0.0
                break
    return out


def card_traits(row: dict, traits: list[str]) -> list[str]:
    """The segment's top traits, then the furthest indices, MAX_TRAITS at most."""
    chosen = [t for t in parse_top_traits(row.get("top_traits")) if t in traits]
    strength = {
        t: abs(float(log_index(row[f"{t}_index"])))
        for t in traits
        if row.get(f"{t}_index") is not None and math.isfinite(row[f"{t}_index"])
    }
    for trait in sorted(strength, key=lambda t: (-strength[t], traits.index(t))):
        if len(chosen) >= MAX_TRAITS:
            break
        if trait not in chosen:
            chosen.append(trait)
    return [t for t in chosen if t in strength][:MAX_TRAITS]


def _mix(
    chart_id: str,
    title: str,
    labels: Labels,
    counts: dict[str, int],
    kind: str,
    colours: dict[str, str],
) -> str:
    total = sum(counts.values())
    order = [k for k in colours if k in counts] + sorted(k for k in counts if k not in colours)
    parts = [
        (labels.value(kind, k), counts[k], colours.get(k, OTHER_COLOUR)) for k in order if counts[k]
    ]
    bar = svg.stacked_bar(chart_id, title, labels.text("mix_desc", title=title), parts)
    items = legend([(c, f"{name} {fmt_pct(n / total)} ({fmt_int(n)})") for name, n, c in parts])
    return f"<h4>{esc(title)}</h4>{bar}{items}"


def segment_card(
    segment: dict,
    profile: dict | None,
    population: dict[str, float | None],
    traits: list[str],
    tiers: dict[str, int],
    credit: dict[str, int],
    content_satisfaction: float | None,
    labels: Labels,
    display_name: str,
    playbook: dict[str, str],
    position: int,
) -> str:
    """The HTML card of one segment (`segment`: a row of ReportContent.segments)."""
    sid = segment["segment_id"]
    original = segment["segment_name"] or ""
    name_html = f"{esc(sid)} {esc(display_name)}"
    if display_name != original:
        name_html += f' <span class="muted" lang="en">({esc(original)})</span>'
    parts = [
        f'<article class="card" id="segment-{esc(sid)}" style="--accent:{svg.colour(position)}"'
        f"{data_attrs(segment_card=sid)}>",
        f"<h3>{name_html}</h3>",
        f'<p class="size"{data_attrs(segment_id=sid, customers=segment["n_customers"])}>'
        + esc(
            labels.text(
                "size", customers=fmt_int(segment["n_customers"]), share=fmt_pct(segment["share"])
            )
        )
        + "</p>",
    ]
    if sid == RESERVED_SEGMENT_ID or profile is None:
        parts.append(f'<p class="muted">{esc(labels.text("not_profiled"))}</p>')
    else:
        rows = []
        for trait in card_traits(profile, traits):
            rows.append(
                f"<tr><th scope=row>{esc(labels.trait(trait))}</th>"
                f'<td class="num">{trait_value(trait, profile[f"{trait}_centre"])}</td>'
                f'<td class="num">{trait_value(trait, population.get(trait))}</td>'
                f'<td class="num">{format_index(profile[f"{trait}_index"])}</td></tr>'
            )
        heads = [labels.text(k) for k in ("trait", "segment_typical", "population_typical")]
        parts.append(f"<h4>{esc(labels.text('who'))}</h4>")
        parts.append(table(None, [*heads, labels.text("index")], rows, (False, True, True, True)))
        parts.append(f'<p class="muted">{esc(labels.text("traits_note"))}</p>')
    chart = f"mix-{sid}"
    parts.append(
        _mix(f"{chart}-tier", labels.text("value_tiers"), labels, tiers, "value_tier", TIER_COLOURS)
    )
    median = segment["satisfaction_median"]
    parts.append(f"<h4>{esc(labels.text('satisfaction'))}</h4>")
    parts.append(
        "<p>"
        + esc(
            labels.text(
                "satisfaction_median",
                segment=fmt_number(median),
                population=fmt_number(content_satisfaction),
            )
        )
        + "</p>"
    )
    parts.append(
        _mix(
            f"{chart}-credit",
            labels.text("credit"),
            labels,
            credit,
            "credit_rating",
            CREDIT_COLOURS,
        )
    )
    strategy = segment["strategy"]
    if strategy is not None:
        reach = segment["reach"]
        parts.append(
            f'<div class="strategy"{data_attrs(strategy=strategy, reach=reach)}>'
            f"<strong>{esc(labels.text('strategy'))}{esc(labels.text('colon'))}{esc(labels.strategy(strategy))}</strong>"
            f"<br>{esc(labels.strategy_description(strategy, playbook))}<br>"
            + esc(
                labels.text(
                    "strategy_reach",
                    customers=fmt_int(reach),
                    share=fmt_pct(reach / segment["n_customers"]),
                )
            )
            + "</div>"
        )
    parts.append("</article>")
    return "\n".join(parts)
