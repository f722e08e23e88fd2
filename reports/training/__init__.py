"""Training sessions for reps or a distributor's staff, linked to the reps' scorecards, with pages and API."""
