"""The dashboards: one definition of each figure (selectors), target pacing, their pages and API."""
