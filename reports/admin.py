"""The app's admin: Django's autodiscovery imports this module, which imports each capability's admin."""

from reports.scorecards import admin as scorecards_admin  # noqa: F401  (registers RatingCriterion)
