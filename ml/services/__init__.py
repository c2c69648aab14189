"""Personalised services: per-customer signals (high bill, cost advice, reliability, arrears
risk) and the monthly service action list built from them.

Plain Python over Polars, like the rest of `ml/`: the Dagster layer
(orchestration/defs/services/) reads the warehouse and calls `customer_signals` and
`service_actions`. Thresholds and the tariff table: ml/config/services.yaml.
"""

from ml.services.actions import service_actions
from ml.services.settings import load_services_config
from ml.services.signals import SIGNAL_COLUMNS, customer_signals

__all__ = ["SIGNAL_COLUMNS", "customer_signals", "load_services_config", "service_actions"]
