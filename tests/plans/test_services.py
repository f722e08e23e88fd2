"""Plan services: drafting, the rules that keep plans consistent, the workflow, revisions and the audit trail."""

from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.base import ContentFile
from django.utils import timezone

from distributors.models import MonthlyPlan, PlanStep, QuarterlyPlan, RepSplit
from distributors.plans import selectors, services
from distributors.plans.arithmetic import Targets, over_months
from distributors.plans.models import Distribution, PlanStatus, SplitMethod
from distributors.plans.services import SplitInput
from kamcrm.audit.models import AuditEvent
from tests import factories as f
from tests.plans import factories as pf

MONTH = pf.targets(
    volume=1000,
    sales_amount=Decimal("100000.00"),
    gross_profit=Decimal("20000.00"),
    collection_amount=Decimal("90000.00"),
    outlet_coverage=40,
    new_outlets=3,
)


def _counts():
    return QuarterlyPlan.objects.count(), MonthlyPlan.objects.count(), RepSplit.objects.count()


def test_a_draft_has_three_months_and_rep_splits_that_add_up(org, plan_a1):
    plan = plan_a1
    assert (plan.status, plan.revision, plan.created_by) == (PlanStatus.DRAFT, 1, org.kam_a1)
    months = list(plan.monthly_plans.order_by("month"))
    assert [m.month for m in months] == [date(2027, 1, 1), date(2027, 2, 1), date(2027, 3, 1)]
    assert over_months([Targets.of(m) for m in months]) == Targets.of(plan)
    assert {m.outlet_coverage for m in months} == {plan.outlet_coverage}  # a level: each month the quarter's
    # 300,000.00 evenly: 100,000.00 each; 3,000 units: 1,000 each; 9 new outlets: 3 each.
    assert {m.sales_amount for m in months} == {Decimal("100000.00")}
    for month in months:
        splits = {s.rep: s for s in month.rep_splits.all()}
        assert set(splits) == {org.rep_a1, org.rep_a1b}
        assert splits[org.rep_a1].share_pct == Decimal("60.00")
        assert splits[org.rep_a1].sales_amount == Decimal("60000.00")
        assert Targets.total(Targets.of(s) for s in splits.values()) == Targets.of(month)
    assert PlanStep.objects.get(plan=plan).action == "created"
    event = AuditEvent.objects.for_object(plan).get()
    assert event.action == "plan_created" and event.actor == org.kam_a1
    assert len(event.after["monthly_plans"]) == 3 and event.after["sales_amount"] == "300000.00"


def test_without_splits_the_whole_plan_goes_to_the_owner(org, cards):
    plan = pf.make_plan(by=org.kam_a1, distributor=cards.a1b)
    assert set(RepSplit.objects.filter(monthly_plan__plan=plan).values_list("rep", flat=True)) == {org.rep_a1b.pk}


def test_odd_amounts_still_add_up(org, cards):
    quarter = pf.targets(sales_amount=Decimal("100000.01"), volume=1001, new_outlets=1)
    splits = [
        SplitInput(rep=org.rep_a1, share_pct=Decimal("33.33")),
        SplitInput(rep=org.rep_a1b, share_pct=Decimal("33.33")),
        SplitInput(rep=org.kam_a1, share_pct=Decimal("33.34")),
    ]
    plan = pf.make_plan(by=org.kam_a1, distributor=cards.a1, targets=quarter, splits=splits)
    months = list(plan.monthly_plans.order_by("month"))
    assert [m.sales_amount for m in months] == [Decimal("33333.34"), Decimal("33333.34"), Decimal("33333.33")]
    assert [m.new_outlets for m in months] == [1, 0, 0]
    for month in months:
        assert Targets.total(Targets.of(s) for s in month.rep_splits.all()) == Targets.of(month)


def test_seasonal_profile_and_manual_months(org, cards):
    profile = pf.SeasonalProfileFactory(name="Spring festival")
    plan = pf.make_plan(
        by=org.kam_a1,
        distributor=cards.a1,
        targets=pf.targets(sales_amount=Decimal("240000.00")),
        distribution=Distribution.PROFILE,
        seasonal_profile=profile,
    )
    assert list(plan.monthly_plans.order_by("month").values_list("sales_amount", flat=True)) == [
        Decimal("120000.00"),
        Decimal("40000.00"),
        Decimal("80000.00"),
    ]
    months = [MONTH] * 3
    quarter = over_months(months)
    plan2 = pf.make_plan(
        by=org.kam_a1, distributor=cards.a1_second, targets=quarter, distribution=Distribution.MANUAL, months=months
    )
    assert plan2.distribution == "manual" and plan2.seasonal_profile is None


