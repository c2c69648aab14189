"""Which failed expectations block: a rule without `mostly` always does; a `mostly` rule only
when at least MIN_BLOCKING_ROWS rows failed and the rows show, with 99% confidence, that more
than its tolerance failed.

Why: a share needs rows to mean anything. A nightly outages load may hold 38 rows; 2 bad ones
are 5.3%, over a 5% tolerance by chance, and staging quarantines them anyway: that warns. 40
bad of 380 (10.5%) or 2,400 of 38,000 (6.3%) are broken extracts: they block. The test is the
lower end of the Wilson score interval of the failed share (one-sided 99%) against 1 - mostly.
A re-send of 3 bills with one NaN is 33% bad and would pass that test, yet it is one bad row,
which staging quarantines: a `mostly` rule never blocks on fewer than MIN_BLOCKING_ROWS failed
rows, so that no single bad row (nor a handful) stops a run. A small extract that is all bad
is quarantined row by row and shows in quality.quarantined_rows.
"""

from __future__ import annotations

import math

from orchestration.defs.quality.gx_validation import FailedExpectation

Z_99 = 2.326  # one-sided 99% normal quantile
MIN_BLOCKING_ROWS = 10


def wilson_lower(failed: int, n: int, z: float = Z_99) -> float:
    """Lower bound of the Wilson score interval of the share failed / n."""
    if n <= 0:
        return 0.0
    p = failed / n
    centre = p + z * z / (2 * n)
    margin = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n))
    return max(0.0, (centre - margin) / (1 + z * z / n))


def blocks(failure: FailedExpectation) -> bool:
    if failure.error or failure.mostly is None:
        return True
    if failure.unexpected_count is None or not failure.n_checked:
        return True
    if failure.unexpected_count < MIN_BLOCKING_ROWS:
        return False
    return wilson_lower(failure.unexpected_count, failure.n_checked) > 1 - failure.mostly


def blocking_failures(failures: list[FailedExpectation]) -> list[FailedExpectation]:
    return [f for f in failures if blocks(f)]
