"""Build (or restore) the demo company and print the demo logins. Safe to run again."""

from importlib import import_module

from django.core.management.base import BaseCommand
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import Role
from kamcrm.demo.accounts_org import DEMO_PASSWORD
from reports.analytics.period_reports import services as period_reports
from reports.analytics.rollups import services as rollups
from reports.contests import services as contests

# Each app that has demo data adds its seeder here, in dependency order; a seeder may return DemoLogins.
SEEDERS = [
    "kamcrm.demo.accounts_org.seed",
    "kamcrm.demo.distributors_cards.seed",
    "kamcrm.demo.distributors_competitors.seed",
    "kamcrm.demo.distributors_progress.seed",
    "kamcrm.demo.reports_visits.seed",
    "kamcrm.demo.reports_visits.seed_schedules",
    # Plans are set from the accounts' recent sales, which the planning figures read from the rollups.
    "reports.analytics.rollups.services.rebuild",
    "kamcrm.demo.distributors_plans.seed",
    "kamcrm.demo.receivables_ledger.seed",
    "kamcrm.demo.reports_pickups.seed",
    "kamcrm.demo.reports_scorecards.seed",
    "kamcrm.demo.reports_contests.seed",
    "kamcrm.demo.accounts_org.seed_saved_filters",
    "kamcrm.demo.reports_market.seed",
    "kamcrm.demo.reports_needs.seed",
    "kamcrm.demo.reports_training.seed",
]


class Command(BaseCommand):
    help = "Create the demo company (org, users and later issues' records) with fixed demo passwords."

    def add_arguments(self, parser):
        parser.add_argument("--quiet", action="store_true", help="Do not print the demo logins.")

    def handle(self, *args, quiet=False, **options):
        logins = []
        with rollups.suspended():  # one rebuild at the end instead of a refresh per saved row
            for dotted in SEEDERS:
                module, name = dotted.rsplit(".", 1)
                logins.extend(getattr(import_module(module), name)() or [])
        rollups.rebuild()
        # The weekly and monthly reports of the periods closed so far, as beat would have made them.
        period_reports.generate(today=timezone.localdate())
        # The contests of closed periods get their final results, as the daily beat task would have frozen them.
        contests.freeze_due(today=timezone.localdate())
        if quiet:
            return
        self.stdout.write(
            self.style.SUCCESS(_("Demo data is ready. Demo logins (password for all: %(pw)s):") % {"pw": DEMO_PASSWORD})
        )
        for login in logins:
            self.stdout.write(f"  {login.username:<12} {Role(login.role).label:<22} {login.where}")
