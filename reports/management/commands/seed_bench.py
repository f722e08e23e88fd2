"""``manage.py seed_bench``: build the benchmark company (PostgreSQL only; see ``kamcrm.demo.reports_bench``)."""

from django.core.management.base import BaseCommand

from kamcrm.demo import reports_bench as bench_data


class Command(BaseCommand):
    help = (
        "Build the benchmark company in bulk SQL: org, distributors, five years of visits, orders, schedules, "
        "plans and receivables. Migrates first and deletes earlier benchmark rows ('bench' prefix). "
        "PostgreSQL only; never run it against a database you care about."
    )

    def add_arguments(self, parser):
        default = bench_data.Size()
        parser.add_argument(
            "--reps", type=int, default=default.reps, help="sales reps (10 per team, 10 teams a region)"
        )
        parser.add_argument("--distributors", type=int, default=default.distributors, help="distributors")
        parser.add_argument("--visits", type=int, default=default.visits, help="visits over five years")
        parser.add_argument("--orders", type=int, default=default.orders, help="orders over five years (~3 lines each)")
        parser.add_argument("--invoices", type=int, default=default.invoices, help="invoices over five years")

    def handle(self, *args, reps, distributors, visits, orders, invoices, **options):
        size = bench_data.Size(reps=reps, distributors=distributors, visits=visits, orders=orders, invoices=invoices)
        self.stdout.write(f"Building the benchmark company: {size}")
        bench_data.build(size, say=lambda line: self.stdout.write(line))
        self.stdout.write(self.style.SUCCESS(f"Done. Every bench_* user signs in with {bench_data.PASSWORD!r}."))
