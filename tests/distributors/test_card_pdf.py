"""The printable customer card (客户资料卡): /distributors/<pk>/card.pdf and /api/distributors/<pk>/card.pdf.

WeasyPrint takes about a second per PDF, so only four tests here render one.
"""

import shutil
import subprocess
from datetime import date
from decimal import Decimal

import pytest
from django.utils import translation
from django.utils.translation import gettext
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from distributors.cards import pdf, selectors
from distributors.models import Complaint, Suggestion
from kamcrm.pdf import css_content
from tests import factories as f

CHINESE_NAME = "上海华联贸易有限公司"
HOBBIES = "高尔夫和钓鱼 golf and fishing"
PERSONALITY = "稳重，重视长期关系"
SECTION_TITLES = (
    "Customer card",
    "Profile",
    "Contacts",
    "Business dealings",
    "Suggestions and complaints",
    "Evaluation",
)


def _squash(text: str) -> str:
    # pdftotext breaks lines where the table cells wrap; compare without any whitespace.
    return "".join(text.split())


def _has_cjk(text: str) -> bool:
    return any("\u4e00" <= ch <= "\u9fff" for ch in text)


def _run(tool: str, content: bytes, tmp_path) -> str | None:
    """Output of a poppler tool (pdftotext, pdffonts) on the PDF, or None when the tool is not installed."""
    if shutil.which(tool) is None:
        return None
    path = tmp_path / "card.pdf"
    path.write_bytes(content)
    args = [tool, str(path), "-"] if tool == "pdftotext" else [tool, str(path)]
    return subprocess.run(args, capture_output=True, check=True, text=True).stdout


def _cjk_font_installed() -> bool:
    if shutil.which("fc-list") is None:
        return False
    families = subprocess.run(["fc-list", ":", "family"], capture_output=True, check=True, text=True).stdout
    return "WenQuanYi Micro Hei" in families


def _pdf_text(content: bytes, tmp_path) -> str:
    text = _run("pdftotext", content, tmp_path)
    if text is None:
        pytest.skip("pdftotext (poppler-utils) is not installed, so the PDF's text cannot be checked")
    return _squash(text)


def _assert_is_card_pdf(response, code: str) -> bytes:
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"] == f'inline; filename="{code}-card.pdf"'
    assert response.content.startswith(b"%PDF")
    assert len(response.content) > 1000
    return response.content


@pytest.fixture
def hualian(org):
    """A card of rep_a1 (team A1) with a Chinese legal name, a contact with personal notes and some dealings."""
    distributor = f.DistributorFactory(
        code="SH-001",
        name=CHINESE_NAME,
        short_name="Hualian Trading",
        owner=org.rep_a1,
        city="上海",
        annual_turnover=Decimal("12345678.5"),
        credit_limit=Decimal("500000"),
        assessment="回款及时。",
    )
    f.ContactFactory(
        distributor=distributor,
        name="张伟",
        position="总经理",
        is_primary=True,
        birthday=date(1975, 5, 3),
        hobbies=HOBBIES,
        personality=PERSONALITY,
    )
    Suggestion.objects.create(
        distributor=distributor, received_on=date(2026, 10, 8), content="希望增加促销物料", recorded_by=org.rep_a1
    )
    Complaint.objects.create(
        distributor=distributor,
        kind="transport",
        description="到货延迟三天",
        received_on=date(2026, 11, 2),
        owner=org.rep_a1,
        recorded_by=org.rep_a1,
    )
    return distributor


def test_owner_prints_the_card_with_chinese_text_and_personal_notes(org, hualian, client_for, tmp_path):
    content = _assert_is_card_pdf(client_for(org.rep_a1).get(f"/distributors/{hualian.pk}/card.pdf"), "SH-001")

    skipped = []
    text = _run("pdftotext", content, tmp_path)
    if text is None:
        skipped.append("pdftotext (poppler-utils) is not installed, so the PDF's text was not checked")
    else:
        text = _squash(text)
        for expected in (
            CHINESE_NAME,
            "Hualian Trading",
            "SH-001",
            "张伟",
            HOBBIES,
            PERSONALITY,
            "希望增加促销物料",
            "到货延迟三天",
            "12,345,678.50",
            "500,000.00",
            org.rep_a1.get_full_name(),
        ):
            assert _squash(expected) in text, expected

    # pdftotext prints Chinese even from a PDF drawn with tofu boxes (STACK-NOTES gotcha 4): only an
    # embedded CJK font proves real glyphs.
    fonts = _run("pdffonts", content, tmp_path)
    if not _cjk_font_installed():
        skipped.append("the fonts-wqy-microhei package is not installed (fc-list), so no CJK font was checked")
    elif fonts is None:
        skipped.append("pdffonts (poppler-utils) is not installed, so the embedded fonts were not checked")
    else:
        assert "WenQuanYi-Micro-Hei" in fonts

    if skipped:
        pytest.skip("; ".join(skipped))


