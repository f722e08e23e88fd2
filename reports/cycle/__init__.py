"""The "135" cycle: monthly work plans, weekly schedules, weekly and monthly reviews, comments, service strategies."""
