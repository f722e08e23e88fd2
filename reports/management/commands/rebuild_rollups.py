"""``manage.py rebuild_rollups [--from YYYY-MM-DD] [--to YYYY-MM-DD]``: backfill the dashboards' rollup tables."""

import time
from datetime import date

from django.core.management.base import BaseCommand, CommandError

from reports.analytics.rollups import services as rollups


def _date(value: str) -> date:
    try:
        return date.fromisoformat(value)
    except ValueError as exc:
        raise CommandError(f"{value!r} is not a date (YYYY-MM-DD)") from exc


class Command(BaseCommand):
    help = "Compute the rollup tables again from the source rows, from a day on (default: all history)."

    def add_arguments(self, parser):
        parser.add_argument("--from", dest="start", type=_date, help="first day to compute (YYYY-MM-DD)")
        parser.add_argument("--to", dest="end", type=_date, help="last day to compute (default: no end)")

    def handle(self, *args, start=None, end=None, **options):
        if start and end and end < start:
            raise CommandError("--to is before --from")
        began = time.monotonic()
        rollups.rebuild(start=start, end=end)
        what = f"from {start}" if start else "all history"
        self.stdout.write(f"Rollups rebuilt ({what}) in {time.monotonic() - began:.1f} s.")
