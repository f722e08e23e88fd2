"""Demo plans for ``manage.py seed_demo``: the previous and the current quarter of every demo team, account plans
for the key accounts. Runs after kamcrm.demo.accounts_org, distributors_cards and (when present) reports_visits.

Dates are fixed relative to ``timezone.localdate()`` (the quarter it falls in and the one before). Targets are
drawn from ``random.Random("2026:plan:<code>:<quarter>")`` around the account's recent monthly sales (its
demo orders of the last 90 days, read through ``distributors.plans.selectors.actuals``; a tier default without
orders), so completion rates look believable. Everything goes through ``distributors.plans.services`` (workflow
steps and audit read like real use). Natural keys make it safe to run again: a plan is (distributor, year,
quarter), an account plan (distributor, year); what exists is left alone.
"""

import random
from datetime import timedelta
from decimal import Decimal

from django.db import transaction
from django.utils import timezone

from accounts.models import User
from distributors.cards.models import Distributor, Status, Tier
from distributors.plans import selectors, services
from distributors.plans.arithmetic import Targets, previous_quarter, quarter_bounds, quarter_of
from distributors.plans.models import (
    AccountPlan,
    ActionItem,
    Distribution,
    Objective,
    QuarterlyPlan,
    SeasonalProfile,
    SplitMethod,
)
from kamcrm.demo.accounts_org import MANAGERS, REGIONS
from kamcrm.money import cents

SEED = 2026
PLANNED = (Status.KEY, Status.QUALIFIED)
# Monthly sales of our products by tier when an account has no demo orders yet.
TIER_MONTHLY_SALES = {Tier.A: 600_000, Tier.B: 220_000, Tier.C: 70_000}
PROFILES = {
    "Spring Festival 春节旺季": (
        "Food and gifts before the Spring Festival; a quiet February.",
        ["12.00", "5.00", "7.00", "7.50", "7.50", "8.00", "7.00", "7.00", "9.00", "9.00", "9.50", "11.50"],
    ),
    "Summer drinks 夏季饮料": (
        "Beverages and ice cream peak from June to August.",
        ["6.00", "5.00", "6.50", "7.50", "9.00", "12.00", "13.00", "12.50", "9.00", "7.00", "6.00", "6.50"],
    ),
}
RETURN_COMMENT = "回款目标偏低，请与经销商再沟通一次 — collection target too low, please talk to the distributor again."
VISIONS = [
    "成为{name}在本区域最重要的供应商，共同把鲜悦和田园记做成当地前三品牌。",
    "与{name}建立战略联盟：共享销售数据、联合促销、三年内网点翻倍。",
]
OBJECTIVES = [
    ("提高鲜悦饮料销售额 Grow Xianyue sales", "sales amount", "1800000.00", 270),
    ("新增县级网点 Add county-level outlets", "new outlets", "25", 180),
]
ACTIONS = [
    ("与采购经理谈年度返利方案 Negotiate the annual rebate with the buyer", "todo", -6),
    ("在10家门店做端架陈列 End-cap displays in 10 stores", "doing", 12),
    ("完成春节备货计划 Agree the Spring Festival stock plan", "done", -20),
]


def _seed_profiles() -> dict[str, SeasonalProfile]:
    profiles = {}
    for name, (description, percentages) in PROFILES.items():
        values = {m: Decimal(p) for m, p in zip(SeasonalProfile.MONTHS, percentages, strict=True)}
        profile, _created = SeasonalProfile.objects.get_or_create(
            name=name, defaults={"description": description, **values}
        )
        profiles[name] = profile
    return profiles


def _monthly_sales(card: Distributor, today) -> Decimal:
    recent = selectors.actuals(distributors=[card], start=today - timedelta(days=90), end=today)
    if recent.sales_amount > 0:
        return recent.sales_amount / 3
    return Decimal(TIER_MONTHLY_SALES[card.tier])


def _targets(card: Distributor, monthly: Decimal, rng: random.Random, growth: float) -> Targets:
    sales = cents(monthly * 3 * Decimal(str(round(growth * rng.uniform(0.95, 1.1), 3))))
    outlets = card.outlets_city + card.outlets_county + card.outlets_town
    return Targets(
        volume=int(sales / Decimal(rng.choice([95, 110, 125, 140]))),
        sales_amount=sales,
        gross_profit=cents(sales * Decimal(str(rng.choice([0.22, 0.25, 0.27, 0.3])))),
        collection_amount=cents(sales * Decimal(str(rng.choice([0.9, 0.95, 1.0])))),
        outlet_coverage=max(outlets, 8) + rng.randint(1, 6),
        new_outlets=rng.randint(2, 9),
    )


def _splits(card: Distributor, team_reps: list[User], rng: random.Random) -> list[services.SplitInput]:
    others = [rep for rep in team_reps if rep.pk != card.owner_id and rep.role == "rep"]
    if card.tier == Tier.A and others:  # a key account is worked by two reps
        helper = others[rng.randrange(len(others))]
        return [
            services.SplitInput(rep=card.owner, share_pct=Decimal("70")),
            services.SplitInput(rep=helper, share_pct=Decimal("30")),
        ]
    return [services.SplitInput(rep=card.owner, share_pct=Decimal("100"))]


