"""Import of invoices from an ERP export (.xlsx or .csv): preview with per-row errors, then all rows or none.

The file is read with the customer-card importer's readers (``distributors.imports``: encodings, header
normalisation, size limits, the stash between preview and confirmation). Every row is checked by running it
through ``services.record_invoice`` in a transaction that is rolled back, so the preview applies exactly the
rules of a real save; the confirmation runs the same and keeps the result only when no row failed.
"""

from dataclasses import dataclass
from datetime import date

from django.core.exceptions import NON_FIELD_ERRORS, PermissionDenied, ValidationError
from django.db import transaction
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts.models import User
from kamcrm.imports import sheets as card_imports
from kamcrm.imports.sheets import ImportFileError, ImportPreview, PreviewRow, RowError

from . import services
from .models import Invoice, distributors_with_money_visible_to

KIND = "invoices"
HEADERS: dict[str, tuple[str, ...]] = {
    "number": ("number", "invoice number", "invoice no", "invoice", "发票号", "发票号码", "单据号", "单号"),
    "distributor_code": (
        "distributor code",
        "distributor",
        "customer code",
        "customer",
        "客户编码",
        "客户代码",
        "编码",
    ),
    "issue_date": ("issue date", "invoice date", "date", "开票日期", "日期", "单据日期"),
    "payment_terms_days": ("payment terms days", "payment terms", "terms", "账期(天)", "账期"),
    "due_date": ("due date", "到期日", "到期日期", "应收日期"),
    "amount": ("amount", "total", "invoice amount", "金额", "价税合计", "含税金额", "应收金额"),
    "currency": ("currency", "币种"),
    "order_refs": ("orders", "order", "order number", "order numbers", "订单号", "销售订单", "订单"),
    "notes": ("notes", "remarks", "备注"),
}
REQUIRED = ("number", "distributor_code", "issue_date", "amount")
LABELS = {
    "number": gettext_lazy("Invoice number"),
    "distributor_code": gettext_lazy("Distributor code"),
    "issue_date": gettext_lazy("Issue date"),
    "payment_terms_days": gettext_lazy("Payment terms (days)"),
    "due_date": gettext_lazy("Due date"),
    "amount": gettext_lazy("Amount"),
    "currency": gettext_lazy("Currency"),
    "order_refs": gettext_lazy("Orders"),
    "notes": gettext_lazy("Notes"),
}


@dataclass
class Sheet:
    headers: list[str]
    fields: dict[int, str]
    ignored: list[str]
    rows: list[tuple[int, list]]

    def header_of(self, name: str) -> str:
        return next((self.headers[i] for i, n in self.fields.items() if n == name), str(LABELS.get(name, name)))


class InvoicePreview(ImportPreview):
    @property
    def kind_label(self) -> str:
        return str(_("Invoices"))


def can_import(user: User) -> bool:
    return services.can_record_money(user)


def column_help() -> list[tuple[str, str, bool]]:
    return [(str(LABELS[name]), " / ".join(aliases), name in REQUIRED) for name, aliases in HEADERS.items()]


def parse(*, content: bytes, extension: str) -> Sheet:
    """Read the first sheet: the first non-empty row is the header. Raises ImportFileError."""
    # The one reader of every import: size, unpacked size, cell length and row limits.
    headers, rows = card_imports.read_table(content=content, extension=extension)
    if headers is None:
        raise ImportFileError(_("The file is empty."))
    lookup = {card_imports._normalize(alias): name for name, aliases in HEADERS.items() for alias in (name, *aliases)}
    fields, ignored = {}, []
    for index, header in enumerate(headers):
        name = lookup.get(card_imports._normalize(header)) if header else None
        if name is None:
            if header:
                ignored.append(header)
            continue
        if name in fields.values():
            raise ImportFileError(
                _("Two columns hold %(field)s: “%(header)s” and another one.")
                % {"field": LABELS[name], "header": header}
            )
        fields[index] = name
    missing = [str(LABELS[name]) for name in REQUIRED if name not in fields.values()]
    if missing:
        raise ImportFileError(
            _("The file has no column for: %(fields)s. The header row was: %(headers)s.")
            % {"fields": ", ".join(missing), "headers": ", ".join(h for h in headers if h) or "—"}
        )
    if not rows:
        raise ImportFileError(_("The file has no rows to import below its header."))
    return Sheet(headers=headers, fields=fields, ignored=ignored, rows=rows)


