"""Named, independent random streams: one numpy Generator per (seed, purpose, month).

Deriving every stream from the seed and a stable name (crc32, not Python's salted `hash`) keeps
runs byte-identical and lets one table change its draws without shifting any other table's.
"""

from __future__ import annotations

import zlib

import numpy as np


def stream(seed: int, purpose: str, month: int = -1) -> np.random.Generator:
    """The generator for `purpose` in window month `month` (-1 = not month-specific)."""
    if seed < 0:
        raise ValueError("seed must be >= 0")
    return np.random.default_rng([seed, zlib.crc32(purpose.encode("ascii")), month + 1])
