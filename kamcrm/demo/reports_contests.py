"""Demo contests: per team, last month's sales contest (frozen by ``seed_demo`` after the rollups are rebuilt) and
this month's collection contest, running; one region-wide contest on new outlets this quarter."""

from django.utils import timezone

from accounts.models import Role, Team, User
from reports.analytics.dashboards.selectors import period_containing
from reports.contests.models import Contest


def seed() -> None:
    today = timezone.localdate()
    this_month = period_containing("month", today)
    last_month = this_month.shifted(-1)
    quarter = period_containing("quarter", today)
    teams = Team.objects.filter(kam__isnull=False).select_related("kam", "region").order_by("name")
    regions = {}
    for team in teams:
        for name, metric, period, prize in (
            (f"{team.name} · 月度销售冠军 Sales champion", "sales_rate", last_month, "奖金 2,000 元 · bonus CNY 2,000"),
            (f"{team.name} · 回款竞赛 Collection race", "collection_rate", this_month, "带薪休假一天 · a paid day off"),
        ):
            Contest.objects.update_or_create(
                name=name,
                team=team,
                defaults={
                    "metric": metric,
                    "kind": "month",
                    "start": period.start,
                    "end": period.end,
                    "prize": prize,
                    "created_by": team.kam,
                },
            )
        regions.setdefault(team.region_id, team)
    for team in regions.values():
        manager = User.objects.filter(role=Role.REGIONAL_MANAGER, region=team.region).order_by("pk").first()
        Contest.objects.update_or_create(
            name=f"{team.region.name} · 新网点开拓 New outlets",
            region=team.region,
            defaults={
                "metric": "new_outlets",
                "kind": "quarter",
                "start": quarter.start,
                "end": quarter.end,
                "prize": "季度标兵称号 · rep of the quarter",
                "created_by": manager or team.kam,
            },
        )