def _errors(sheet: Sheet, number: int, exc: ValidationError) -> list[RowError]:
    if not hasattr(exc, "error_dict"):
        return [RowError(number, "", message) for message in exc.messages]
    out = []
    for name, errors in exc.error_dict.items():
        column = (
            "" if name == NON_FIELD_ERRORS else sheet.header_of({"distributor": "distributor_code"}.get(name, name))
        )
        out.extend(RowError(number, column, message) for message in ValidationError(errors).messages)
    return out


def _run(*, sheet: Sheet, by: User, keep: bool) -> InvoicePreview:
    codes = {
        card_imports._display(cells[i]).upper()
        for _number, cells in sheet.rows
        for i, name in sheet.fields.items()
        if name == "distributor_code" and i < len(cells)
    }
    accounts = {
        d.code.upper(): d
        for d in distributors_with_money_visible_to(by).filter(code__in=codes | {c.lower() for c in codes})
    }
    preview = InvoicePreview(
        kind=KIND, columns=[sheet.headers[i] for i in sheet.fields], ignored=sheet.ignored, rows=[]
    )
    seen: dict[str, int] = {}
    with transaction.atomic():
        for number, cells in sheet.rows:
            values = {name: cells[i] if i < len(cells) else None for i, name in sheet.fields.items()}
            row = PreviewRow(number=number, cells=[card_imports._display(values[n]) for n in sheet.fields.values()])
            preview.rows.append(row)
            kwargs, problems = {}, {}
            for name, raw in values.items():
                if name == "distributor_code":
                    continue
                try:
                    value = card_imports._convert(Invoice, name, raw)
                except ValidationError as exc:
                    problems[name] = exc.messages
                    continue
                if value is not card_imports.EMPTY:
                    kwargs[name] = value
            code = card_imports._display(values.get("distributor_code")).upper()
            if code not in accounts:
                problems["distributor_code"] = [_("No distributor with code %(code)s in your scope.") % {"code": code}]
            invoice_number = str(kwargs.get("number", "")).strip().upper()
            if invoice_number in seen:
                problems["number"] = [
                    _("Invoice %(number)s is already in row %(row)s of this file.")
                    % {"number": invoice_number, "row": seen[invoice_number]}
                ]
            elif invoice_number:
                seen[invoice_number] = number
            try:
                for name in ("issue_date", "due_date"):
                    if isinstance(kwargs.get(name), str):
                        try:
                            kwargs[name] = date.fromisoformat(kwargs[name])
                        except ValueError:
                            problems[name] = [_("Enter a date as YYYY-MM-DD.")]
                if problems:
                    raise ValidationError(problems)
                with transaction.atomic():
                    services.record_invoice(distributor=accounts[code], by=by, **kwargs)
            except ValidationError as exc:
                row.errors = _errors(sheet, number, exc)
            except (TypeError, ArithmeticError, ValueError):
                row.errors = [RowError(number, "", _("This row cannot be read."))]
        if keep and preview.is_valid:
            preview.saved = len(preview.rows)
        else:
            transaction.set_rollback(True)
    return preview


def validate(*, sheet: Sheet, by: User) -> InvoicePreview:
    """Every row checked as a real save would; nothing is written."""
    if not can_import(by):
        raise PermissionDenied(_("Only finance or an administrator can import invoices."))
    return _run(sheet=sheet, by=by, keep=False)


def commit(*, sheet: Sheet, by: User) -> InvoicePreview:
    """Save every row, or none when any row fails (``saved`` is then 0 and the errors are in the preview)."""
    if not can_import(by):
        raise PermissionDenied(_("Only finance or an administrator can import invoices."))
    return _run(sheet=sheet, by=by, keep=True)