def test_finance_prints_the_card_without_contacts_personal_notes(org, hualian, client_for, tmp_path):
    content = _assert_is_card_pdf(client_for(org.finance).get(f"/distributors/{hualian.pk}/card.pdf"), "SH-001")
    text = _pdf_text(content, tmp_path)
    assert _squash(CHINESE_NAME) in text
    assert "张伟" in text  # the contact is on the card ...
    for personal in (HOBBIES, PERSONALITY, "1975-05-03"):  # ... but not their personal notes
        assert _squash(personal) not in text


def test_team_kam_prints_the_card_over_the_api_with_a_token_in_their_language(org, hualian, tmp_path):
    org.kam_a1.language = "zh-hans"
    org.kam_a1.save(update_fields=["language"])
    client = APIClient()
    assert client.get(f"/api/distributors/{hualian.pk}/card.pdf").status_code == 401
    client.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.create(user=org.kam_a1).key}")

    response = client.get(f"/api/distributors/{hualian.pk}/card.pdf", HTTP_ACCEPT="application/pdf")

    text = _pdf_text(_assert_is_card_pdf(response, "SH-001"), tmp_path)
    assert _squash(HOBBIES) in text  # the owner's team sees the personal notes
    with translation.override("zh-hans"):
        company = gettext("KAM CRM")
    assert _has_cjk(company) and _squash(company) in text  # a token caller gets their own language too


def test_card_is_in_chinese_for_a_user_who_reads_chinese(org, hualian, client_for, tmp_path):
    org.rep_a1.language = "zh-hans"
    org.rep_a1.save(update_fields=["language"])

    response = client_for(org.rep_a1).get(f"/distributors/{hualian.pk}/card.pdf")

    text = _pdf_text(_assert_is_card_pdf(response, "SH-001"), tmp_path)
    with translation.override("zh-hans"):
        company, titles = gettext("KAM CRM"), [gettext(title) for title in SECTION_TITLES]
    assert _has_cjk(company) and _squash(company) in text  # the page header
    for title in titles:
        assert _squash(title) in text
    assert all(_has_cjk(title) for title in titles), "section titles must be translated"


def test_card_outside_scope_is_404_on_page_and_api(org, cards, client_for, api_for):
    for user in (org.rep_a2, org.rep_b1, org.kam_b1, org.rm_b):
        assert client_for(user).get(f"/distributors/{cards.a1.pk}/card.pdf").status_code == 404, user
        assert api_for(user).get(f"/api/distributors/{cards.a1.pk}/card.pdf").status_code == 404, user
    assert client_for(org.rep_a1).get("/distributors/999999/card.pdf").status_code == 404
    assert api_for(org.rep_a1).get("/api/distributors/999999/card.pdf").status_code == 404


def test_card_pdf_needs_a_signed_in_user(cards, client):
    response = client.get(f"/distributors/{cards.a1.pk}/card.pdf")
    assert response.status_code == 302 and "/login/" in response["Location"]
    assert APIClient().get(f"/api/distributors/{cards.a1.pk}/card.pdf").status_code == 401


def test_card_shows_the_newest_30_dealings_and_records(org, cards):
    for day in range(1, 36):
        Suggestion.objects.create(
            distributor=cards.a1,
            received_on=date(2026, 1, day % 28 + 1),
            content=f"suggestion {day}",
            recorded_by=org.rep_a1,
        )
    distributor = selectors.distributor_card(for_user=org.rep_a1, pk=cards.a1.pk)

    context = pdf.card_context(distributor=distributor, for_user=org.rep_a1)

    assert len(context["dealings"]) == 30
    assert [e["at"] for e in context["dealings"]] == sorted((e["at"] for e in context["dealings"]), reverse=True)
    assert (len(context["suggestions"]), context["suggestions_total"]) == (30, 35)


def test_names_cannot_break_out_of_the_page_header_css():
    content = css_content('Wang "}</style><script>', counters=False)
    assert content.startswith('"') and content.endswith('"') and content.count('"') == 2
    assert "<" not in content and "}" not in content
    assert css_content("第 %(page)s 页，共 %(pages)s 页", counters=True).count("counter(") == 2


def test_money_has_two_decimals():
    assert pdf.money(Decimal("1234567.5")) == "1,234,567.50"
    assert pdf.money(Decimal("0")) == "0.00"
    assert pdf.money(None) == "—"
