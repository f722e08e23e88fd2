from datetime import datetime, time, timedelta

from django.utils import timezone


def earlier_today() -> tuple[datetime, datetime]:
    """A start and end earlier today in the local time zone — also right after local midnight."""
    now = timezone.localtime()
    midnight = timezone.make_aware(datetime.combine(now.date(), time.min))
    start = max(midnight, now - timedelta(hours=1))
    return start, max(start, now - timedelta(minutes=1))
