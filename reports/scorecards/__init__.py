"""The reps' scorecards: measured results, the KAM's ratings, files, pages and API."""
