"""The import framework's file side, shared by every import (customer cards and contacts, ERP orders, invoices).

- :func:`read_table` reads the first sheet of an .xlsx or .csv file within the limits (size, unpacked size,
  rows, cell length); :func:`build_sheet` maps its header row to fields; a file that cannot be read raises
  :class:`ImportFileError`.
- :class:`RowError`, :class:`PreviewRow` and :class:`ImportPreview` carry what the preview page shows.
- Between the preview and the confirmation the uploaded file waits in the default storage
  (:func:`stash` / :func:`load_stash` / :func:`discard`; :func:`purge_stale_stashes` nightly).

What a file holds and how its rows are checked and saved belongs to each import (``distributors.cards.imports``,
``receivables.imports``, ``reports.order_import``); the pages are :mod:`kamcrm.imports.flow`.
"""

import contextlib
import csv
import functools
import io
import re
import uuid
import zipfile
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from decimal import Decimal

import openpyxl
from django.conf import settings
from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import models
from django.utils import timezone, translation
from django.utils.translation import gettext as _

MAX_FILE_SIZE = 5 * 1024 * 1024  # bytes
MAX_ROWS = 5000
MAX_COLUMNS = 200
# A sheet formatted down to row 1,048,576 is not data: stop after this many empty rows in a row.
MAX_BLANK_RUN = 1000
EXTENSIONS = ("xlsx", "csv")
STASH_DIR = "imports"
LANGUAGES = ("en", "zh-hans")
TRUE_WORDS = ("yes", "y", "true", "1", "x", "✓", "是", "对")
FALSE_WORDS = ("no", "n", "false", "0", "否", "不是")
# Other names of choice values, by field name -> choice key -> names; each import registers its own
# (register_choice_aliases). The key and the English or Chinese label of a choice are always accepted.
CHOICE_ALIASES: dict[str, dict[str, tuple[str, ...]]] = {}

_IGNORED_CHARACTERS = re.compile(r"[\s_\-–—‐·:：()（）*]+")
_DATE = re.compile(r"^(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?$")


def _normalize(text: str) -> str:
    return _IGNORED_CHARACTERS.sub("", str(text)).casefold()


