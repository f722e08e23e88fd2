"""Demo plans (seed_demo): the previous and current quarter for every demo team, safe to run again."""

from collections import Counter

from django.utils import timezone

from accounts.models import User
from distributors.models import AccountPlan, ActionItem, MonthlyPlan, QuarterlyPlan, RepSplit
from distributors.plans.arithmetic import Targets, over_months, previous_quarter, quarter_label, quarter_of
from kamcrm.audit.models import AuditEvent
from kamcrm.demo import accounts_org as accounts_demo
from kamcrm.demo import distributors_plans as plan_demo
from tests import factories as f


def test_demo_plans_cover_two_quarters_add_up_and_are_idempotent(db):
    accounts_demo.seed()
    # A few cards of two demo teams stand in for kamcrm.demo.distributors_cards (its 60 cards take long to build).
    sh = {u.username: u for u in User.objects.filter(username__in=["kam_sh", "rep_sh_1", "rep_sh_2", "rep_gz_1"])}
    key = f.DistributorFactory(code="SH-K1", owner=sh["rep_sh_1"], status="key", tier="A", outlets_city=30)
    f.ContactFactory(distributor=key, name="王总", is_primary=True)
    for i, owner in enumerate(["rep_sh_1", "rep_sh_2", "kam_sh", "rep_sh_2", "rep_gz_1"]):
        f.DistributorFactory(code=f"D-{i}", owner=sh[owner], status="qualified", tier="B")
    f.DistributorFactory(code="SH-P1", owner=sh["rep_sh_1"], status="potential")  # not planned
    plan_demo.seed()

    current = quarter_of(timezone.localdate())
    labels = {quarter_label(*current), quarter_label(*previous_quarter(*current))}
    by_status = Counter((p.period_label, p.status) for p in QuarterlyPlan.objects.all())
    assert {label for label, _status in by_status} == labels
    assert {status for _label, status in by_status} == {"approved", "superseded", "draft", "submitted", "returned"}
    for plan in QuarterlyPlan.objects.prefetch_related("monthly_plans__rep_splits"):
        months = list(plan.monthly_plans.all())
        assert len(months) == 3 and over_months([Targets.of(m) for m in months]) == Targets.of(plan)
        for month in months:
            assert Targets.total(Targets.of(s) for s in month.rep_splits.all()) == Targets.of(month)
    assert not QuarterlyPlan.objects.filter(distributor__code="SH-P1").exists()
    assert QuarterlyPlan.objects.filter(distributor__code="SH-K1", status="superseded").exists()  # a revision
    assert RepSplit.objects.filter(monthly_plan__plan__distributor__code="SH-K1").values("rep").distinct().count() == 2
    assert ActionItem.objects.overdue_as_of(timezone.localdate()).filter(owner=sh["rep_sh_1"]).exists()
    counts = (
        QuarterlyPlan.objects.count(),
        MonthlyPlan.objects.count(),
        RepSplit.objects.count(),
        AccountPlan.objects.count(),
        ActionItem.objects.count(),
        AuditEvent.objects.count(),
    )
    plan_demo.seed()
    assert (
        QuarterlyPlan.objects.count(),
        MonthlyPlan.objects.count(),
        RepSplit.objects.count(),
        AccountPlan.objects.count(),
        ActionItem.objects.count(),
        AuditEvent.objects.count(),
    ) == counts
