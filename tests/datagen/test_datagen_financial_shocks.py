"""Financial shocks: warning months of late, partial and bounced payments come first; arrears
follow for some shocks only; customers without a shock keep their payment plans."""

from __future__ import annotations

import numpy as np
import polars as pl

from datagen import archetypes as A
from datagen.financial_shocks import FinancialShocks
from datagen.payment_behaviour import PaymentBehaviour
from datagen.streams import stream

N, MONTHS, SEED = 20_000, 36, 3


def shocks() -> tuple[FinancialShocks, np.ndarray]:
    arch = np.resize(np.arange(len(A.ARCHETYPES)), N)
    return FinancialShocks(arch, MONTHS, SEED), arch


def test_a_few_percent_a_year_are_hit_and_about_half_of_them_fall_into_arrears():
    s, _ = shocks()
    yearly = s.has_shock.mean() / (MONTHS / 12)
    assert 0.02 < yearly < 0.05
    leads = s.unpaid_months[s.has_shock] > 0
    assert 0.4 < leads.mean() < 0.7  # some recover without arrears
    # the harder the shock, the likelier the arrears
    hard = s.intensity[s.has_shock] > 0.5
    assert leads[hard].mean() > leads[~hard].mean() + 0.15


def test_warning_months_come_first_and_leave_no_arrears_then_unpaid_months_do():
    s, arch = shocks()
    behaviour = PaymentBehaviour(arch, SEED)
    cust = np.arange(N)
    warned, unpaid = [], []
    for m in range(MONTHS):
        plan = behaviour.plan(stream(SEED, "payments", m), cust, 1 + m % 12)
        strained = s.strain(plan, cust, m)
        state = s.state(cust, m)
        calm = ~(state.warning | state.unpaid)
        # customers outside a shock keep the plan drawn for them
        assert np.array_equal(strained.on_time[calm], plan.on_time[calm])
        assert np.array_equal(strained.first_fraction[calm], plan.first_fraction[calm])
        assert not strained.settles_never[state.warning].any()
        assert strained.settles_never[state.unpaid].all()
        assert not strained.on_time[state.unpaid].any()
        warned.append(strained.on_time[state.warning].mean() if state.warning.any() else np.nan)
        unpaid.append(state.unpaid.sum())
    # in the warning months bills are on time far less often than the population's ~80%
    assert np.nanmean(warned) < 0.6
    assert sum(unpaid) > 0


def test_extra_bounces_only_during_a_shock():
    s, _ = shocks()
    cust = np.arange(N)
    extra = s.extra_bounce(cust, 20)
    state = s.state(cust, 20)
    assert (extra[~(state.warning | state.unpaid)] == 0).all()
    assert (extra[state.warning] > 0).all()


def test_the_truth_lists_every_shock():
    s, _ = shocks()
    labels = [f"{2023 + m // 12}-{m % 12 + 1:02d}" for m in range(MONTHS)]
    truth = s.truth(labels)
    assert truth.height == int(s.has_shock.sum())
    assert set(truth["cause"]) <= {"job_loss", "illness", "business_downturn"}
    assert truth.filter(pl.col("unpaid_months") > 0).height > 0
    assert truth["start_month"].is_between(labels[0], labels[-1]).all()
