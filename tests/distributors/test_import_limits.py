"""Import files that would hang the preview or eat the worker's memory (issue 17, item 10).

Every import (customer cards, contacts, ERP orders, invoices) reads through ``kamcrm.imports.sheets.read_table``:
a workbook is refused by its unpacked size before it is parsed (a zip bomb), a cell longer than
``IMPORT_MAX_CELL_LENGTH`` is refused, and a preview lists the first ``IMPORT_PREVIEW_ERRORS`` problems and rows
with a count of the rest. The hostile files are generated and small on disk.
"""

import csv
import io
import zipfile

import openpyxl
import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import override_settings
from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

from distributors.models import Contact
from kamcrm.imports import sheets as imports

IMPORT, PREVIEW = "/distributors/import/", "/distributors/import/preview/"
CARD_HEADER = ["code", "name", "owner"]


def _xlsx(rows: list[list]) -> bytes:
    workbook = openpyxl.Workbook()
    for row in rows:
        workbook.active.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def _csv(rows: list[list]) -> bytes:
    buffer = io.StringIO()
    csv.writer(buffer).writerows(rows)
    return buffer.getvalue().encode()


def _bomb(unpacked_bytes: int) -> bytes:
    """A real, readable workbook plus one entry of zeros that unpacks to ``unpacked_bytes`` (a few KB on disk)."""
    buffer = io.BytesIO(_xlsx([CARD_HEADER, ["B-1", "Bomb", "rep_a1"]]))
    with zipfile.ZipFile(buffer, "a", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("xl/media/padding.bin", b"\0" * unpacked_bytes)
    return buffer.getvalue()


def _with_cell(content: bytes, placeholder: str, text: str) -> bytes:
    """The workbook with ``placeholder`` replaced by ``text`` in its XML (openpyxl itself writes at most 32,767
    characters to a cell, as Excel does; other tools do not)."""
    source, target = zipfile.ZipFile(io.BytesIO(content)), io.BytesIO()
    with zipfile.ZipFile(target, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for info in source.infolist():
            archive.writestr(info.filename, source.read(info).replace(placeholder.encode(), text.encode()))
    return target.getvalue()


def _upload(client, content: bytes, name: str, kind: str = "distributors"):
    return client.post(IMPORT, {"kind": kind, "file": SimpleUploadedFile(name, content)})


@pytest.fixture
def no_parsing(monkeypatch):
    """Fails the test if openpyxl is asked to parse the workbook."""

    def refuse(*args, **kwargs):
        raise AssertionError("the workbook was parsed")

    monkeypatch.setattr(imports.openpyxl, "load_workbook", refuse)


def test_a_zip_bomb_is_refused_by_its_unpacked_size_before_parsing(org, client_for, no_parsing):
    content = _bomb(settings.IMPORT_MAX_UNCOMPRESSED_SIZE + 1)
    assert len(content) < 200 * 1024
    response = _upload(client_for(org.kam_a1), content, "cards.xlsx")
    assert response.status_code == 200
    assert "unpacks to more than" in response.content.decode()
    assert "distributors_import" not in response.wsgi_request.session


def test_the_invoice_import_refuses_a_zip_bomb_too(org, client_for, no_parsing):
    content = _bomb(settings.IMPORT_MAX_UNCOMPRESSED_SIZE + 1)
    response = client_for(org.finance).post("/receivables/import/", {"file": SimpleUploadedFile("inv.xlsx", content)})
    assert response.status_code == 200 and "unpacks to more than" in response.content.decode()


def test_a_60_mb_cell_makes_no_60_mb_page(org, client_for):
    content = _with_cell(_xlsx([CARD_HEADER, ["B-1", "HUGE", "rep_a1"]]), "HUGE", "x" * (60 * 1024 * 1024))
    assert len(content) < 1024 * 1024
    response = _upload(client_for(org.kam_a1), content, "cards.xlsx")
    assert response.status_code == 200 and len(response.content) < 200 * 1024
    assert "unpacks to more than" in response.content.decode()


@hypothesis_settings(max_examples=6, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    extension=st.sampled_from(["xlsx", "csv"]),
    column=st.integers(min_value=0, max_value=2),
    extra=st.integers(min_value=1, max_value=500),
)
def test_a_cell_over_the_limit_is_refused_with_its_row_and_column(org, client_for, extension, column, extra):
    row = ["B-1", "Acme", "rep_a1"]
    row[column] = "客" * (settings.IMPORT_MAX_CELL_LENGTH + extra)
    content = (_xlsx if extension == "xlsx" else _csv)([CARD_HEADER, ["B-0", "Fine", "rep_a1"], row])
    response = _upload(client_for(org.kam_a1), content, f"cards.{extension}")
    assert response.status_code == 200
    text = response.content.decode()
    assert f"Row 3, column {column + 1} holds more than {settings.IMPORT_MAX_CELL_LENGTH} characters" in text
    assert len(response.content) < 100 * 1024


@override_settings(IMPORT_PREVIEW_ERRORS=50)
def test_the_preview_shows_the_first_problems_and_counts_the_rest(org, client_for):
    rows = [["distributor_code", "name"]] + [[f"NOPE-{i}", f"Contact {i}"] for i in range(180)]
    client = client_for(org.kam_a1)
    response = _upload(client, _csv(rows), "contacts.csv", kind="contacts")
    assert response.status_code == 302
    page = client.get(PREVIEW).content.decode()
    assert "180 problems found" in page
    assert "… and 130 more problems." in page and "130 more rows are not shown." in page
    assert page.count("NOPE-") <= 3 * 50  # the first rows only: the error list, the cell and the row's problem
    assert not Contact.objects.exists()
