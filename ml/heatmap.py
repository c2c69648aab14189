"""Heat map of segment profiles: segments x their most distinguishing traits, coloured by the
robust index against the population (population = 100).

Grain: one grid of the latest as_of_month in the profiles frame, one row per profiled segment
(the reserved segment has no indices and is left out). The index is the one `ml/profiles.py`
computes: 100 x segment centre / population centre, centres being trimmed means, so that a few
industrial customers cannot push every household segment to a kWh index of 20.

Decisions:
- At most `max_traits` traits (12): first each segment's `top_traits` (ranked by |z|, the
  profile's own measure of what distinguishes it), strongest rank first across segments, then
  the traits whose share-weighted |log2(index / 100)| is largest. All 33 traits made 5 px
  numbers nobody read.
- Colour is log2(index / 100) on a diverging map, clipped at +-3 (x8 and x1/8; the cell text
  still shows the index itself); text is black or white, whichever contrasts more with its cell.
- Labels come from the caller (a trait -> readable label mapping): ml/ knows no language.
- The PNG is drawn with the Agg canvas (no pyplot global state) and without PNG metadata, so
  the same profiles give byte-identical PNGs. Its font is DejaVu Sans, which has no CJK glyphs:
  callers pass English labels for it.
"""

from __future__ import annotations

import io
from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np
import polars as pl
from matplotlib import colormaps
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.cm import ScalarMappable
from matplotlib.colors import Normalize
from matplotlib.figure import Figure

from ml.eligibility import RESERVED_SEGMENT_ID
from ml.profiles import parse_top_traits

MAX_TRAITS = 12
CLIP = 3.0  # log2 units: x8 above or below the population
COLOURS = colormaps["RdBu_r"]
MISSING_COLOUR = "#e0e0e0"
# the colour bar's ticks: index values at log2 steps
SCALE_TICKS = (12.5, 25.0, 50.0, 100.0, 200.0, 400.0, 800.0)


@dataclass(frozen=True)
class HeatmapGrid:
    """The cells of the heat map: `index[i][j]` of segment i and trait j (None: no index)."""

    month: str
    segment_ids: list[str]
    segment_names: list[str]
    traits: list[str]
    index: list[list[float | None]]


def heatmap_grid(profiles: pl.DataFrame, max_traits: int = MAX_TRAITS) -> HeatmapGrid:
    """The latest month of `profiles` (segment_profiles rows) as a heat-map grid."""
    if profiles.height == 0:
        raise ValueError("profile heat map needs at least one profile row")
    month = profiles["as_of_month"].max()
    latest = profiles.filter(
        (pl.col("as_of_month") == month) & (pl.col("segment_id") != RESERVED_SEGMENT_ID)
    ).sort("segment_id")
    if latest.height == 0:
        raise ValueError(f"profile heat map: no profiled segment in {month}")
    all_traits = [c.removesuffix("_index") for c in latest.columns if c.endswith("_index")]
    values = latest.select(pl.col(f"{t}_index").cast(pl.Float64) for t in all_traits).to_numpy()
    traits = _chosen_traits(latest, all_traits, values, max_traits)
    columns = [all_traits.index(t) for t in traits]
    names = latest["segment_name"] if "segment_name" in latest.columns else latest["segment_id"]
    return HeatmapGrid(
        month=str(month),
        segment_ids=list(latest["segment_id"]),
        segment_names=[str(n) for n in names],
        traits=traits,
        index=[[_finite(v) for v in row[columns]] for row in values],
    )


def _chosen_traits(
    latest: pl.DataFrame, traits: list[str], values: np.ndarray, max_traits: int
) -> list[str]:
    """Each segment's top traits by rank, then the largest share-weighted |log2 index|."""
    chosen: list[str] = []
    tops = (
        [parse_top_traits(t) for t in latest["top_traits"]]
        if "top_traits" in latest.columns
        else []
    )
    for rank in range(max((len(t) for t in tops), default=0)):
        for top in tops:
            if rank < len(top) and top[rank] in traits and top[rank] not in chosen:
                chosen.append(top[rank])
    weights = latest["share"].to_numpy() if "share" in latest.columns else np.ones(latest.height)
    strength = np.nan_to_num(np.abs(log_index(values)), nan=0.0)
    score = (weights[:, None] * strength).sum(axis=0)
    for j in sorted(range(len(traits)), key=lambda j: (-score[j], j)):
        if traits[j] not in chosen:
            chosen.append(traits[j])
    chosen = chosen[:max_traits]
    return [t for t in traits if t in chosen]  # in the profile's (the config's) order


