"""PNG heat map of segment profiles: segments x traits, coloured by index vs population.

Grain: one image of the latest as_of_month in the profiles frame. Colour is log2(index / 100)
clipped to [-2, 2] on a diverging map (white = population = 100; red above, blue below); each
cell shows the index. Rendered with the Agg canvas (no pyplot global state) and without PNG
metadata, so the same profiles give byte-identical PNGs.
"""

from __future__ import annotations

import io

import numpy as np
import polars as pl
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure


def profile_heatmap_png(profiles: pl.DataFrame) -> bytes:
    """PNG bytes of the profile index heat map (latest as_of_month of `profiles`)."""
    if profiles.height == 0:
        raise ValueError("profile heat map needs at least one profile row")
    month = profiles["as_of_month"].max()
    latest = profiles.filter(pl.col("as_of_month") == month).sort("segment_id")
    index_cols = [c for c in latest.columns if c.endswith("_index")]
    traits = [c.removesuffix("_index") for c in index_cols]
    values = latest.select(pl.col(index_cols).cast(pl.Float64)).to_numpy()
    names = latest["segment_name"] if "segment_name" in latest.columns else latest["segment_id"]
    labels = [f"{s} {n}" if n != s else s for s, n in zip(latest["segment_id"], names, strict=True)]
    with np.errstate(divide="ignore", invalid="ignore"):
        colour = np.clip(np.log2(values / 100.0), -2.0, 2.0)
    fig = Figure(figsize=(2.0 + 0.42 * len(traits), 1.5 + 0.45 * len(labels)), dpi=100)
    FigureCanvasAgg(fig)
    ax = fig.add_subplot()
    image = ax.imshow(np.ma.masked_invalid(colour), cmap="RdBu_r", vmin=-2, vmax=2, aspect="auto")
    ax.set_xticks(range(len(traits)), traits, rotation=70, ha="right", fontsize=7)
    ax.set_yticks(range(len(labels)), labels, fontsize=7)
    for i in range(values.shape[0]):
        for j in range(values.shape[1]):
            if np.isfinite(values[i, j]):
                ax.text(j, i, f"{values[i, j]:.0f}", ha="center", va="center", fontsize=5)
    ax.set_title(f"Segment profiles {month}: index vs population (= 100)", fontsize=9)
    bar = fig.colorbar(image, ax=ax, fraction=0.025)
    bar.set_ticks([-2, -1, 0, 1, 2], labels=["25", "50", "100", "200", "400"])
    fig.tight_layout()
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", metadata={"Software": None})
    return buffer.getvalue()
