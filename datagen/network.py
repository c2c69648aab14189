"""Service districts and feeders: where customers sit on the network.

Grain: one row per region (six districts, urban to rural) and one feeder per ~400 customers,
each feeder inside one region. Rural districts have more and longer outages.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from datagen.archetypes import probability_matrix

REGIONS = ("Northport", "Riverside", "Central", "Eastvale", "Highmoor", "Southfields")
REGION_KIND = ("urban", "urban", "urban", "semi_rural", "rural", "rural")
# Unplanned outages per feeder per month, and median outage minutes, by district.
OUTAGE_RATE = np.array([0.45, 0.5, 0.4, 0.9, 1.7, 1.9])
OUTAGE_MEDIAN_MINUTES = np.array([55.0, 60.0, 50.0, 95.0, 150.0, 170.0])
CUSTOMERS_PER_FEEDER = 400

_URBAN = {
    "Northport": 0.3,
    "Riverside": 0.25,
    "Central": 0.25,
    "Eastvale": 0.1,
    "Highmoor": 0.05,
    "Southfields": 0.05,
}
_RESIDENTIAL = {
    "Northport": 0.27,
    "Riverside": 0.23,
    "Central": 0.2,
    "Eastvale": 0.14,
    "Highmoor": 0.09,
    "Southfields": 0.07,
}
_RURAL = {
    "Northport": 0.02,
    "Riverside": 0.03,
    "Central": 0.05,
    "Eastvale": 0.25,
    "Highmoor": 0.3,
    "Southfields": 0.35,
}
REGION_WEIGHTS = probability_matrix(
    {
        "industrial_hv": _URBAN,
        "sme_commercial": _URBAN,
        "comfortable_owners": _RESIDENTIAL,
        "stressed_cash_payers": {**_URBAN, "Northport": 0.35},
        "solar_adopters": _RESIDENTIAL,
        "electric_heating": {**_RESIDENTIAL, "Highmoor": 0.14, "Southfields": 0.1},
        "agricultural_pumping": _RURAL,
    },
    REGIONS,
)


@dataclass(frozen=True)
class Network:
    """Feeder layout: `feeder_region[f]` is the region code of feeder f (0-based)."""

    feeder_region: np.ndarray

    @property
    def n_feeders(self) -> int:
        return len(self.feeder_region)


def assign_feeders(rng: np.random.Generator, region: np.ndarray) -> tuple[Network, np.ndarray]:
    """Lay out feeders per region (~400 customers each) and put each customer on one."""
    per_region = np.bincount(region, minlength=len(REGIONS))
    n_feeders = np.maximum(1, np.round(per_region / CUSTOMERS_PER_FEEDER)).astype(np.int64)
    first = np.concatenate([[0], np.cumsum(n_feeders)[:-1]])
    feeder = first[region] + (rng.random(len(region)) * n_feeders[region]).astype(np.int64)
    network = Network(feeder_region=np.repeat(np.arange(len(REGIONS)), n_feeders))
    return network, feeder.astype(np.int32)