class ImportFileError(Exception):
    """The file as a whole cannot be imported (unreadable, too big, no header, required columns missing)."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


# --- Reading the file -------------------------------------------------------------------------------


@dataclass
class Sheet:
    """A parsed file: which column holds which field, and the data rows as (row number, cells)."""

    kind: str
    headers: list[str]
    fields: dict[int, str]  # column index -> field
    ignored: list[str]
    rows: list[tuple[int, list]]

    def header_of(self, name: str) -> str:
        for index, mapped in self.fields.items():
            if mapped == name:
                return self.headers[index]
        return ""


def _check_unpacked_size(content: bytes) -> None:
    """Refuse a workbook (a zip file) that unpacks to more than ``settings.IMPORT_MAX_UNCOMPRESSED_SIZE``, before
    anything is unpacked: a few kilobytes can unpack to gigabytes (a "zip bomb"). Python's zip reader never
    unpacks more than the sizes the directory declares, so their sum is a real bound."""
    try:
        with zipfile.ZipFile(io.BytesIO(content)) as archive:
            unpacked = sum(info.file_size for info in archive.infolist())
    except (zipfile.BadZipFile, OSError, ValueError) as exc:
        raise ImportFileError(_("The file is not an Excel workbook (.xlsx) that can be read.")) from exc
    limit = settings.IMPORT_MAX_UNCOMPRESSED_SIZE
    if unpacked > limit:
        raise ImportFileError(
            _("The workbook unpacks to more than %(size)s MB; save only the rows and columns to import.")
            % {"size": limit // (1024 * 1024)}
        )


def _check_cells(number: int, values: list) -> None:
    """Refuse a row with a cell longer than ``settings.IMPORT_MAX_CELL_LENGTH`` characters."""
    limit = settings.IMPORT_MAX_CELL_LENGTH
    for index, value in enumerate(values):
        if isinstance(value, str) and len(value) > limit:
            raise ImportFileError(
                _("Row %(row)s, column %(column)s holds more than %(max)s characters.")
                % {"row": number, "column": index + 1, "max": limit}
            )


def _xlsx_rows(content: bytes):
    _check_unpacked_size(content)
    try:
        workbook = openpyxl.load_workbook(io.BytesIO(content), read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises zip, XML, key and value errors alike on a file that is not xlsx
        raise ImportFileError(_("The file is not an Excel workbook (.xlsx) that can be read.")) from exc
    try:
        sheet = workbook.worksheets[0]
        sheet.reset_dimensions()  # some tools write wrong dimensions; read what is really there
        for number, values in enumerate(sheet.iter_rows(max_col=MAX_COLUMNS, values_only=True), start=1):
            yield number, list(values)
    except Exception as exc:  # a damaged sheet fails only while it is read
        raise ImportFileError(_("The file is not an Excel workbook (.xlsx) that can be read.")) from exc
    finally:
        workbook.close()


def _decode(content: bytes) -> str:
    try:
        return content.decode("utf-8-sig")
    except UnicodeDecodeError:
        pass
    try:
        return content.decode("gb18030")  # what Excel saves as "CSV" on a Chinese Windows
    except UnicodeDecodeError as exc:
        raise ImportFileError(_("The CSV file is neither UTF-8 nor GB18030 text.")) from exc


def _csv_rows(content: bytes):
    text = _decode(content)
    if "\x00" in text:
        raise ImportFileError(_("The file is not a CSV text file."))
    first_line = text.split("\n", 1)[0]
    delimiter = max((",", ";", "\t"), key=first_line.count) if first_line else ","
    try:
        for number, values in enumerate(csv.reader(io.StringIO(text, newline=""), delimiter=delimiter), start=1):
            yield number, values[:MAX_COLUMNS]
    except csv.Error as exc:
        raise ImportFileError(_("The CSV file cannot be read: %(error)s") % {"error": exc}) from exc


def _is_blank(values: list) -> bool:
    return all(value is None or (isinstance(value, str) and not value.strip()) for value in values)


def read_table(*, content: bytes, extension: str) -> tuple[list[str] | None, list[tuple[int, list]]]:
    """The first sheet of an .xlsx or .csv file: its header row (the first non-empty row; None for an empty
    file) and the data rows below it as (row number, cells), blank rows left out.

    Raises ImportFileError when the file is not .xlsx or .csv, too big, unreadable or has too many rows.
    """
    if extension not in EXTENSIONS:
        raise ImportFileError(_("Upload an Excel workbook (.xlsx) or a CSV file (.csv)."))
    if len(content) > MAX_FILE_SIZE:
        raise ImportFileError(_("The file is larger than %(size)s MB.") % {"size": MAX_FILE_SIZE // (1024 * 1024)})
    reader = _xlsx_rows(content) if extension == "xlsx" else _csv_rows(content)
    headers: list[str] | None = None
    rows: list[tuple[int, list]] = []
    blank_run = 0
    with contextlib.closing(reader):  # stopping early closes the workbook at once
        for number, values in reader:
            _check_cells(number, values)
            if _is_blank(values):
                blank_run += 1
                if headers is not None and blank_run > MAX_BLANK_RUN:
                    break
                continue
            blank_run = 0
            if headers is None:
                headers = ["" if value is None else str(value).strip() for value in values]
                continue
            if len(rows) >= MAX_ROWS:
                raise ImportFileError(
                    _("The file has more than %(max)s rows; split it into smaller files.") % {"max": MAX_ROWS}
                )
            rows.append((number, values))
    return headers, rows


def build_sheet(
    *,
    kind: str,
    content: bytes,
    extension: str,
    lookup: dict[str, str],
    required: Sequence[str],
    label: Callable[[str], str],
) -> Sheet:
    """Read the file (:func:`read_table`) and map its header row to fields through ``lookup``
    (normalized header -> field); ``label(field)`` names a field in messages.

    Raises ImportFileError as :func:`read_table` does, and when the file is empty, lacks a ``required``
    column, has no data rows, or two columns hold the same field.
    """
    headers, rows = read_table(content=content, extension=extension)
    if headers is None:
        raise ImportFileError(_("The file is empty."))
    fields: dict[int, str] = {}
    ignored: list[str] = []
    for index, header in enumerate(headers):
        if not header:
            continue
        name = lookup.get(_normalize(header))
        if name is None:
            ignored.append(header)
            continue
        if name in fields.values():
            other = headers[next(i for i, n in fields.items() if n == name)]
            raise ImportFileError(
                _("The columns “%(first)s” and “%(second)s” both hold %(field)s.")
                % {"first": other, "second": header, "field": label(name)}
            )
        fields[index] = name
    missing = [label(name) for name in required if name not in fields.values()]
    if missing:
        raise ImportFileError(
            _("The file has no column for: %(fields)s. The header row was: %(headers)s.")
            % {"fields": ", ".join(missing), "headers": ", ".join(h for h in headers if h) or "—"}
        )
    if not rows:
        raise ImportFileError(_("The file has no rows to import below its header."))
    return Sheet(kind=kind, headers=headers, fields=fields, ignored=ignored, rows=rows)


# --- Checking the rows --------------------------------------------------------------------------------


@dataclass
class RowError:
    row: int
    column: str  # the header as in the file, or the field's label; "" for the row as a whole
    message: str


@dataclass
class PreviewRow:
    number: int  # the row number in the spreadsheet
    cells: list[str]
    errors: list[RowError] = field(default_factory=list)
    instance: models.Model | None = None


@dataclass
class ImportPreview:
    kind: str
    columns: list[str]
    ignored: list[str]
    rows: list[PreviewRow]
    saved: int = 0

    @property
    def errors(self) -> list[RowError]:
        return [error for row in self.rows for error in row.errors]

    @property
    def is_valid(self) -> bool:
        return not self.errors


class _Empty:
    pass


EMPTY = _Empty()


def _display(value) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.date().isoformat() if value.time() == time(0) else value.isoformat(sep=" ")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def register_choice_aliases(aliases: dict[str, dict[str, tuple[str, ...]]]) -> None:
    """Accept these other names of choice values (field name -> choice key -> names) in every import."""
    for name, by_key in aliases.items():
        CHOICE_ALIASES.setdefault(name, {}).update(by_key)
    _choice_lookup.cache_clear()


@functools.cache
def _choice_lookup(model, name: str) -> dict[str, str]:
    """Every accepted name of every choice of the field (normalized) -> the choice's key."""
    lookup = {}
    for key, label in model._meta.get_field(name).flatchoices:
        names = [key, *CHOICE_ALIASES.get(name, {}).get(key, ())]
        for language in LANGUAGES:
            with translation.override(language):
                names.append(str(label))
        lookup.update((_normalize(alias), key) for alias in names)
    return lookup


