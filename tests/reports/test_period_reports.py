"""Weekly and monthly reports (周报 / 月报): generated once per closed period, e-mailed once to the manager in the
manager's language with the PDF, shown, printed and exported in scope only (issue 7)."""

import io
import shutil
import subprocess
from datetime import date, timedelta
from decimal import Decimal
from smtplib import SMTPException

import openpyxl
import pytest
from django.core import mail
from django.core.mail import EmailMessage
from django.utils import timezone, translation
from django_celery_beat.models import PeriodicTask

from accounts.models import Team
from receivables import services as money
from reports.analytics.dashboards import selectors as dashboard
from reports.analytics.models import PeriodReport
from reports.analytics.period_reports import mail as period_report_mail
from reports.analytics.period_reports import services as period_reports
from reports.analytics.rollups import services as rollups
from reports.models import Comment, Order, OrderLine, Review
from tests import factories as f
from tests.plans import factories as pf

TODAY = timezone.localdate()
(_WEEKLY, WEEK), (_MONTHLY, MONTH) = period_reports.closed_periods(TODAY)
CHINESE_FIRST, CHINESE_LAST = "芳", "王"


def _order(distributor, day: date, quantity: str, price: str) -> Order:
    order = Order.objects.create(
        distributor=distributor, rep=distributor.owner, order_date=day, status="confirmed", created_by=distributor.owner
    )
    product = f.ProductFactory()
    amount = (Decimal(quantity) * Decimal(price)).quantize(Decimal("0.01"))
    cost = (Decimal(price) * Decimal("0.7")).quantize(Decimal("0.01"))
    OrderLine.objects.create(
        order=order,
        product=product,
        quantity=Decimal(quantity),
        unit_price=Decimal(price),
        unit_cost=cost,
        amount=amount,
    )
    Order.objects.filter(pk=order.pk).update(amount=amount, gross_profit=amount - Decimal(quantity) * cost)
    return order


def _quarter(day: date) -> tuple[int, int]:
    return day.year, (day.month - 1) // 3 + 1


@pytest.fixture
def sales(org, cards):
    """Sales of rep_a1 (named 王芳) in the last closed week and month, a plan for them, money due and collected;
    some sales of the other teams; then the rollups."""
    org.rep_a1.first_name, org.rep_a1.last_name = CHINESE_FIRST, CHINESE_LAST
    org.rep_a1.save()
    _order(cards.a1, WEEK.start + timedelta(days=1), "10", "123.45")  # 1,234.50
    _order(cards.a1_second, MONTH.start + timedelta(days=2), "3", "1000.00")
    _order(cards.a1b, WEEK.end, "2", "50.00")
    _order(cards.a2, WEEK.start, "1", "999.00")
    _order(cards.b1, WEEK.start, "1", "777.00")
    for quarter in {_quarter(WEEK.start), _quarter(WEEK.end), _quarter(MONTH.start)}:
        year, number = quarter
        pf.approved_plan(kam=org.kam_a1, manager=org.rm_a, distributor=cards.a1, year=year, quarter=number)
    money.record_invoice(
        distributor=cards.a1, number="INV-1", issue_date=MONTH.start - timedelta(days=45), amount=Decimal("800.00"),
        by=org.finance, payment_terms_days=30,
    )  # fmt: skip
    money.record_payment(
        distributor=cards.a1, amount=Decimal("300.00"), paid_on=WEEK.start + timedelta(days=2),
        method="bank_transfer", by=org.finance, reference="P-1",
    )  # fmt: skip
    rollups.rebuild()


@pytest.fixture
def reports(org, sales):
    """The reports of the last closed week and month (their e-mails wait for a commit that never comes)."""
    return period_reports.generate(today=TODAY)


def _report(kind: str, *, rep=None, team=None) -> PeriodReport:
    return PeriodReport.objects.get(kind=kind, rep=rep, team=team)


def _tool(tool: str, content: bytes, tmp_path) -> str | None:
    if shutil.which(tool) is None:
        return None
    path = tmp_path / "report.pdf"
    path.write_bytes(content)
    args = [tool, str(path), "-"] if tool == "pdftotext" else [tool, str(path)]
    return subprocess.run(args, capture_output=True, check=True, text=True).stdout


