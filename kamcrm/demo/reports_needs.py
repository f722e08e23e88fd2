"""Demo needs: the indicators of the last two closed months (computed as the monthly task does, so indicator needs
are flagged), and needs the reps observed on their visits — older ones closed with an outcome after the visits that
applied a strategy of the need's combination, recent ones still open (the visit form suggests their combination).

Runs after the visits and the rollups. Each account has its own random stream; an observed need is keyed by its
visit, so running again adds nothing twice.
"""

import random
from collections import defaultdict
from datetime import timedelta
from importlib import import_module

from django.apps import apps
from django.db import transaction
from django.utils import timezone

from distributors.cards.models import Status
from distributors.models import Distributor
from reports.needs import services as needs
from reports.needs.models import AccountNeed, Need
from reports.visits.models import Visit

MIGRATION = "reports.migrations.0024_need_catalogue"
CUSTOMERS = (Status.KEY, Status.QUALIFIED, Status.UNQUALIFIED)
NOTES = {
    "out-of-stock": "门店{n}个品项断货，客户等补货。",
    "near-expiry": "仓库有临期品约{n}箱，需要尽快消化。",
    "staff-knowledge": "新来的{n}个店员对我们的新品不熟悉。",
    "payment-difficulty": "老板说这个月资金紧张，回款要推迟{n}周。",
}


@transaction.atomic
def seed() -> None:
    if not Need.objects.exists():
        import_module(MIGRATION).create(apps, None)
    today = timezone.localdate()
    last_month = today.replace(day=1) - timedelta(days=1)
    for day in (last_month.replace(day=1) - timedelta(days=1), last_month):  # as the monthly task did on the 1st
        needs.compute_indicators(month=day)
    _observed(today)


def _observed(today) -> None:
    catalogue = {n.code: n for n in Need.objects.filter(is_active=True).prefetch_related("strategies")}
    observed = [n for n in catalogue.values() if not n.indicator]
    by_strategy = defaultdict(list)
    for need in observed:
        for strategy in need.strategies.all():
            by_strategy[strategy.pk].append(need)
    noted = set(AccountNeed.objects.exclude(visit=None).values_list("visit_id", flat=True))
    cards = Distributor.objects.filter(status__in=CUSTOMERS).order_by("code")
    visits_of = defaultdict(list)
    for visit in (
        Visit.objects.filter(distributor__in=cards, visit_date__gte=today - timedelta(days=91))
        .select_related("rep", "distributor")
        .prefetch_related("strategies")
        .order_by("visit_date", "pk")
    ):
        visits_of[visit.distributor_id].append(visit)
    for card in cards:
        # Every draw is made whether or not the need is noted yet, so a second run makes the same choices.
        rng = random.Random(f"2026:needs:{card.code}")
        visits = visits_of.get(card.pk, [])
        if len(visits) < 4 or rng.random() > 0.45:
            continue
        first = visits[rng.randrange(0, len(visits) // 2)]
        later = [v for v in visits if first.visit_date < v.visit_date <= first.visit_date + timedelta(days=35)]
        applied = [(v, s) for v in later for s in v.strategies.all() if by_strategy.get(s.pk)]
        chosen = rng.choice(applied) if applied else None
        need = rng.choice(by_strategy[chosen[1].pk]) if chosen else None
        closing = _draws(rng)
        recent = [v for v in visits if v.visit_date >= today - timedelta(days=14)]
        seen = (rng.choice(recent), rng.choice(observed)) if recent and rng.random() < 0.6 else None
        still_open = _draws(rng)
        if chosen:
            _note(first, need, noted, closed_on=chosen[0].visit_date + timedelta(days=closing["days"]), draws=closing)
        if seen:  # something seen on one of the last visits, still open
            _note(*seen, noted, closed_on=None, draws=still_open)


def _draws(rng: random.Random) -> dict:
    return {
        "days": rng.randint(1, 6),
        "n": rng.randint(2, 6),
        "outcome": rng.choices(
            [AccountNeed.Outcome.MET, AccountNeed.Outcome.NOT_MET, AccountNeed.Outcome.NOT_A_NEED], weights=[70, 22, 8]
        )[0],
    }


def _note(visit: Visit, need: Need, noted: set, *, closed_on, draws: dict) -> None:
    if visit.pk in noted:
        return
    if AccountNeed.objects.filter(distributor_id=visit.distributor_id, need=need, status="open").exists():
        return
    opened = needs.open_needs(
        distributor=visit.distributor,
        needs=[need],
        by=visit.rep,
        visit=visit,
        note=NOTES.get(need.code, "").format(n=draws["n"]),
    )
    visit.needs_observed.add(need)
    noted.add(visit.pk)
    if closed_on is None or not opened or closed_on > timezone.localdate():
        return
    AccountNeed.objects.filter(pk=opened[0].pk).update(
        status=AccountNeed.Status.CLOSED, outcome=draws["outcome"], closed_on=closed_on, closed_by=visit.rep
    )
