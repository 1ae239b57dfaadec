"""Synthetic pilot cohorts with a planted, recorded ground truth.

:func:`generate_cohort` writes a cohort folder that follows the data contract
(v1): ``cohort.toml`` plus the tables leaders, ratings, pulse, employees,
observations, behaviours, incidents and sessions, as CSV or Parquet, and a
``truth.json`` that records every planted number.  The planted structure is
built so that the naive analyses are wrong in known ways:

* **Selection** into the pilot depends on role and culture (weighted sampling
  without replacement, Gumbel top-k on a logit propensity).
* **Rating styles**: 360 scores carry a role-of-leader and a culture offset and
  a **drift** over the survey waves by culture and role that hits both arms.
  Because the pilot over-represents the drifting groups, the naive endline
  difference, the pilot's pre/post change and the unadjusted
  difference-in-differences are biased; models with role and culture controls
  (role x wave, culture x wave) recover the planted ``effect``.
* A training **effect** on the 360 empathy score (``effect / 2`` at midpoint,
  ``effect`` at endline), on observed behaviours (lagged by month), and on the
  team pulse (from day 21, ramping to a plateau).  Exits and HR incidents depend
  on the pulse change through ``exp(-beta * pulse_change)``.  Every training
  effect scales with ``effect``: ``effect=0`` is a true null pilot.
* Decoys: one observed behaviour that observers code at chance
  (``chance_behaviour``) and a training-log indicator that predicts nothing
  (``null_indicator``: each pilot leader's share of feedback given within 48
  hours).

Latent effects and offsets are in scale points *before* scores are rounded and
clipped to the rating scale, so observed differences are slightly attenuated
near the scale ends.

Everything is vectorised with NumPy (one ``default_rng(seed)``); the same
arguments give byte-identical files.
"""

from pilot_eval.data.synth.generate import generate_cohort, simulate_cohort
from pilot_eval.data.synth.params import *  # noqa: F403 (the planted parameters, e.g. PULSE_DAY_IN_MONTH)
from pilot_eval.data.synth.params import GENERATOR, KEPT_FILES, TABLES

__all__ = ["generate_cohort", "simulate_cohort", "TABLES", "GENERATOR", "KEPT_FILES"]