def _squash(text: str) -> str:
    return "".join(text.split())


# --- Periods and generation ----------------------------------------------------------------------------------------


def test_closed_periods_are_last_week_and_last_month():
    wednesday = date(2026, 12, 2)
    assert [(k, p.start, p.end) for k, p in period_reports.closed_periods(wednesday)] == [
        ("weekly", date(2026, 11, 23), date(2026, 11, 29)),
        ("monthly", date(2026, 11, 1), date(2026, 11, 30)),
    ]
    monday = date(2026, 11, 30)
    assert [(k, p.start, p.end) for k, p in period_reports.closed_periods(monday)] == [
        ("weekly", date(2026, 11, 23), date(2026, 11, 29)),
        ("monthly", date(2026, 10, 1), date(2026, 10, 31)),
    ]
    assert period_reports.closed_periods(date(2027, 1, 1))[1][1].start == date(2026, 12, 1)


def test_each_rep_and_team_gets_one_report_per_period_even_when_generated_twice(org, sales):
    first = period_reports.generate(today=TODAY)
    # Four active reps with a team and three teams, for the week and the month.
    assert len(first) == (4 + 3) * 2
    assert period_reports.generate(today=TODAY) == []
    assert PeriodReport.objects.count() == 14
    assert set(PeriodReport.objects.filter(level="rep").values_list("rep__username", flat=True)) == {
        "rep_a1",
        "rep_a1b",
        "rep_a2",
        "rep_b1",
    }
    assert PeriodReport.objects.filter(kind="weekly", start=WEEK.start, end=WEEK.end).count() == 7
    assert PeriodReport.objects.filter(kind="monthly", start=MONTH.start, end=MONTH.end).count() == 7
    # A parallel run that inserts the same report after we looked: the constraint wins, nothing is doubled.
    scope = dashboard.Scope("rep", org.rep_a1)
    assert period_reports._generate_one(kind="weekly", period=WEEK, scope=scope) is None
    assert PeriodReport.objects.filter(kind="weekly", rep=org.rep_a1).count() == 1


def test_stored_figures_equal_the_dashboard_of_the_scope_and_period(org, sales):
    period_reports.generate(today=TODAY)
    for kind, period in ((_WEEKLY, WEEK), (_MONTHLY, MONTH)):
        for scope, subject in (
            (dashboard.Scope("rep", org.rep_a1), {"rep": org.rep_a1}),
            (dashboard.Scope("team", org.team_a1), {"team": org.team_a1}),
        ):
            stored = _report(kind, **subject).figures
            assert stored == dashboard.dashboard_json(dashboard.dashboard(scope=scope, period=period))
    weekly = _report("weekly", rep=org.rep_a1).figures
    assert weekly["figures"]["sales_amount"] == "1234.50" and weekly["start"] == WEEK.start.isoformat()
    assert Decimal(weekly["figures"]["sales_target"]) > 0 and weekly["figures"]["sales_rate"] is not None
    team = _report("weekly", team=org.team_a1).figures
    assert {c["id"] for c in team["children"]} >= {org.rep_a1.pk, org.rep_a1b.pk}


# --- E-mail --------------------------------------------------------------------------------------------------------


def test_the_rep_report_goes_to_the_kam_once_in_the_kams_language_with_the_pdf(
    org, sales, django_capture_on_commit_callbacks, monkeypatch
):
    org.kam_a1.language = "zh-hans"
    org.kam_a1.save()
    languages = []
    title = period_reports.title

    def spy(report):
        languages.append((report.pk, translation.get_language()))
        return title(report)

    monkeypatch.setattr(period_reports, "title", spy)
    with django_capture_on_commit_callbacks(execute=True):
        period_reports.generate(today=TODAY)

    report = _report("weekly", rep=org.rep_a1)
    to_kam = [m for m in mail.outbox if m.to == [org.kam_a1.email] and f"{CHINESE_LAST}{CHINESE_FIRST}" in m.subject]
    assert len(to_kam) == 2  # the weekly and the monthly report, one e-mail each
    weekly = next(m for m in to_kam if WEEK.start.isoformat() in m.subject)
    with translation.override("zh-hans"):
        assert weekly.subject == title(report)
    assert (report.pk, "zh-hans") in languages and all(lang == "zh-hans" for pk, lang in languages if pk == report.pk)
    assert f"/period-reports/{report.pk}/" in weekly.body and "1,234.50" in weekly.body
    [(name, content, mimetype)] = weekly.attachments
    assert name.endswith(".pdf") and mimetype == "application/pdf" and content.startswith(b"%PDF")
    report.refresh_from_db()
    assert report.emailed_at is not None and report.emailed_to == org.kam_a1.email

    # Never twice: a second run of the task, or beat firing again.
    sent = len(mail.outbox)
    assert period_report_mail.email_report(report_id=report.pk) is None
    with django_capture_on_commit_callbacks(execute=True):
        period_reports.generate(today=TODAY)
    assert len(mail.outbox) == sent

    # A team's report goes to the regional managers of its region, and no rep's report to them.
    team_mails = [m for m in mail.outbox if m.to == [org.rm_a.email]]
    assert len(team_mails) == 4  # teams A1 and A2, week and month
    assert not any(org.rm_b.email in m.to and "Team A" in m.subject for m in mail.outbox)


