"""Demo progress table: every intent and potential account on a stage with a next step, expected signing date and
probability, some with a move back (and its reason); per team one existing customer that came through the table
and signed last month, one this month, so the conversion figures read."""

import random
from datetime import timedelta
from importlib import import_module

from django.apps import apps
from django.utils import timezone

from distributors.cards.models import Distributor, Status
from distributors.progress.models import Progress, ProgressMove, ProgressStage
from distributors.progress.services import OPEN_STATUSES

NEXT_STEPS = [
    "寄送价格表和样品 · send the price list and samples",
    "约采购经理面谈 · meet the purchasing manager",
    "准备首批订货方案 · prepare the first order proposal",
    "确认账期和返利 · agree payment terms and rebates",
    "门店陈列测试 · trial display in two stores",
]


def seed() -> None:
    if not ProgressStage.objects.exists():
        import_module("distributors.migrations.0009_progress_stages_defaults").create(apps, None)
    stages = [s for s in ProgressStage.objects.filter(active=True) if not s.is_signed]
    signed = ProgressStage.objects.filter(is_signed=True, active=True).first()
    today = timezone.localdate()
    month = today.replace(day=1)
    accounts = list(Distributor.objects.filter(status__in=OPEN_STATUSES).select_related("owner").order_by("code"))
    by_team: dict = {}
    for card in Distributor.objects.filter(status=Status.QUALIFIED).select_related("owner").order_by("code"):
        by_team.setdefault(card.owner.team_id, []).append(card)
    signed_cards = [(cards[0], month - timedelta(days=10)) for cards in by_team.values() if cards]
    signed_cards += [(cards[1], month) for cards in by_team.values() if len(cards) > 1]
    ProgressMove.objects.filter(distributor__in=[*accounts, *(c for c, _d in signed_cards)]).delete()
    for number, card in enumerate(accounts):
        rng = random.Random(f"progress:{card.code}")
        if number % 6 == 5:
            continue  # not on the table yet
        reached = number % len(stages)
        path = stages[: reached + 1]
        start = today - timedelta(days=rng.randint(20, 120))
        moves, previous = [], None
        for index, stage in enumerate(path):
            moves.append(
                ProgressMove(
                    distributor=card,
                    from_stage=previous,
                    to_stage=stage,
                    moved_on=min(today, start + timedelta(days=index * rng.randint(7, 20))),
                    by=card.owner,
                )
            )
            previous = stage
        if reached >= 2 and rng.random() < 0.3:  # one step back, for a reason
            back = stages[reached - 1]
            moves.append(
                ProgressMove(
                    distributor=card,
                    from_stage=previous,
                    to_stage=back,
                    reason="采购负责人换人，需重新确认需求 · the buyer changed; needs to be confirmed again",
                    moved_on=today - timedelta(days=rng.randint(0, 5)),
                    by=card.owner,
                )
            )
            previous = back
        ProgressMove.objects.bulk_create(moves)
        Progress.objects.update_or_create(
            distributor=card,
            defaults={
                "stage": previous,
                "next_step": rng.choice(NEXT_STEPS),
                "next_step_on": today + timedelta(days=rng.randint(1, 14)),
                "expected_signing_on": today + timedelta(days=rng.randint(20, 150)),
                "probability": previous.probability,
                "updated_by": card.owner,
            },
        )
    for card, signed_on in signed_cards:
        if signed is None:
            break
        moves, previous = [], None
        for index, stage in enumerate([*stages, signed]):
            moves.append(
                ProgressMove(
                    distributor=card,
                    from_stage=previous,
                    to_stage=stage,
                    moved_on=signed_on - timedelta(days=(len(stages) - index) * 12),
                    by=card.owner,
                )
            )
            previous = stage
        ProgressMove.objects.bulk_create(moves)
        Progress.objects.update_or_create(
            distributor=card,
            defaults={"stage": signed, "probability": 100, "signed_on": signed_on, "updated_by": card.owner},
        )
