"""Tariffs: energy prices (flat or time-of-use), fixed and demand charges, yearly escalation.

Grain: one price row per tariff code. `amount_due` prices one bill; negative net energy
(solar export) is credited at the same prices, so amounts may be negative.
"""

from __future__ import annotations

import numpy as np

TARIFFS = ("RES-STD", "RES-TOU", "COM-TOU", "IND-HV", "AGR-STD", "AGR-TOU")
# Prices per kWh: peak, shoulder, off-peak (flat tariffs repeat one price).
ENERGY_PRICE = np.array(
    [
        [0.29, 0.29, 0.29],
        [0.39, 0.27, 0.15],
        [0.34, 0.24, 0.14],
        [0.17, 0.12, 0.075],
        [0.20, 0.20, 0.20],
        [0.23, 0.16, 0.095],
    ]
)
FIXED_CHARGE = np.array([12.0, 14.0, 38.0, 480.0, 25.0, 65.0])  # per bill
DEMAND_CHARGE = np.array([0.0, 0.0, 0.0, 9.5, 0.0, 6.0])  # per kW of max demand
IS_TOU = np.array([False, True, True, True, False, True])
IS_DEMAND_METERED = DEMAND_CHARGE > 0
ESCALATION_PER_YEAR = 0.04  # price rise each 12 months from the window start


def amount_due(
    tariff: np.ndarray,
    year_index: np.ndarray,
    kwh_total: np.ndarray,
    kwh_parts: np.ndarray,
    max_demand_kw: np.ndarray,
) -> np.ndarray:
    """Bill amount: energy (by TOU part when the tariff has one) + fixed + demand charge.

    `kwh_parts` is (n, 3) peak/shoulder/off-peak; `max_demand_kw` may be NaN (not metered).
    """
    prices = ENERGY_PRICE[tariff]
    tou_energy = (kwh_parts * prices).sum(axis=1)
    energy = np.where(IS_TOU[tariff], tou_energy, kwh_total * prices[:, 0])
    demand = np.nan_to_num(max_demand_kw) * DEMAND_CHARGE[tariff]
    escalation = (1.0 + ESCALATION_PER_YEAR) ** year_index
    return np.round((energy + FIXED_CHARGE[tariff] + demand) * escalation, 2)


def average_price(tariff: np.ndarray, tou_shares: np.ndarray) -> np.ndarray:
    """Expected price per kWh for a customer's usual TOU mix (for budget instalments)."""
    return (ENERGY_PRICE[tariff] * tou_shares).sum(axis=1)
