"""Demo training sessions: per team, a session for its reps two months ago answering the training needs noted on
their scorecards, and a session for the staff of the team's biggest key account last month — so the effect measure
(figures the month before and after) has something to compare. Keyed by (team, topic): running again adds nothing."""

from datetime import timedelta

from django.utils import timezone

from accounts.models import Role, Team, User
from distributors.cards.models import Status
from distributors.models import Contact, Distributor
from reports.scorecards.models import Scorecard
from reports.training.models import TrainingSession

REP_TOPIC = "谈判与催收技巧 Negotiation and collection calls"
STAFF_TOPIC = "新品知识与先进先出 New range and first in, first out"


def _weekday(day):
    while day.weekday() >= 5:
        day -= timedelta(days=1)
    return day


def seed() -> None:
    today = timezone.localdate()
    month = today.replace(day=1)
    last_month = (month - timedelta(days=1)).replace(day=1)
    two_months_ago = (last_month - timedelta(days=1)).replace(day=1)
    for team in Team.objects.filter(kam__isnull=False).select_related("kam").order_by("name"):
        reps = list(User.objects.filter(team=team, role=Role.REP, is_active=True).order_by("username"))
        if not reps:
            continue
        session, created = TrainingSession.objects.get_or_create(
            team=team,
            topic=REP_TOPIC,
            defaults={
                "held_on": _weekday(two_months_ago + timedelta(days=14)),
                "trainer": f"{team.kam.display_name}（客户经理 KAM）",
                "audience": TrainingSession.Audience.REPS,
                "notes": "角色扮演：返利谈判、约定付款日期和金额。 "
                "Role play: rebate talks, agreeing a payment date and amount.",
                "created_by": team.kam,
            },
        )
        if created:
            session.attendee_reps.set(reps)
            session.scorecards.set(
                Scorecard.objects.filter(rep__in=reps, start__lte=session.held_on).exclude(training_needs="")
            )
        account = (
            Distributor.objects.filter(owner__team=team, status=Status.KEY, contacts__isnull=False)
            .order_by("code")
            .first()
        )
        if account is None:
            continue
        session, created = TrainingSession.objects.get_or_create(
            team=team,
            topic=STAFF_TOPIC,
            defaults={
                "held_on": _weekday(last_month + timedelta(days=9)),
                "trainer": "华晟食品培训部 Huasheng training team",
                "audience": TrainingSession.Audience.DISTRIBUTOR,
                "distributor": account,
                "notes": "给客户业务员和店员讲新品卖点、陈列标准和先进先出。",
                "created_by": team.kam,
            },
        )
        if created:
            session.attendee_contacts.set(Contact.objects.filter(distributor=account).order_by("pk")[:3])
            session.attendee_reps.set([account.owner])