def _finite(value: float) -> float | None:
    return float(value) if np.isfinite(value) else None


def log_index(index: np.ndarray | float) -> np.ndarray:
    """log2(index / 100) clipped to [-CLIP, CLIP]. An index of 0 or below (a net exporter's
    kWh) gives -CLIP; null stays NaN."""
    values = np.asarray(index, dtype=float)
    with np.errstate(divide="ignore", invalid="ignore"):
        logs = np.log2(np.where(values > 0, values, 0.0) / 100.0)
    return np.clip(np.where(np.isnan(values), np.nan, logs), -CLIP, CLIP)


def index_colour(index: float | None) -> str:
    """The cell colour of an index, '#rrggbb' (grey for no index)."""
    if index is None or not np.isfinite(index):
        return MISSING_COLOUR
    rgba = COLOURS(float(log_index(index) / (2 * CLIP) + 0.5))
    return "#{:02x}{:02x}{:02x}".format(*(round(255 * c) for c in rgba[:3]))


def text_colour(background: str) -> str:
    """'#000000' or '#ffffff', whichever has the higher WCAG contrast against `background`."""
    channels = [int(background[i : i + 2], 16) / 255 for i in (1, 3, 5)]
    linear = [c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
    luminance = 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]
    # contrast with black (L + 0.05) / 0.05 against with white 1.05 / (L + 0.05)
    return "#000000" if (luminance + 0.05) ** 2 >= 0.05 * 1.05 else "#ffffff"


def format_index(index: float | None) -> str:
    """The index as the cell shows it: a whole number, '-' for none."""
    return "-" if index is None else f"{round(index) + 0:d}"


def profile_heatmap_png(
    profiles: pl.DataFrame, labels: Mapping[str, str] | None = None, title: str | None = None
) -> bytes:
    """PNG bytes of the profile heat map (latest as_of_month of `profiles`); traits are shown
    with `labels` (trait -> label; the trait name when missing)."""
    grid = heatmap_grid(profiles)
    labels = labels or {}
    rows, cols = len(grid.segment_ids), len(grid.traits)
    fig = Figure(figsize=(3.6 + 0.95 * cols, 2.4 + 0.55 * rows), dpi=100)
    FigureCanvasAgg(fig)
    ax = fig.add_subplot()
    colours = [[index_colour(v) for v in row] for row in grid.index]
    rgb = np.array([[[int(c[i : i + 2], 16) for i in (1, 3, 5)] for c in row] for row in colours])
    ax.imshow(rgb.astype(np.uint8), aspect="auto")
    ax.set_xticks(
        range(cols), [labels.get(t, t) for t in grid.traits], rotation=35, ha="right", fontsize=9
    )
    ax.set_yticks(
        range(rows),
        [f"{s}  {n}" for s, n in zip(grid.segment_ids, grid.segment_names, strict=True)],
        fontsize=9,
    )
    ax.tick_params(length=0)
    for spine in ax.spines.values():
        spine.set_visible(False)
    for i in range(rows):
        for j in range(cols):
            ax.text(
                j,
                i,
                format_index(grid.index[i][j]),
                ha="center",
                va="center",
                fontsize=9,
                color=text_colour(colours[i][j]),
            )
    ax.set_title(
        title or f"Segment profiles {grid.month}: index vs population (population = 100)",
        fontsize=11,
        loc="left",
    )
    bar = fig.colorbar(_scale(), ax=ax, fraction=0.03, pad=0.02)
    bar.set_ticks(
        [float(log_index(t)) for t in SCALE_TICKS], labels=[f"{t:g}" for t in SCALE_TICKS]
    )
    bar.ax.tick_params(labelsize=8)
    fig.tight_layout()
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", metadata={"Software": None})
    return buffer.getvalue()


def _scale() -> ScalarMappable:
    """The colour scale in log2 units, for the colour bar."""
    return ScalarMappable(norm=Normalize(-CLIP, CLIP), cmap=COLOURS)
