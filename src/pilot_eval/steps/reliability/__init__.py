"""Step 2: inter-rater reliability of the 360 and the observers, rater calibration, leader bands
and reliable change."""
