from django.contrib import admin

from reports.scorecards.models import RatingCriterion


@admin.register(RatingCriterion)
class RatingCriterionAdmin(admin.ModelAdmin):
    """The admin keeps the rating criteria of the reps' scorecards: scale and weight of each."""

    list_display = ["code", "name", "name_zh", "scale_min", "scale_max", "weight", "position", "active"]
    list_editable = ["scale_min", "scale_max", "weight", "position", "active"]
