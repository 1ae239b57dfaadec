"""The scorecard's share of leaders reliably improved is rounded for publication (privacy).

Reference: the project's differencing rule (privacy.publication_step): a share of n leaders moves by
100 / n points per leader, so it is published on the smallest nice step at least that large; the
values below are worked by hand (60 pilot leaders: step 2; 45 comparison leaders: step 2.5; the
difference: the smaller arm, step 2.5, its interval rounded outwards)."""

from pilot_eval.steps.decision.scorecard import _excess_share


def test_excess_share_and_arm_shares_are_coarsened():
    ex = {"estimate": 64.5321, "ci_low": 51.2854, "ci_high": 79.6441, "n": 105, "n_pilot": 60,
          "n_comparison": 45, "pilot_share": 100 * 43 / 60, "comparison_share": 100 * 4 / 45,
          "ci_method": "linear probability model"}
    row = _excess_share(ex, True, "")
    assert row["pilot_share"] == 72.0           # 71.67 on a step of 2
    assert row["comparison_share"] == 10.0      # 8.89 on a step of 2.5
    assert row["value"] == 65.0 and row["ci_low"] == 50.0 and row["ci_high"] == 80.0
    assert "72% of 60" in row["note"] and "10% of 45" in row["note"]
    assert 43 / 60 * 100 != row["pilot_share"]  # the exact share (which gives k away) is not published
