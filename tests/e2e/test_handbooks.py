"""End-to-end in headless Chromium on a 360 px phone: a rep sees the team contest on the home page, moves a
prospect on the progress table, and finds pickups against policy on a customer card (loaded by htmx)."""

from importlib import import_module

import pytest
from django.apps import apps
from django.utils import timezone
from playwright.sync_api import expect

from distributors.models import Distributor
from reports.analytics.rollups import services as rollups
from reports.models import Contest
from tests import factories as f
from tests.e2e.test_plans import _log_in

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_rep_on_a_phone_sees_the_contest_moves_a_prospect_and_reads_pickups(phone):
    import_module("distributors.migrations.0009_progress_stages_defaults").create(apps, None)
    region = f.RegionFactory(name="East China")
    team = f.TeamFactory(name="Shanghai", region=region)
    kam = f.KamFactory(username="kam_sh", team=team)
    rep = f.RepFactory(username="rep_sh", team=team, first_name="Wei", last_name="Zhang")
    prospect = f.DistributorFactory(code="P-1", short_name="新客户商贸", owner=rep, status="potential")
    account = f.DistributorFactory(code="A-1", short_name="老客户商贸", owner=rep)
    month = timezone.localdate().replace(day=1)
    Contest.objects.create(
        name="Collection race",
        metric="collection_rate",
        kind="month",
        start=month,
        end=(month.replace(day=28) + timezone.timedelta(days=4)).replace(day=1) - timezone.timedelta(days=1),
        team=team,
        prize="A day off",
        created_by=kam,
    )
    rollups.rebuild()

    _log_in(phone, "rep_sh")
    expect(phone.locator(".contest-board")).to_contain_text("Collection race")
    phone.goto(f"/distributors/{prospect.pk}/progress/")
    phone.select_option("#id_stage", label="Proposal")
    phone.fill("#id_next_step", "Send samples")
    phone.get_by_role("button", name="Save").click()
    expect(phone.locator("#progress-current")).to_contain_text("Send samples")
    assert Distributor.objects.get(pk=prospect.pk).progress.stage.code == "proposal"
    phone.goto(f"/distributors/{account.pk}/")
    expect(phone.locator("#pickup-table")).to_be_visible()  # loaded by htmx after the card
    expect(phone.locator("#card-pickups")).to_contain_text("no policy")
