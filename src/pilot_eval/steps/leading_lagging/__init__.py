"""Step 4: do the leading indicators predict the lagging outcomes, and how many leaders a rollout needs."""