def _confirm(plan: QuarterlyPlan, kam: User, day) -> None:
    contact = plan.distributor.contacts.order_by("-is_primary", "name").first()
    if contact is not None:
        services.record_confirmation(plan=plan, by=kam, contact=contact, confirmed_on=day)


def _seed_plan(card, year, quarter, *, kam, manager, team_reps, profiles, growth, outcome, confirm_on) -> None:
    rng = random.Random(f"{SEED}:plan:{card.code}:{year}-Q{quarter}")
    monthly = _monthly_sales(card, timezone.localdate())
    profile = profiles["Spring Festival 春节旺季"] if quarter == 1 else None
    if card.tier == Tier.A and quarter == 3:
        profile = profiles["Summer drinks 夏季饮料"]
    plan = services.draft_plan(
        by=kam,
        distributor=card,
        year=year,
        quarter=quarter,
        content=services.PlanContent(
            targets=_targets(card, monthly, rng, growth),
            distribution=Distribution.PROFILE if profile else Distribution.EVEN,
            seasonal_profile=profile,
            split_method=SplitMethod.PERCENTAGE,
            splits=_splits(card, team_reps, rng),
            notes="与经销商总经理当面确认 Agreed face to face with the distributor's general manager.",
        ),
    )
    if outcome == "draft":
        return
    _confirm(plan, kam, confirm_on)
    services.submit_plan(plan=plan, by=kam)
    if outcome == "submitted":
        return
    if outcome == "returned":
        services.return_plan(plan=plan, by=manager, comment=RETURN_COMMENT)
        return
    services.approve_plan(plan=plan, by=manager)
    if outcome == "revised":
        revision = services.revise_plan(plan=plan, by=kam, reason="经销商新开三家门店 Three new stores opened")
        bigger = Targets.of(revision)
        bigger = Targets(**{**bigger.as_dict(), "sales_amount": cents(bigger.sales_amount * Decimal("1.08"))})
        content = services.PlanContent(targets=bigger, splits=_splits(card, team_reps, rng))
        services.change_draft(by=kam, plan=revision, content=content)
        services.submit_plan(plan=revision, by=kam)
        services.approve_plan(plan=revision, by=manager)


def _seed_account_plan(card: Distributor, kam: User, year: int, today) -> None:
    if AccountPlan.objects.filter(distributor=card, year=year).exists():
        return
    rng = random.Random(f"{SEED}:account-plan:{card.code}:{year}")
    plan = services.save_account_plan(
        account_plan=AccountPlan(
            distributor=card, year=year, vision=rng.choice(VISIONS).format(name=card.display_name)
        ),
        by=kam,
    )
    objectives = [
        services.save_objective(
            objective=Objective(
                account_plan=plan,
                statement=statement,
                measure=measure,
                target_value=Decimal(target),
                due_on=today + timedelta(days=days),
                rationale="上季度完成率超过95%，渠道库存健康。Last quarter above 95 %, healthy channel stock.",
            ),
            by=kam,
        )
        for statement, measure, target, days in OBJECTIVES
    ]
    for i, (task, status, days) in enumerate(ACTIONS):
        services.save_action_item(
            item=ActionItem(
                account_plan=plan,
                objective=objectives[i % len(objectives)],
                task=task,
                owner=card.owner,
                due_on=today + timedelta(days=days),
                status=status,
                completion_note="已完成，照片见拜访记录 Done, photos in the visit log." if status == "done" else "",
            ),
            by=kam,
        )


@transaction.atomic
def seed() -> None:
    """Create what is missing of the demo plans: previous quarter (approved, one revised per team) and current
    quarter (mostly approved; one draft, one submitted, one returned per team); account plans for key accounts."""
    today = timezone.localdate()
    current = quarter_of(today)
    previous = previous_quarter(*current)
    profiles = _seed_profiles()
    managers = {region: User.objects.filter(username=username).first() for region, (username, _n) in MANAGERS.items()}
    for region, teams in REGIONS.items():
        manager = managers[region]
        for kam_username, _name, _reps in teams.values():
            kam = User.objects.filter(username=kam_username, is_active=True).select_related("team").first()
            if kam is None or manager is None or kam.team_id is None:
                continue
            team_reps = list(services.split_reps(Distributor(owner=kam)))
            cards = list(
                Distributor.objects.filter(owner__team=kam.team_id, status__in=PLANNED)
                .select_related("owner")
                .order_by("status", "tier", "code")
            )
            existing = set(
                QuarterlyPlan.objects.filter(distributor__in=cards).values_list("distributor_id", "year", "quarter")
            )
            for i, card in enumerate(cards):
                for (year, quarter), outcomes, growth in (
                    (previous, ["revised", "approved", "approved", "approved"], 1.0),
                    (current, ["approved", "draft", "submitted", "returned", "approved", "approved"], 1.08),
                ):
                    if (card.pk, year, quarter) in existing:
                        continue
                    start, _end = quarter_bounds(year, quarter)
                    outcome = outcomes[i] if i < len(outcomes) else "approved"
                    _seed_plan(
                        card,
                        year,
                        quarter,
                        kam=kam,
                        manager=manager,
                        team_reps=team_reps,
                        profiles=profiles,
                        growth=growth,
                        outcome=outcome,
                        confirm_on=min(start - timedelta(days=4), today),
                    )
                if card.status == Status.KEY and card.tier == Tier.A:
                    _seed_account_plan(card, kam, today.year, today)
