"""The plan pages' template tags (``plan_tags``): rates as percentages and colours, overdue action items."""
