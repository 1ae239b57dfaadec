"""Publication rounding of columns on another scale than their row (privacy.SCALE_OVERRIDES).

Reference: hand computation.  A count-model row of effects.csv gives the estimate as a % change
(keyed by the outcome, span 100, so 45 + 60 leaders round it to a step of 2.5) but ``std_error`` on the log
rate-ratio scale (span about 2, so one leader of 45 moves it by at most 2 / 45 = 0.044 and the
step is 0.05).  Rounding that SE on the % step (2.5) would publish 2.5 instead of about 0.25.
"""

import pandas as pd

from pilot_eval.privacy import coarsen_published, publication_step


def test_log_scale_std_error_of_count_rows_rounds_on_its_own_scale():
    df = pd.DataFrame({"outcome": ["hr_incidents", "hr_incidents", "empathy_360_change"],
                       "model": ["count", "ancova", "ancova"],
                       "estimate": [-42.97, -40.1, 0.312], "std_error": [0.2145, 9.3, 0.0712],
                       "ci_low": [-63.9, -58.0, 0.17], "ci_high": [-9.9, -22.2, 0.45],
                       "n_pilot": [45, 45, 45], "n_comparison": [60, 60, 60]})
    out = coarsen_published(df, "effects", scale=(1.0, 5.0))
    assert publication_step(2.0, 45) == 0.05 and publication_step(100.0, 45) == 2.5
    assert out["std_error"].tolist()[0] == 0.25          # 0.2145 rounded up to a multiple of 0.05
    assert out["std_error"].tolist()[1] == 10.0          # rate-scale row: step 2.5, rounded up
    assert out["estimate"].tolist()[:2] == [-42.5, -40.0]  # the % change itself on the 2.5 step
    assert out["ci_low"].tolist()[0] == -65.0 and out["ci_high"].tolist()[0] == -7.5  # outwards
    assert out["std_error"].tolist()[2] == 0.2           # rating-scale change: span 8, 8 / 45 -> step 0.2, up
