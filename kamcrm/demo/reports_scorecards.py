"""Demo scorecards: every demo rep rated by their KAM for the three months before this one, with training needs
noted for some, so the scorecards, their ranking and the earlier-period comparison read as a real review."""

import random
from decimal import Decimal
from importlib import import_module

from django.apps import apps
from django.utils import timezone

from accounts.models import Role, Team, User
from reports.analytics.dashboards.selectors import period_containing
from reports.scorecards.models import RatingCriterion, Scorecard, ScorecardRating

NEEDS = [
    "Negotiation with key accounts: rebate terms and payment dates.",
    "谈判技巧：返利条款与回款日期的谈判。",
    "Product knowledge of the new season's range.",
    "新品知识培训，尤其是礼盒系列。",
    "Collection calls: asking for a date and an amount.",
    "催收电话：如何约定付款日期和金额。",
    "",
    "",
]


def seed() -> None:
    if not RatingCriterion.objects.exists():
        import_module("reports.migrations.0015_rating_criteria_defaults").create(apps, None)
    criteria = list(RatingCriterion.objects.filter(active=True))
    kams = {team.pk: team.kam for team in Team.objects.select_related("kam") if team.kam_id}
    month = period_containing("month", timezone.localdate())
    reps = User.objects.filter(role=Role.REP, team__isnull=False, is_active=True).order_by("username")
    for rep in reps:
        kam = kams.get(rep.team_id)
        if kam is None:
            continue
        rng = random.Random(f"scorecard:{rep.username}")
        skill = rng.choice([Decimal("3"), Decimal("3.5"), Decimal("4"), Decimal("4.5")])
        for steps in (3, 2, 1):
            period = month.shifted(-steps)
            card, _created = Scorecard.objects.update_or_create(
                rep=rep,
                kind="month",
                start=period.start,
                defaults={"end": period.end, "reviewed_by": kam, "training_needs": rng.choice(NEEDS)},
            )
            for criterion in criteria:
                drift = Decimal(rng.choice([-1, 0, 0, 1])) / 2
                score = min(max(skill + drift, criterion.scale_min), criterion.scale_max)
                ScorecardRating.objects.update_or_create(scorecard=card, criterion=criterion, defaults={"score": score})
