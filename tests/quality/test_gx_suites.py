"""The Great Expectations suites and our wrapper: strict loading, real failures, clear results."""

import json

import pandas as pd
import pytest

from orchestration.defs.ingest.landing_contract import LANDING_TABLES
from orchestration.defs.publish.writer import SEGMENT_COLUMNS
from orchestration.defs.quality.gx_validation import SuiteError, load_suite, validate_frame
from orchestration.settings import EXPECTATIONS_DIR


def failed(result) -> dict[str, object]:
    """expectation type (+ column) -> the failure, for readable assertions."""
    return {
        f"{f.expectation}:{f.column}" if f.column else f.expectation: f for f in result.failures
    }


def bills(n: int = 100) -> pd.DataFrame:
    """A clean raw bills load as received (text), every fourth bill with a TOU split."""
    rows = []
    for i in range(n):
        tou = i % 4 == 0
        rows.append(
            {
                "bill_id": f"B{i}",
                "revision": "0",
                "customer_id": f"C{i % 7}",
                "period_start": "2024-01-01",
                "period_end": "2024-01-31",
                "kwh_total": "100.0",
                "kwh_peak": "30.0" if tou else None,
                "kwh_shoulder": "30.0" if tou else None,
                "kwh_offpeak": "40.0" if tou else None,
                "max_demand_kw": None,
                "amount_due": "20.5",
                "due_date": "2024-02-20",
                "is_estimated": "false",
                "status": "issued",
                "issued_at": "2024-02-01 08:00:00",
            }
        )
    return pd.DataFrame(rows, dtype="str")


def segments(n: int = 200) -> pd.DataFrame:
    frame = pd.DataFrame(
        {
            "customer_id": [f"C{i:05d}" for i in range(n)],
            "as_of_month": "2024-06",
            "segment_id": [f"S0{i % 4 + 1}" for i in range(n)],
            "segment_name": "name",
            "value_score": 50.0,
            "value_tier": "high",
            "satisfaction_score": 70.0,
            "value_satisfaction_cell": "cell",
            "credit_rating": "A",
            "customer_class": "residential",
            "region": "Northport",
            "recommended_strategy": "standard_service",
            "segment_reason": None,
            "model_version": "v1",
        }
    )
    return frame[list(SEGMENT_COLUMNS)]


def test_one_valid_suite_per_raw_and_published_table():
    names = sorted(p.stem for p in EXPECTATIONS_DIR.glob("*.json"))
    expected = [f"raw_{t}" for t in LANDING_TABLES] + [
        "published_customer_segments",
        "published_segment_profiles",
        "published_segmentation_models",
        "published_value_index_weights",
    ]
    assert names == sorted(expected)
    for name in names:
        spec = json.loads((EXPECTATIONS_DIR / f"{name}.json").read_text())
        suite = load_suite(name)
        assert len(suite.expectations) == len(spec["expectations"]) > 0, name
        assert spec["notes"], f"{name}: say what it validates and why"


def test_an_invalid_expectation_fails_loudly_instead_of_being_skipped(tmp_path):
    bad = {
        "name": "broken",
        "expectations": [
            {"type": "expect_column_values_to_be_between", "kwargs": {"column": "x", "mostly": 7}}
        ],
    }
    (tmp_path / "broken.json").write_text(json.dumps(bad))
    with pytest.raises(SuiteError, match="expectation 0"):
        load_suite("broken", tmp_path)


def test_clean_raw_bills_pass():
    result = validate_frame(load_suite("raw_bills"), bills())
    assert result.success, result.failures
    assert (result.n_rows, result.failures) == (100, [])


def test_a_few_bad_rows_pass_because_staging_quarantines_them():
    frame = bills()
    frame.loc[:2, "status"] = "paid"  # 3% invalid codes: quarantined as invalid_enum later
    assert validate_frame(load_suite("raw_bills"), frame).success


def test_a_broken_raw_load_fails_with_counts_and_sample_values():
    frame = bills()
    frame.loc[:19, "status"] = "paid"  # 20%: the source changed its codes
    frame.loc[frame["kwh_peak"].notna(), "kwh_peak"] = "90.0"  # every TOU split is off
    frame.loc[:9, "period_end"] = "2023-12-01"  # 10% end before they start
    frame.loc[:9, "due_date"] = "31/01/2024"
    result = validate_frame(load_suite("raw_bills"), frame)
    failures = failed(result)
    assert not result.success
    status = failures["expect_column_values_to_be_in_set:status"]
    assert (status.unexpected_count, status.sample[:1]) == (20, ["paid"])
    assert "invalid_enum" in status.notes
    tou = failures[
        "expect_tou_parts_to_sum_to_total:kwh_peak, kwh_shoulder, kwh_offpeak, kwh_total"
    ]
    assert tou.unexpected_count == 25
    assert failures["expect_column_pair_timestamps_to_be_ordered:period_start, period_end"]
    assert failures["expect_column_values_to_match_regex:due_date"].sample[0] == "31/01/2024"