@pytest.mark.parametrize(
    "bad",
    [
        "months_do_not_add_up",
        "shares_do_not_add_up",
        "amounts_do_not_add_up",
        "rep_outside_team",
        "negative",
        "fraction_of_a_cent",
        "inactive_profile",
    ],
)
def test_bad_plans_are_refused_and_nothing_is_saved(org, cards, bad):
    kwargs = {"by": org.kam_a1, "distributor": cards.a1}
    if bad == "months_do_not_add_up":
        off = pf.targets(**{**MONTH.as_dict(), "volume": 999})
        kwargs.update(targets=over_months([MONTH] * 3), distribution="manual", months=[MONTH, MONTH, off])
    elif bad == "shares_do_not_add_up":
        kwargs["splits"] = [
            SplitInput(rep=org.rep_a1, share_pct=Decimal("60")),
            SplitInput(rep=org.rep_a1b, share_pct=Decimal("39.99")),
        ]
    elif bad == "amounts_do_not_add_up":
        kwargs.update(split_method=SplitMethod.AMOUNT, splits=[SplitInput(rep=org.rep_a1, targets=pf.targets())])
    elif bad == "rep_outside_team":
        kwargs["splits"] = [SplitInput(rep=org.rep_a2, share_pct=Decimal("100"))]
    elif bad == "negative":
        kwargs["targets"] = pf.targets(gross_profit=Decimal("-1.00"))
    elif bad == "fraction_of_a_cent":
        kwargs["targets"] = pf.targets(sales_amount=Decimal("1.005"))
    elif bad == "inactive_profile":
        kwargs.update(distribution="profile", seasonal_profile=pf.SeasonalProfileFactory(is_active=False))
    before = _counts(), AuditEvent.objects.count()
    with pytest.raises(ValidationError):
        pf.make_plan(**kwargs)
    assert (_counts(), AuditEvent.objects.count()) == before


def test_one_active_plan_per_distributor_and_quarter(org, cards, plan_a1):
    with pytest.raises(ValidationError) as caught:
        pf.make_plan(by=org.kam_a1, distributor=cards.a1)
    assert "quarter" in caught.value.message_dict
    # Another quarter, or another distributor, is fine.
    pf.make_plan(by=org.kam_a1, distributor=cards.a1, quarter=2)
    pf.make_plan(by=org.kam_a1, distributor=cards.a1_second)
    # An approved plan still blocks a second plan: change it through a revision.
    services.submit_plan(plan=plan_a1, by=org.kam_a1)
    services.approve_plan(plan=plan_a1, by=org.rm_a)
    with pytest.raises(ValidationError):
        pf.make_plan(by=org.kam_a1, distributor=cards.a1)


def test_the_workflow_records_who_and_when(org, plan_a1):
    submitted = services.submit_plan(plan=plan_a1, by=org.kam_a1)
    assert submitted.status == "submitted" and submitted.submitted_by == org.kam_a1 and submitted.submitted_at
    with pytest.raises(ValidationError):
        services.return_plan(plan=submitted, by=org.rm_a, comment="  ")
    returned = services.return_plan(plan=submitted, by=org.rm_a, comment="Collection target too low.")
    assert (returned.status, returned.returned_by, returned.return_comment) == (
        "returned",
        org.rm_a,
        "Collection target too low.",
    )
    changed = services.change_draft(
        plan=returned,
        by=org.kam_a1,
        content=services.PlanContent(targets=pf.targets(collection_amount=Decimal("300000"))),
    )
    assert changed.status == "returned" and changed.collection_amount == Decimal("300000.00")
    services.submit_plan(plan=changed, by=org.kam_a1)
    approved = services.approve_plan(plan=changed, by=org.rm_a, comment="OK")
    assert approved.status == "approved" and approved.approved_by == org.rm_a and approved.approved_at
    steps = list(PlanStep.objects.filter(plan=approved).values_list("action", "by__username", "comment"))
    assert steps == [
        ("created", "kam_a1", ""),
        ("submitted", "kam_a1", ""),
        ("returned", "rm_a", "Collection target too low."),
        ("changed", "kam_a1", ""),
        ("submitted", "kam_a1", ""),
        ("approved", "rm_a", "OK"),
    ]
    actions = list(AuditEvent.objects.for_object(approved).order_by("pk").values_list("action", flat=True))
    assert actions == [
        "plan_created",
        "plan_submitted",
        "plan_returned",
        "plan_changed",
        "plan_submitted",
        "plan_approved",
    ]


def test_an_approved_or_submitted_plan_cannot_be_edited(org, plan_a1):
    services.submit_plan(plan=plan_a1, by=org.kam_a1)
    with pytest.raises(ValidationError):
        services.change_draft(plan=plan_a1, by=org.kam_a1, content=services.PlanContent(targets=pf.targets(volume=1)))
    services.approve_plan(plan=plan_a1, by=org.rm_a)
    before = AuditEvent.objects.count()
    with pytest.raises(ValidationError) as caught:
        services.change_draft(plan=plan_a1, by=org.kam_a1, content=services.PlanContent(targets=pf.targets(volume=1)))
    assert "revision" in str(caught.value)
    assert QuarterlyPlan.objects.get(pk=plan_a1.pk).volume == 3000 and AuditEvent.objects.count() == before
    with pytest.raises(ValidationError):
        services.submit_plan(plan=plan_a1, by=org.kam_a1)
    with pytest.raises(ValidationError):
        services.approve_plan(plan=plan_a1, by=org.rm_a)