def test_an_e_mail_whose_task_was_lost_goes_out_with_the_next_run(org, sales, django_capture_on_commit_callbacks):
    period_reports.generate(today=TODAY)  # on_commit never runs here: the e-mail tasks are "lost"
    assert not mail.outbox
    with django_capture_on_commit_callbacks(execute=True):
        period_reports.generate(today=TODAY)  # less than an hour later: still waiting for its task
    assert not mail.outbox
    PeriodReport.objects.update(generated_at=timezone.now() - timedelta(hours=2))
    with django_capture_on_commit_callbacks(execute=True):
        period_reports.generate(today=TODAY)
    assert {tuple(m.to) for m in mail.outbox} >= {(org.kam_a1.email,), (org.rm_a.email,)}
    sent = len(mail.outbox)
    with django_capture_on_commit_callbacks(execute=True):
        period_reports.generate(today=TODAY)
    assert len(mail.outbox) == sent  # once each


def test_a_failed_send_releases_the_claim_so_the_retry_sends_it(org, sales, monkeypatch):
    period_reports.generate(today=TODAY)
    report = _report("monthly", rep=org.rep_a1)
    send = EmailMessage.send

    def broken(self, *args, **kwargs):
        raise SMTPException("mail server down")

    monkeypatch.setattr(EmailMessage, "send", broken)
    with pytest.raises(SMTPException):
        period_report_mail.email_report(report_id=report.pk)
    report.refresh_from_db()
    assert report.emailed_at is None and mail.outbox == []
    monkeypatch.setattr(EmailMessage, "send", send)
    assert period_report_mail.email_report(report_id=report.pk) == org.kam_a1.email
    assert len(mail.outbox) == 1 and mail.outbox[0].to == [org.kam_a1.email]


def test_without_a_manager_with_an_address_nothing_is_sent_and_that_is_recorded(org, sales):
    Team.objects.filter(pk=org.team_a2.pk).update(kam=None)
    period_reports.generate(today=TODAY)
    report = _report("weekly", rep=org.rep_a2)
    assert period_report_mail.email_report(report_id=report.pk) == ""
    report.refresh_from_db()
    assert report.emailed_at is not None and report.emailed_to == "" and mail.outbox == []


# --- Files ---------------------------------------------------------------------------------------------------------


def test_the_pdf_shows_the_rep_the_figures_the_review_and_comments(org, reports, client_for, tmp_path):
    report = _report("weekly", rep=org.rep_a1)
    Review.objects.create(rep=org.rep_a1, kind="weekly", period_start=WEEK.start, text="本周拜访顺利")
    Comment.objects.create(target=report, author=org.kam_a1, text="Follow up on INV-1")
    response = client_for(org.kam_a1).get(f"/period-reports/{report.pk}/report.pdf")
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF")
    text = _tool("pdftotext", response.content, tmp_path)
    if text is None:
        pytest.skip("pdftotext (poppler-utils) is not installed")
    text = _squash(text)
    for expected in (
        f"{CHINESE_LAST}{CHINESE_FIRST}",
        "1,234.50",
        WEEK.start.isoformat(),
        "本周拜访顺利",
        "FollowuponINV-1",
    ):
        assert expected in text, expected
    fonts = _tool("pdffonts", response.content, tmp_path) or ""
    families = subprocess.run(["fc-list", ":", "family"], capture_output=True, text=True).stdout
    if "WenQuanYi Micro Hei" in families:
        assert "WenQuanYi" in fonts  # real Chinese glyphs


