"""The printed plan (WeasyPrint): /plans/<id>/plan.pdf and /api/plans/<id>/plan.pdf. Two renders only (~1 s each)."""

import shutil
import subprocess

import pytest
from django.utils import translation

from tests import factories as f
from tests.plans import factories as pf

CHINESE_NAME = "上海华联食品贸易有限公司"


def _tool(tool: str, content: bytes, tmp_path) -> str | None:
    if shutil.which(tool) is None:
        return None
    path = tmp_path / "plan.pdf"
    path.write_bytes(content)
    args = [tool, str(path), "-"] if tool == "pdftotext" else [tool, str(path)]
    return subprocess.run(args, capture_output=True, check=True, text=True).stdout


def _squash(text: str) -> str:
    return "".join(text.split())


@pytest.fixture
def hualian_plan(org):
    distributor = f.DistributorFactory(code="SH-001", name=CHINESE_NAME, short_name="华联食品", owner=org.rep_a1)
    plan = pf.approved_plan(kam=org.kam_a1, manager=org.rm_a, distributor=distributor, notes="春节备货")
    return plan


def test_the_plan_prints_with_months_splits_workflow_and_chinese_text(org, hualian_plan, client_for, tmp_path):
    translation.activate("zh-hans")
    response = client_for(org.rm_a).get(f"/plans/{hualian_plan.pk}/plan.pdf")
    translation.activate("en")
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"] == 'inline; filename="plan-SH-001-2027-Q1-r1.pdf"'
    assert response.content.startswith(b"%PDF")
    text = _tool("pdftotext", response.content, tmp_path)
    if text is None:
        pytest.skip("pdftotext (poppler-utils) is not installed")
    text = _squash(text)
    for expected in (CHINESE_NAME, "2027-Q1", "2027-01", "2027-03", "300,000.00", "100,000.00", "春节备货"):
        assert _squash(expected) in text, expected
    assert org.kam_a1.get_full_name().replace(" ", "") in text and org.rm_a.get_full_name().replace(" ", "") in text
    fonts = _tool("pdffonts", response.content, tmp_path) or ""
    families = (
        subprocess.run(["fc-list", ":", "family"], capture_output=True, text=True).stdout
        if shutil.which("fc-list")
        else ""
    )
    if "WenQuanYi Micro Hei" in families:
        assert "WenQuanYi" in fonts  # real Chinese glyphs, not tofu boxes (pdftotext alone proves nothing)


def test_the_api_serves_the_pdf_in_scope_only(org, hualian_plan, api_for):
    response = api_for(org.kam_a1).get(f"/api/plans/{hualian_plan.pk}/plan.pdf")
    assert response.status_code == 200 and response.content.startswith(b"%PDF")
    assert response["Cache-Control"] == "private, no-store"
    # Outside the scope: a JSON 404, and no PDF is rendered.
    outside = api_for(org.kam_b1).get(f"/api/plans/{hualian_plan.pk}/plan.pdf")
    assert outside.status_code == 404 and outside["Content-Type"] == "application/json"