def test_tou_parts_may_differ_from_the_total_by_one_percent():
    frame = bills(4)
    frame.loc[0, "kwh_peak"] = "30.9"  # 100.9 vs 100: within 1% (+0.01 rounding)
    assert validate_frame(load_suite("raw_bills"), frame).success
    frame.loc[0, "kwh_peak"] = "31.2"
    assert not validate_frame(load_suite("raw_bills"), frame).success


def test_an_empty_required_table_fails():
    empty = bills().iloc[0:0]
    failures = failed(validate_frame(load_suite("raw_bills"), empty))
    assert list(failures) == ["expect_table_row_count_to_be_between"]


def test_valid_published_segments_pass():
    assert validate_frame(load_suite("published_customer_segments"), segments()).success


@pytest.mark.parametrize(
    ("spoil", "expectation"),
    [
        (
            lambda f: f.assign(value_score=f["value_score"].where(f.index > 0, 101.0)),
            "expect_column_values_to_be_between:value_score",
        ),
        (
            lambda f: f.assign(satisfaction_score=-1.0),
            "expect_column_values_to_be_between:satisfaction_score",
        ),
        (lambda f: f.assign(credit_rating="E"), "expect_column_values_to_be_in_set:credit_rating"),
        (lambda f: pd.concat([f, f.head(1)]), "expect_column_values_to_be_unique:customer_id"),
        (
            lambda f: f.assign(segment_id=["S01"] * 199 + ["S02"]),
            "expect_column_value_shares_to_be_between:segment_id",
        ),
        (lambda f: f.assign(email="x@example.com"), "expect_table_columns_to_not_contain_set"),
    ],
    ids=[
        "score_over_100",
        "negative_satisfaction",
        "credit_E",
        "customer_twice",
        "segment_over_90pct",
        "pii_column",
    ],
)
def test_published_segments_fail_on_each_broken_rule(spoil, expectation):
    result = validate_frame(load_suite("published_customer_segments"), spoil(segments()))
    assert expectation in failed(result), [f.expectation for f in result.failures]


def test_segment_share_failure_names_the_segments_outside_the_bounds():
    frame = segments().assign(segment_id=["S01"] * 199 + ["S02"])
    share = failed(validate_frame(load_suite("published_customer_segments"), frame))[
        "expect_column_value_shares_to_be_between:segment_id"
    ]
    assert share.sample == ["S01: 99.5000%"]
    assert share.unexpected_count == 1  # S02 holds exactly 0.5%: inside the bounds


def test_the_reserved_segment_may_be_any_size():
    """S00 (insufficient recent data) is not a cluster: 1 customer of 400 passes the shares."""
    frame = segments(400).assign(
        segment_id=["S00"] + ["S01"] * 200 + ["S02"] * 199,
        segment_reason=["no bill in the last 3 months"] + [None] * 399,
    )
    result = validate_frame(load_suite("published_customer_segments"), frame)
    assert "expect_column_value_shares_to_be_between:segment_id" not in failed(result)


def test_the_reserved_segment_profile_may_be_any_size():
    """segment_profiles' S00 row counts the customers without recent data: 0.4% passes, as a
    cluster of 0.4% does not."""
    frame = pd.DataFrame(
        {"segment_id": ["S00", "S01", "S02"], "share": [0.004, 0.5, 0.496], "n_customers": 1}
    )
    rule = "expect_column_values_to_be_between:share"
    suite = load_suite("published_segment_profiles")
    assert rule not in failed(validate_frame(suite, frame))
    assert rule in failed(validate_frame(suite, frame.assign(segment_id=["S03", "S01", "S02"])))


def test_a_few_bad_rows_of_a_small_load_warn_while_a_broken_extract_blocks():
    from orchestration.defs.quality.blocking import blocking_failures

    small = bills(38)
    small.loc[:1, "status"] = "paid"  # 2 of 38: over 5%, but well within chance
    result = validate_frame(load_suite("raw_bills"), small)
    assert not result.success and blocking_failures(result.failures) == []
    broken = bills(380)
    broken.loc[:39, "status"] = "paid"  # 40 of 380
    result = validate_frame(load_suite("raw_bills"), broken)
    assert [f.column for f in blocking_failures(result.failures)] == ["status"]
    empty = validate_frame(load_suite("raw_bills"), bills().iloc[0:0])
    assert blocking_failures(empty.failures), "rules without mostly always block"


def test_one_bad_number_in_a_tiny_re_send_never_blocks():
    """A re-send of 3 bills, one with kWh NaN, is 33% bad: still one bad row, which staging
    quarantines. Fewer than MIN_BLOCKING_ROWS failed rows never block; as many, all bad, do."""
    from orchestration.defs.quality.blocking import MIN_BLOCKING_ROWS, blocking_failures

    resend = bills(3)
    resend["kwh_total"] = resend["kwh_total"].astype(object)
    resend.loc[1, "kwh_total"] = "NaN"
    result = validate_frame(load_suite("raw_bills"), resend)
    assert not result.success and blocking_failures(result.failures) == []
    spoiled = bills(MIN_BLOCKING_ROWS)
    spoiled["status"] = "paid"
    result = validate_frame(load_suite("raw_bills"), spoiled)
    assert [f.column for f in blocking_failures(result.failures)] == ["status"]