def _choice(model, name: str, value: str) -> str:
    # An unknown value stays as it is: full_clean then says it is not a valid choice.
    return _choice_lookup(model, name).get(_normalize(value), value)


def _convert(model, name: str, raw):
    """A cell's value as the model field wants it; full_clean does the real checking and says what is wrong."""
    if raw is None or (isinstance(raw, str) and not raw.strip()):
        return EMPTY
    model_field = model._meta.get_field(name)
    if model_field.choices:
        return _choice(model, name, _display(raw))
    if isinstance(model_field, models.BooleanField):
        if isinstance(raw, bool):
            return raw
        word = _display(raw).casefold()
        if word in TRUE_WORDS:
            return True
        if word in FALSE_WORDS:
            return False
        raise ValidationError(_("Enter yes or no."))
    if isinstance(model_field, models.DecimalField):
        if isinstance(raw, float):
            return Decimal(repr(raw))  # the shortest exact form of what the cell shows, not the binary float
        return re.sub(r"[\s,¥￥]", "", _display(raw)) if isinstance(raw, str) else raw
    if isinstance(model_field, models.IntegerField):
        if isinstance(raw, float):
            return int(raw) if raw.is_integer() else repr(raw)  # 1.5 must fail, not become 1
        return re.sub(r"\.0+$", "", _display(raw)) if isinstance(raw, str) else raw
    if isinstance(model_field, models.DateField):
        if isinstance(raw, datetime):
            return raw.date()
        if isinstance(raw, date):
            return raw
        text = _display(raw)
        match = _DATE.match(text)
        return f"{match[1]}-{int(match[2]):02d}-{int(match[3]):02d}" if match else text
    return _display(raw)


def _messages(exc: ValidationError) -> dict[str, list[str]]:
    if hasattr(exc, "error_dict"):
        return {name: list(ValidationError(errors).messages) for name, errors in exc.error_dict.items()}
    return {NON_FIELD_ERRORS: list(exc.messages)}


# --- The file between preview and confirmation ----------------------------------------------------------


def _stash_name(token: str, extension: str) -> str:
    if not re.fullmatch(r"[0-9a-f]{32}", token or "") or extension not in EXTENSIONS:
        raise ValueError("bad import token")
    return f"{STASH_DIR}/{token}.{extension}"


def stash(*, content: bytes, extension: str) -> str:
    """Keep the uploaded file until it is confirmed; returns its token."""
    token = uuid.uuid4().hex
    default_storage.save(_stash_name(token, extension), ContentFile(content))
    return token


def load_stash(*, token: str, extension: str) -> bytes | None:
    """The stashed file's content, or None when it is gone."""
    try:
        name = _stash_name(token, extension)
        with default_storage.open(name, "rb") as stashed:
            return stashed.read()
    except (ValueError, OSError):
        return None


def discard(*, token: str, extension: str) -> None:
    with contextlib.suppress(ValueError, OSError):
        default_storage.delete(_stash_name(token, extension))


def purge_stale_stashes(*, older_than: timedelta = timedelta(days=1)) -> int:
    """Delete uploaded files that were never confirmed (nightly, from beat). Returns how many went."""
    try:
        _dirs, files = default_storage.listdir(STASH_DIR)
    except (OSError, NotImplementedError):
        return 0
    cutoff = timezone.now() - older_than
    removed = 0
    for name in files:
        path = f"{STASH_DIR}/{name}"
        with contextlib.suppress(OSError, NotImplementedError):
            if default_storage.get_modified_time(path) < cutoff:
                default_storage.delete(path)
                removed += 1
    return removed