def test_the_workbook_has_the_sales_amount_as_an_exact_number(org, reports, client_for):
    report = _report("monthly", team=org.team_a1)
    response = client_for(org.rm_a).get(f"/period-reports/{report.pk}/report.xlsx")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    workbook = openpyxl.load_workbook(io.BytesIO(response.content))
    rows = {row[0].value: row for row in workbook["Figures"].iter_rows(min_row=2)}
    # The rate's actual is the planned accounts' sales; the unplanned ones have their own row.
    sales = rows["Sales amount (planned accounts)"]
    assert Decimal(str(sales[2].value)) == Decimal(report.figures["figures"]["planned_sales_amount"])
    assert sales[2].number_format == "#,##0.00"
    unplanned = rows["Unplanned sales (accounts without a plan)"]
    assert Decimal(str(sales[2].value)) + Decimal(str(unplanned[2].value)) == Decimal(
        report.figures["figures"]["sales_amount"]
    )
    reps = {row[0].value for row in workbook["Rep"].iter_rows(min_row=2)}
    assert org.rep_a1.display_name in reps and org.rep_a1b.display_name in reps


# --- Pages ---------------------------------------------------------------------------------------------------------


def test_a_rep_lists_and_reads_their_own_reports_and_is_asked_for_the_review(org, reports, client_for):
    rep = client_for(org.rep_a1)
    listing = rep.get("/period-reports/")
    assert listing.status_code == 200
    page = listing.content.decode()
    own = _report("weekly", rep=org.rep_a1)
    assert f"/period-reports/{own.pk}/" in page
    assert f"/period-reports/{_report('weekly', rep=org.rep_a1b).pk}/" not in page
    assert f"/period-reports/{_report('weekly', team=org.team_a1).pk}/" not in page
    detail = rep.get(f"/period-reports/{own.pk}/").content.decode()
    assert "1,234.50" in detail and f"/reports/cycle/week/{WEEK.start.isoformat()}/review/" in detail
    assert 'href="/period-reports/"' in rep.get("/").content.decode()  # in the navigation


def test_the_kam_comments_and_follows_the_team_report_to_the_reps(org, reports, client_for):
    kam = client_for(org.kam_a1)
    team_report = _report("weekly", team=org.team_a1)
    rep_report = _report("weekly", rep=org.rep_a1)
    page = kam.get(f"/period-reports/{team_report.pk}/").content.decode()
    assert f'href="/period-reports/{rep_report.pk}/"' in page  # the children link to their reports
    response = kam.post(f"/period-reports/{rep_report.pk}/comments/", {"text": "Good week, chase INV-1"})
    assert response.status_code == 302
    assert "Good week, chase INV-1" in kam.get(f"/period-reports/{rep_report.pk}/").content.decode()
    # The rep sees it and may answer; a filter narrows the list.
    assert "Good week, chase INV-1" in client_for(org.rep_a1).get(f"/period-reports/{rep_report.pk}/").content.decode()
    filtered = kam.get(f"/period-reports/?kind=monthly&rep={org.rep_a1.pk}").content.decode()
    assert f"/period-reports/{_report('monthly', rep=org.rep_a1).pk}/" in filtered
    assert f"/period-reports/{rep_report.pk}/" not in filtered
    # Finance reads the reports but does not comment.
    assert client_for(org.finance).post(f"/period-reports/{rep_report.pk}/comments/", {"text": "x"}).status_code == 302
    assert Comment.objects.filter(object_id=rep_report.pk, author=org.finance).count() == 0


