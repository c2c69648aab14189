"""The seven planted customer archetypes and vectorised lookups of per-archetype parameters.

Grain: one archetype per customer (the truth the segmentation is scored against). Behaviour
modules keep their own per-archetype tables keyed by these names; the helpers here turn such
a table into arrays indexed by archetype code, so no code loops over customers.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np

ARCHETYPES = (
    "industrial_hv",
    "sme_commercial",
    "comfortable_owners",
    "stressed_cash_payers",
    "solar_adopters",
    "electric_heating",
    "agricultural_pumping",
)
SHARES = (0.02, 0.12, 0.28, 0.18, 0.10, 0.22, 0.08)

IND, SME, COMFORT, STRESSED, SOLAR, HEATING, AGRI = range(len(ARCHETYPES))


def archetype_counts(n: int) -> np.ndarray:
    """Exact counts per archetype summing to n (largest-remainder rounding of the shares)."""
    raw = np.asarray(SHARES) * n
    counts = np.floor(raw).astype(np.int64)
    order = np.argsort(-(raw - counts), kind="stable")
    counts[order[: n - counts.sum()]] += 1
    return counts


def per_archetype(table: Mapping[str, float]) -> np.ndarray:
    """A scalar parameter as an array indexed by archetype code."""
    missing = set(ARCHETYPES) - set(table)
    if missing:
        raise KeyError(f"parameter table lacks archetypes {sorted(missing)}")
    return np.array([table[name] for name in ARCHETYPES], dtype=np.float64)


def column(table: Mapping[str, Sequence[float]], i: int) -> np.ndarray:
    """Column i of a trait table (archetype -> row of numbers) as an array by archetype code."""
    return per_archetype({name: row[i] for name, row in table.items()})


def probability_matrix(
    table: Mapping[str, Mapping[str, float]], values: Sequence[str]
) -> np.ndarray:
    """Rows = archetypes, columns = `values`; each row normalised to sum to 1."""
    matrix = np.zeros((len(ARCHETYPES), len(values)))
    position = {value: j for j, value in enumerate(values)}
    for i, name in enumerate(ARCHETYPES):
        for value, p in table[name].items():
            matrix[i, position[value]] = p
    return matrix / matrix.sum(axis=1, keepdims=True)


def draw_categorical(
    rng: np.random.Generator, probabilities: np.ndarray, rows: np.ndarray
) -> np.ndarray:
    """One categorical draw per element: row `rows[i]` of `probabilities` gives its weights."""
    cumulative = np.cumsum(probabilities, axis=1)
    u = rng.random(len(rows))
    codes = np.zeros(len(rows), dtype=np.int16)
    for j in range(probabilities.shape[1] - 1):  # loop over categories, not customers
        codes += u >= cumulative[rows, j]
    return codes


def uniform_between(
    rng: np.random.Generator, low: np.ndarray, high: np.ndarray, arch: np.ndarray
) -> np.ndarray:
    """Uniform draws between per-archetype bounds (arrays indexed by archetype code)."""
    return low[arch] + (high[arch] - low[arch]) * rng.random(len(arch))
