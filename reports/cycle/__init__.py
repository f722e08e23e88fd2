"""The "135" cycle: work plans, weekly schedules, reviews, comments, strategies; the daily report and My day."""
