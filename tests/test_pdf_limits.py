"""Printed documents with the longest text a user may store (issue 17, item 9).

Every free-text field holds at most ``settings.TEXT_MAX_LENGTH`` characters (a 400 with a field error beyond it), and
every PDF renders with fields at that length of hostile text: Chinese without a single break, Latin letters without
a space. The text is in the PDF (pdftotext). Render times are measured outside the tests (see the report of issue 17).
"""

import re
import shutil
import subprocess
from datetime import timedelta
from decimal import Decimal

import pytest
from django.conf import settings
from django.utils import timezone
from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

from distributors.cards import pdf as card_pdf
from distributors.models import Complaint, Distributor, Suggestion
from distributors.plans.models import QuarterlyPlan
from kamcrm.pdf import BREAK_EVERY, ZERO_WIDTH_SPACE, breakable
from receivables import services as money
from reports.analytics.models import PeriodReport
from reports.analytics.period_reports import services as period_reports
from reports.models import Comment, Review
from tests.plans import factories as pf

CJK_WORD = "客户评估"  # four characters, repeated without a break
LATIN_WORD = "Zq"


def _run_of(word: str, length: int) -> str:
    return (word * (length // len(word) + 1))[:length]


def _pdf_text(content: bytes, tmp_path) -> str:
    if shutil.which("pdftotext") is None:
        pytest.skip("pdftotext (poppler-utils) is not installed")
    path = tmp_path / "doc.pdf"
    path.write_bytes(content)
    text = subprocess.run(["pdftotext", str(path), "-"], capture_output=True, check=True, text=True).stdout
    return re.sub(rf"[\s{ZERO_WIDTH_SPACE}]+", "", text)


def _assert_holds(text: str, word: str, times: int, pages: int) -> None:
    # A page break may put the running header and footer inside a run: one occurrence lost per page at most.
    assert text.count(word) >= times - pages, (word, text.count(word), times)


def _pages(content: bytes) -> int:
    return max(content.count(b"/Type /Page\n"), content.count(b"/Type /Page"), 1)


@pytest.fixture
def longest():
    return settings.TEXT_MAX_LENGTH


def test_a_card_with_every_long_text_at_the_limit_prints_it(org, cards, client_for, tmp_path, longest):
    card = cards.a1
    Distributor.objects.filter(pk=card.pk).update(assessment=_run_of(CJK_WORD, longest))
    for i in range(3):
        Suggestion.objects.create(
            distributor=card,
            received_on=timezone.localdate() - timedelta(days=i),
            content=_run_of(LATIN_WORD, longest),
            response=_run_of(CJK_WORD, longest),
            recorded_by=org.rep_a1,
        )
        Complaint.objects.create(
            distributor=card,
            kind="transport",
            description=_run_of(CJK_WORD, longest),
            resolution=_run_of(LATIN_WORD, longest),
            received_on=timezone.localdate() - timedelta(days=i),
            owner=org.rep_a1,
            recorded_by=org.rep_a1,
        )
    response = client_for(org.rep_a1).get(f"/distributors/{card.pk}/card.pdf")
    assert response.status_code == 200 and response.content.startswith(b"%PDF")
    text, pages = _pdf_text(response.content, tmp_path), _pages(response.content)
    # The assessment in full; each suggestion and complaint text up to RECORD_TEXT_LIMIT (the page has them all).
    shown = card_pdf.RECORD_TEXT_LIMIT - 1
    _assert_holds(text, CJK_WORD, longest // len(CJK_WORD) + 6 * (shown // len(CJK_WORD)), pages)
    _assert_holds(text, LATIN_WORD, 6 * (shown // len(LATIN_WORD)), pages)
    assert text.count("…") >= 12


def test_a_plan_with_notes_at_the_limit_prints_them(org, cards, client_for, tmp_path, longest):
    plan = pf.approved_plan(kam=org.kam_a1, manager=org.rm_a, distributor=cards.a1)
    QuarterlyPlan.objects.filter(pk=plan.pk).update(notes=_run_of(CJK_WORD, longest))
    plan.steps.update(comment=_run_of(LATIN_WORD, longest))
    response = client_for(org.kam_a1).get(f"/plans/{plan.pk}/plan.pdf")
    assert response.status_code == 200 and response.content.startswith(b"%PDF")
    text, pages = _pdf_text(response.content, tmp_path), _pages(response.content)
    _assert_holds(text, CJK_WORD, longest // len(CJK_WORD), pages)
    _assert_holds(text, LATIN_WORD, plan.steps.count() * (longest // len(LATIN_WORD)), pages)


def test_a_statement_with_the_longest_references_prints_them(org, cards, client_for, tmp_path):
    today = timezone.localdate()
    reference = _run_of(LATIN_WORD, 80)  # the reference field's own length
    for i in range(20):
        money.record_payment(
            distributor=cards.a1, amount=Decimal("10.00"), paid_on=today, method="bank_transfer",
            reference=f"{i:02d}{reference}"[:80], by=org.finance,
        )  # fmt: skip
    url = f"/receivables/accounts/{cards.a1.pk}/statement.pdf?start={today}&end={today}"
    response = client_for(org.finance).get(url)
    assert response.status_code == 200 and response.content.startswith(b"%PDF")
    text = _pdf_text(response.content, tmp_path)
    _assert_holds(text, LATIN_WORD, 20 * 39, _pages(response.content))


def test_a_period_report_with_review_and_comments_at_the_limit_prints_them(org, cards, client_for, tmp_path, longest):
    today = timezone.localdate()
    period_reports.generate(today=today)
    (kind, period), _monthly = period_reports.closed_periods(today)
    Review.objects.create(rep=org.rep_a1, kind=kind, period_start=period.start, text=_run_of(CJK_WORD, longest))
    report = PeriodReport.objects.get(kind=kind, rep=org.rep_a1, start=period.start)
    for _i in range(3):
        Comment.objects.create(target=report, author=org.kam_a1, text=_run_of(LATIN_WORD, longest))
    response = client_for(org.kam_a1).get(f"/period-reports/{report.pk}/report.pdf")
    assert response.status_code == 200 and response.content.startswith(b"%PDF")
    text, pages = _pdf_text(response.content, tmp_path), _pages(response.content)
    _assert_holds(text, CJK_WORD, longest // len(CJK_WORD), pages)
    _assert_holds(text, LATIN_WORD, 3 * (longest // len(LATIN_WORD)), pages)


# --- The limit itself ---------------------------------------------------------------------------------------------


def test_an_assessment_over_the_limit_is_a_400_field_error_and_nothing_changes(org, cards, api_for, longest):
    api = api_for(org.rep_a1)
    url = f"/api/distributors/{cards.a1.pk}/"
    too_long = api.patch(url, {"assessment": "评" * (longest + 1)}, format="json")
    assert too_long.status_code == 400 and "assessment" in too_long.json()
    cards.a1.refresh_from_db()
    assert cards.a1.assessment == ""
    assert api.patch(url, {"assessment": "评" * longest}, format="json").status_code == 200


def test_a_complaint_over_the_limit_is_a_400_field_error(org, cards, api_for, longest):
    response = api_for(org.rep_a1).post(
        "/api/complaints/",
        {
            "distributor": cards.a1.pk,
            "kind": "transport",
            "description": "x" * (longest + 1),
            "received_on": timezone.localdate().isoformat(),
        },
        format="json",
    )
    assert response.status_code == 400 and "description" in response.json()
    assert not Complaint.objects.exists()


def test_a_suggestion_form_with_a_too_long_text_says_so_and_saves_nothing(org, cards, client_for, longest):
    response = client_for(org.rep_a1).post(
        f"/distributors/{cards.a1.pk}/suggestions/new/",
        {"received_on": timezone.localdate().isoformat(), "content": "评" * (longest + 1), "status": "new"},
    )
    assert response.status_code == 200 and "content" in response.context["form"].errors
    assert not Suggestion.objects.exists()


@hypothesis_settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.text(alphabet=st.characters(exclude_characters="<>&\u200b", exclude_categories=("Cs",)), max_size=300))
def test_breaking_long_runs_keeps_every_character_and_leaves_runs_short(text):
    html = (
        f'<html><head><style>p {{ content: "{"x" * 60}" }}</style></head><body><p title="{"y" * 60}">{text}</p></body>'
    )
    out = breakable(html)
    assert out.replace(ZERO_WIDTH_SPACE, "") == html
    body_text = out.split("<p", 1)[1].split(">", 1)[1]
    assert all(len(run) <= BREAK_EVERY for run in re.split(rf"[\s{ZERO_WIDTH_SPACE}<>&]", body_text) if run)
    assert '"' + "x" * 60 + '"' in out and "y" * 60 in out  # styles and attributes untouched


@pytest.mark.parametrize("extra", [1, 1000])
def test_a_plan_returned_with_a_too_long_comment_is_a_400_and_stays_submitted(org, cards, api_for, longest, extra):
    plan = pf.make_plan(by=org.kam_a1, distributor=cards.a1)
    assert api_for(org.kam_a1).post(f"/api/plans/{plan.pk}/submit/", {}, format="json").status_code == 200
    response = api_for(org.rm_a).post(
        f"/api/plans/{plan.pk}/return/", {"comment": "改" * (longest + extra)}, format="json"
    )
    assert response.status_code == 400 and "comment" in response.json()
    plan.refresh_from_db()
    assert plan.status == "submitted"