def test_another_teams_rep_gets_404_on_page_files_comments_and_api(org, reports, client_for, api_for):
    report = _report("weekly", rep=org.rep_a1)
    team_report = _report("weekly", team=org.team_a1)
    outsider = client_for(org.rep_a2)
    for target in (report, team_report):
        for suffix in ("", "report.pdf", "report.xlsx"):
            assert outsider.get(f"/period-reports/{target.pk}/{suffix}").status_code == 404, suffix
        assert outsider.post(f"/period-reports/{target.pk}/comments/", {"text": "x"}).status_code == 404
    api = api_for(org.rep_a2)
    for suffix in ("", "pdf/", "xlsx/"):
        response = api.get(f"/api/period-reports/{report.pk}/{suffix}")
        assert response.status_code == 404 and response["Content-Type"] == "application/json", suffix
    assert api_for(org.kam_b1).get(f"/api/period-reports/{team_report.pk}/").status_code == 404
    assert client_for(org.rm_b).get(f"/period-reports/{team_report.pk}/").status_code == 404


# --- API -----------------------------------------------------------------------------------------------------------


def test_the_api_lists_paginated_filters_and_serves_the_files(org, reports, api_for):
    api = api_for(org.kam_a1)
    body = api.get("/api/period-reports/").json()
    assert set(body) == {"count", "next", "previous", "results"}
    # Team A1's two reps and the team, week and month.
    assert body["count"] == 6
    row = body["results"][0]
    assert set(row) >= {
        "id", "kind", "level", "rep", "team", "start", "end", "generated_at", "emailed_at", "figures", "review",
        "comments",
    }  # fmt: skip
    weekly = api.get(f"/api/period-reports/?kind=weekly&level=rep&rep={org.rep_a1.pk}").json()
    assert weekly["count"] == 1
    [found] = weekly["results"]
    report = _report("weekly", rep=org.rep_a1)
    assert found["id"] == report.pk and found["start"] == WEEK.start.isoformat() and found["review"] is None
    assert found["figures"]["figures"]["sales_amount"] == "1234.50"
    assert api.get(f"/api/period-reports/?start={MONTH.start.isoformat()}&level=team").json()["count"] == 1

    Review.objects.create(rep=org.rep_a1, kind="weekly", period_start=WEEK.start, text="Busy week")
    Comment.objects.create(target=report, author=org.kam_a1, text="Well done")
    detail = api.get(f"/api/period-reports/{report.pk}/").json()
    assert detail["review"]["text"] == "Busy week" and [c["text"] for c in detail["comments"]] == ["Well done"]

    pdf = api.get(f"/api/period-reports/{report.pk}/pdf/")
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")
    xlsx = api.get(f"/api/period-reports/{report.pk}/xlsx/")
    assert xlsx.status_code == 200 and xlsx.content.startswith(b"PK")
    # Read-only.
    assert api.post("/api/period-reports/", {}).status_code == 405
    assert api.put(f"/api/period-reports/{report.pk}/", {}).status_code == 405
    assert api.delete(f"/api/period-reports/{report.pk}/").status_code == 405
    # A rep sees their own only; the list's notes cost a fixed number of queries.
    assert {r["rep"] for r in api_for(org.rep_a1).get("/api/period-reports/").json()["results"]} == {org.rep_a1.pk}


def test_the_list_api_does_not_query_per_report(org, reports, api_for, django_assert_max_num_queries):
    api = api_for(org.admin)
    with django_assert_max_num_queries(12):
        assert api.get("/api/period-reports/").json()["count"] == 14


# --- Schedules -----------------------------------------------------------------------------------------------------


def test_the_beat_schedules_of_the_reports(db):
    from importlib import import_module

    from django.apps import apps

    import_module("reports.migrations.0004_beat_schedules").create(apps, None)
    schedules = {t.name: t for t in PeriodicTask.objects.filter(name__startswith="Reports:")}
    rollup = schedules["Reports: nightly rollups"]
    assert rollup.task == "reports.tasks.rebuild_recent_rollups"
    assert (rollup.crontab.hour, rollup.crontab.minute) == ("1", "30")
    generated = schedules["Reports: weekly and monthly reports"]
    assert generated.task == "reports.tasks.generate_period_reports"
    assert (generated.crontab.hour, generated.crontab.minute, generated.crontab.day_of_month) == ("5", "30", "*")
    tiers = schedules["Reports: account tiers"]
    assert (tiers.crontab.hour, tiers.crontab.minute, tiers.crontab.day_of_month) == ("3", "0", "1")
    from kamcrm.celery import app

    app.loader.import_default_modules()
    for task in schedules.values():
        assert task.task in app.tasks, task.task
