"""Training sessions for reps, linked to their scorecards, with pages and API."""