def test_approving_your_own_plan_is_an_error(org, cards):
    plan = pf.make_plan(by=org.admin, distributor=cards.a1)
    services.submit_plan(plan=plan, by=org.admin)
    with pytest.raises(ValidationError) as caught:
        services.approve_plan(plan=plan, by=org.admin)
    assert "own plan" in str(caught.value)
    assert QuarterlyPlan.objects.get(pk=plan.pk).status == "submitted"
    assert services.approve_plan(plan=plan, by=org.rm_a).status == "approved"


@pytest.mark.parametrize(
    ("who", "action"),
    [
        ("rep_a1", "draft"),
        ("rm_a", "draft"),
        ("finance", "draft"),
        ("kam_a2", "draft"),
        ("rep_a1", "submit"),
        ("finance", "submit"),
        ("rm_a", "submit"),
        ("kam_a1", "approve"),
        ("rep_a1", "approve"),
        ("finance", "approve"),
        ("rm_b", "approve"),
        ("kam_a1", "return"),
    ],
)
def test_roles_that_may_not_take_a_step(org, cards, plan_a1, who, action):
    user = getattr(org, who)
    if action in ("approve", "return"):
        services.submit_plan(plan=plan_a1, by=org.kam_a1)
    with pytest.raises((PermissionDenied, ValidationError)):
        if action == "draft":
            pf.make_plan(by=user, distributor=cards.a1, quarter=3)
        elif action == "submit":
            services.submit_plan(plan=plan_a1, by=user)
        elif action == "approve":
            services.approve_plan(plan=plan_a1, by=user)
        else:
            services.return_plan(plan=plan_a1, by=user, comment="no")


def test_a_revision_keeps_the_previous_version(org, plan_a1):
    services.submit_plan(plan=plan_a1, by=org.kam_a1)
    services.approve_plan(plan=plan_a1, by=org.rm_a)
    revision = services.revise_plan(plan=plan_a1, by=org.kam_a1, reason="Distributor opened 3 stores")
    assert (revision.revision, revision.status, revision.previous_revision) == (2, "draft", plan_a1)
    assert Targets.of(revision) == Targets.of(plan_a1)
    assert revision.monthly_plans.count() == 3 and RepSplit.objects.filter(monthly_plan__plan=revision).count() == 6
    with pytest.raises(ValidationError):
        services.revise_plan(plan=plan_a1, by=org.kam_a1)  # one revision at a time

    # While the revision is being worked on, the approved version is what counts.
    q1 = (date(2027, 1, 1), date(2027, 3, 31))
    assert selectors.targets(start=q1[0], end=q1[1]).sales_amount == Decimal("300000.00")
    services.change_draft(
        plan=revision,
        by=org.kam_a1,
        content=services.PlanContent(targets=pf.targets(sales_amount=Decimal("330000.00"))),
    )
    services.submit_plan(plan=revision, by=org.kam_a1)
    services.approve_plan(plan=revision, by=org.rm_a)

    old = QuarterlyPlan.objects.get(pk=plan_a1.pk)
    assert old.status == "superseded" and old.superseded_at and old.sales_amount == Decimal("300000.00")
    assert old.monthly_plans.count() == 3  # the previous version's months and splits stay as they were
    assert selectors.targets(start=q1[0], end=q1[1]).sales_amount == Decimal("330000.00")
    history = selectors.revision_history(plan=revision)
    assert [(p.revision, p.status) for p in history] == [(1, "superseded"), (2, "approved")]
    assert list(PlanStep.objects.filter(plan=old).values_list("action", flat=True))[-2:] == ["revised", "superseded"]


def test_confirmation_by_a_distributor_contact_with_the_signed_copy(org, cards, plan_a1):
    contact = f.ContactFactory(distributor=cards.a1, name="王建国")
    signed_on = timezone.localdate() - timedelta(days=3)
    stranger = f.ContactFactory(distributor=cards.a2)
    with pytest.raises(ValidationError) as caught:
        services.record_confirmation(plan=plan_a1, by=org.kam_a1, contact=stranger, confirmed_on=signed_on)
    assert "confirmed_by" in caught.value.message_dict
    with pytest.raises(ValidationError) as caught:
        services.record_confirmation(
            plan=plan_a1,
            by=org.kam_a1,
            contact=contact,
            confirmed_on=timezone.localdate(),
            signed_copy=ContentFile(b"MZ", name="virus.exe"),
        )
    assert "signed_copy" in caught.value.message_dict
    plan = services.record_confirmation(
        plan=plan_a1,
        by=org.kam_a1,
        contact=contact,
        confirmed_on=signed_on,
        signed_copy=ContentFile(b"%PDF-1.4 signed", name="signed.pdf"),
    )
    plan.refresh_from_db()
    assert plan.confirmed_by == contact and plan.confirmed_on == signed_on
    assert plan.signed_copy.name.endswith("signed.pdf") and plan.signed_copy.read() == b"%PDF-1.4 signed"
    assert AuditEvent.objects.for_object(plan).filter(action="plan_confirmed").exists()
    with pytest.raises(ValidationError):
        services.record_confirmation(
            plan=plan, by=org.kam_a1, contact=contact, confirmed_on=timezone.localdate() + timedelta(days=1)
        )
