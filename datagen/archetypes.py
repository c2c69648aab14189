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
SHARE_TOLERANCE = 0.01  # a mix whose shares sum to 1 within this is normalised to sum to 1

IND, SME, COMFORT, STRESSED, SOLAR, HEATING, AGRI = range(len(ARCHETYPES))


def parse_shares(text: str) -> tuple[float, ...]:
    """`name=share,...` -> shares in ARCHETYPES order; unnamed archetypes get 0.

    Names must be known archetypes, each named once; shares must be finite and >= 0 and sum to
    1 within SHARE_TOLERANCE (so that 1/3 written as 0.333 passes); they are then normalised
    to sum to exactly 1. ValueError otherwise.
    """
    shares = dict.fromkeys(ARCHETYPES, 0.0)
    seen: set[str] = set()
    for item in text.split(","):
        name, sep, value = item.partition("=")
        name = name.strip()
        if not sep or not name:
            raise ValueError(f"archetype shares: expected name=share, got {item.strip()!r}")
        if name not in shares:
            raise ValueError(f"archetype shares: unknown archetype {name!r}; known: {ARCHETYPES}")
        if name in seen:
            raise ValueError(f"archetype shares: {name!r} is given twice")
        seen.add(name)
        try:
            share = float(value)
        except ValueError:
            raise ValueError(
                f"archetype shares: {name}={value.strip()!r} is not a number"
            ) from None
        if not np.isfinite(share) or share < 0:
            raise ValueError(f"archetype shares: {name}={value.strip()} must be >= 0")
        shares[name] = share
    return check_shares(tuple(shares.values()))


def check_shares(shares: Sequence[float]) -> tuple[float, ...]:
    """One share per archetype, >= 0, summing to 1 within SHARE_TOLERANCE: normalised."""
    values = np.asarray(shares, dtype=np.float64)
    if values.shape != (len(ARCHETYPES),) or not np.all(np.isfinite(values)) or values.min() < 0:
        raise ValueError(f"archetype shares: need {len(ARCHETYPES)} finite shares >= 0")
    total = float(values.sum())
    if abs(total - 1.0) > SHARE_TOLERANCE:
        raise ValueError(f"archetype shares sum to {total:g}, not 1 (within {SHARE_TOLERANCE})")
    return tuple(float(v) for v in values / total)


def archetype_counts(n: int, shares: Sequence[float] = SHARES) -> np.ndarray:
    """Exact counts per archetype summing to n (largest-remainder rounding of the shares)."""
    raw = np.asarray(shares) * n
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
