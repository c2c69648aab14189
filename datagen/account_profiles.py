"""What each archetype's accounts look like: supply, payment method, flags, tenure, lifecycle.

Grain: one row per archetype in each table. `population` draws every account from these.
"""

from __future__ import annotations

# (customer_class, tariff, voltage, probability) options per archetype.
SUPPLY = {
    "industrial_hv": [("industrial", "IND-HV", "HV", 0.4), ("industrial", "IND-HV", "MV", 0.6)],
    "sme_commercial": [
        ("commercial", "COM-TOU", "LV", 0.75),
        ("commercial", "COM-TOU", "MV", 0.1),
        ("public_sector", "COM-TOU", "LV", 0.15),
    ],
    "comfortable_owners": [
        ("residential", "RES-STD", "LV", 0.93),
        ("residential", "RES-TOU", "LV", 0.07),
    ],
    "stressed_cash_payers": [("residential", "RES-STD", "LV", 1.0)],
    "solar_adopters": [
        ("residential", "RES-TOU", "LV", 0.9),
        ("residential", "RES-STD", "LV", 0.1),
    ],
    "electric_heating": [
        ("residential", "RES-STD", "LV", 0.5),
        ("residential", "RES-TOU", "LV", 0.5),
    ],
    "agricultural_pumping": [
        ("agricultural", "AGR-STD", "LV", 0.65),
        ("agricultural", "AGR-TOU", "MV", 0.35),
    ],
}
DD, ONLINE, CASH, BANK, CARD = "direct_debit", "online", "cash", "bank_transfer", "card"
PAYMENT_METHOD = {
    "industrial_hv": {BANK: 0.94, DD: 0.06},
    "sme_commercial": {CARD: 0.35, DD: 0.35, ONLINE: 0.25, BANK: 0.05},
    "comfortable_owners": {DD: 0.86, BANK: 0.05, CARD: 0.05, ONLINE: 0.02, CASH: 0.02},
    "stressed_cash_payers": {CASH: 0.72, CARD: 0.13, ONLINE: 0.08, DD: 0.07},
    "solar_adopters": {ONLINE: 0.5, DD: 0.44, CARD: 0.06},
    "electric_heating": {DD: 0.55, CARD: 0.15, ONLINE: 0.14, BANK: 0.1, CASH: 0.06},
    "agricultural_pumping": {BANK: 0.55, CASH: 0.35, DD: 0.1},
}
# Probabilities of budget billing / paperless / solar, tenure before the window (years, low
# and high), and of connecting (~5% overall) / disconnecting (~2%) inside the window.
BUDGET, PAPERLESS, SOLAR, TENURE_LOW, TENURE_HIGH, NEW, DISCONNECT = range(7)
ACCOUNT_TRAITS = {
    "industrial_hv": (0.0, 0.5, 0.03, 8, 45, 0.01, 0.005),
    "sme_commercial": (0.05, 0.6, 0.04, 1, 25, 0.06, 0.02),
    "comfortable_owners": (0.1, 0.12, 0.03, 10, 40, 0.0, 0.008),
    "stressed_cash_payers": (0.15, 0.1, 0.0, 0.5, 5, 0.12, 0.055),
    "solar_adopters": (0.04, 0.85, 1.0, 2, 20, 0.06, 0.008),
    "electric_heating": (0.6, 0.35, 0.02, 3, 35, 0.04, 0.01),
    "agricultural_pumping": (0.05, 0.2, 0.05, 5, 45, 0.02, 0.01),
}
