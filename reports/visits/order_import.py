"""Import of orders from an ERP export (.xlsx or .csv): one row per order line.

Rows with the same ERP number form one order, and all of them must agree on the distributor, rep,
date and status. The steps are those of the customer-card import (``distributors.imports``), whose
file reading, header matching and stash this module reuses:

- :func:`parse` reads the file and maps its header row to fields (English or Chinese headers, see
  ``HEADERS``); a file that cannot be read raises ``ImportFileError``.
- :func:`validate` checks every row and every order and returns an :class:`OrderImportPreview` with the
  errors per row (row number, column, reason) and the orders it would create; nothing is written.
- :func:`commit` validates again and saves every order in one transaction: one bad row and nothing is
  saved. Lines, totals and gross profit are built by ``reports.visits.services`` exactly as for an order
  entered by hand; each order is audited (``order_imported``).
"""

import re
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal, InvalidOperation

from django.core.exceptions import NON_FIELD_ERRORS, PermissionDenied, ValidationError
from django.core.validators import DecimalValidator
from django.db import IntegrityError, transaction
from django.utils import timezone, translation
from django.utils.text import capfirst
from django.utils.translation import gettext as _

from accounts.models import Role, User
from distributors.models import Distributor, Product
from kamcrm.audit import services as audit
from kamcrm.imports import sheets as imports
from kamcrm.imports.sheets import ImportFileError, PreviewRow, RowError, Sheet
from reports.visits import services
from reports.visits.models import Order, OrderLine, OrderStatus

__all__ = ["ImportFileError", "can_import", "column_help", "commit", "parse", "validate"]

KIND = "orders"
SESSION_KEY = "orders_import"
IMPORTERS = (Role.KAM, Role.REGIONAL_MANAGER, Role.ADMIN)

# field -> the column headers that hold it, compared as in distributors.imports (no case, spaces, '_' ...).
# The model fields' own labels in English and Chinese are accepted as well.
HEADERS: dict[str, tuple[str, ...]] = {
    "erp_number": (
        "erp number",
        "erp no",
        "erp order number",
        "order number",
        "order no",
        "订单号",
        "单号",
        "订单编号",
        "ERP单号",
        "ERP订单号",
    ),
    "distributor_code": (
        "distributor code",
        "distributor",
        "customer code",
        "客户编码",
        "客户代码",
        "经销商编码",
        "分销商编码",
    ),
    "rep": ("rep", "sales rep", "rep username", "username", "salesperson", "业务员", "销售代表", "销售员"),
    "order_date": ("order date", "date", "订单日期", "下单日期", "日期"),
    "status": ("status", "order status", "状态", "订单状态"),
    "sku": ("sku", "product code", "item code", "产品编码", "商品编码", "产品代码", "物料编码"),
    "quantity": ("quantity", "qty", "数量"),
    "unit_price": ("unit price", "price", "单价", "销售单价"),
    "unit_cost": ("unit cost", "cost", "成本", "单位成本", "成本价"),
    "note": ("note", "notes", "remark", "remarks", "备注"),
}
REQUIRED = ("erp_number", "distributor_code", "rep", "order_date", "status", "sku", "quantity", "unit_price")
# Every row of one order must agree on these.
ORDER_FIELDS = ("distributor_code", "rep", "order_date", "status")
# Where a field's label comes from: (model, field name).
MODEL_FIELDS = {
    "erp_number": (Order, "erp_number"),
    "order_date": (Order, "order_date"),
    "status": (Order, "status"),
    "note": (Order, "note"),
    "sku": (Product, "sku"),
    "quantity": (OrderLine, "quantity"),
    "unit_price": (OrderLine, "unit_price"),
    "unit_cost": (OrderLine, "unit_cost"),
}
# Status words the ERP and old spreadsheets use, besides the key and the English or Chinese label.
STATUS_ALIASES = {
    OrderStatus.TAKEN: ("已接单", "接单", "已下单", "下单", "待确认", "new", "open"),
    OrderStatus.CONFIRMED: ("已确认", "确认", "已审核", "审核"),
    OrderStatus.SHIPPED: ("已发货", "发货", "已出库", "出库", "delivered"),
    OrderStatus.CANCELLED: ("已取消", "取消", "已作废", "作废", "canceled"),
}
EXCEL_EPOCH = date(1899, 12, 30)  # serial day 0 of Excel's 1900 date system (after its 1900 leap-year bug)
_DATE = re.compile(
    r"^(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?(?:[ T]\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?)?$"
)
_SERIAL = re.compile(r"^\d{1,7}(?:\.\d+)?$")


def can_import(user: User) -> bool:
    """KAMs, regional managers and admins import orders; everybody else gets a 403."""
    return bool(user.is_authenticated and user.is_active and user.effective_role in IMPORTERS)


def field_label(name: str) -> str:
    """The column's name in the active language, for messages and the column help."""
    if name == "distributor_code":
        return _("Distributor code")
    if name == "rep":
        return _("Rep (username)")
    model, model_field = MODEL_FIELDS[name]
    return str(capfirst(model._meta.get_field(model_field).verbose_name))


def column_help() -> list[tuple[str, str, bool]]:
    """(label, accepted headers, required) per column the import reads, for the upload page."""
    return [
        (field_label(name), " / ".join(dict.fromkeys((name, *aliases))), name in REQUIRED)
        for name, aliases in HEADERS.items()
    ]


def _header_lookup() -> dict[str, str]:
    lookup: dict[str, str] = {}
    for name, aliases in HEADERS.items():
        for alias in (name, *aliases):
            lookup.setdefault(imports._normalize(alias), name)
    for name, (model, model_field) in MODEL_FIELDS.items():
        label = model._meta.get_field(model_field).verbose_name
        for language in imports.LANGUAGES:
            with translation.override(language):
                lookup.setdefault(imports._normalize(str(label)), name)
    return lookup


def parse(*, content: bytes, extension: str) -> Sheet:
    """Read the file's first sheet (header row, then one row per order line).

    Raises ImportFileError when the file cannot be read, is too big or empty, or lacks a required column.
    """
    return imports.build_sheet(
        kind=KIND,
        content=content,
        extension=extension,
        lookup=_header_lookup(),
        required=REQUIRED,
        label=field_label,
    )


# --- Reading the cells ----------------------------------------------------------------------------------


def _status_lookup() -> dict[str, str]:
    lookup = {}
    for key, label in OrderStatus.choices:
        names = [key, *STATUS_ALIASES.get(key, ())]
        for language in imports.LANGUAGES:
            with translation.override(language):
                names.append(str(label))
        lookup.update((imports._normalize(name), key) for name in names)
    return lookup


def _text(raw) -> str:
    return imports._display(raw)


def _date(raw) -> date:
    """A date cell: an Excel date, an Excel serial number, 2026-01-05, 2026/1/5 or 2026年1月5日."""
    if isinstance(raw, datetime):
        return raw.date()
    if isinstance(raw, date):
        return raw
    text = _text(raw)
    if isinstance(raw, int | float) and not isinstance(raw, bool) or _SERIAL.match(text):
        serial = float(raw) if isinstance(raw, int | float) else float(text)
        if 1 <= serial < 2958466:  # up to 9999-12-31
            return EXCEL_EPOCH + timedelta(days=int(serial))
    match = _DATE.match(text)
    if match:
        try:
            return date(int(match[1]), int(match[2]), int(match[3]))
        except ValueError:
            pass
    raise ValidationError(_("“%(value)s” is not a date; write it as YYYY-MM-DD.") % {"value": text})


def _decimal(raw, model_field: str) -> Decimal:
    """A number cell as Decimal (a float cell as the shortest exact form of what it shows), checked by the
    order line's field for digits and decimal places."""
    if isinstance(raw, bool):
        raise ValidationError(_("Enter a number."))
    if isinstance(raw, float):
        value = Decimal(repr(raw))
    elif isinstance(raw, int):
        value = Decimal(raw)
    else:
        text = re.sub(r"[\s,¥￥]", "", _text(raw))
        try:
            value = Decimal(text)
        except InvalidOperation:
            raise ValidationError(_("“%(value)s” is not a number.") % {"value": _text(raw)}) from None
    if not value.is_finite():
        raise ValidationError(_("“%(value)s” is not a number.") % {"value": _text(raw)})
    if value < 0 and model_field != "quantity":
        raise ValidationError(_("The price cannot be negative."))
    if value <= 0 and model_field == "quantity":
        raise ValidationError(_("The quantity must be more than zero."))
    # max_digits and decimal places; the sign rules above say it in the services' words
    for validator in OrderLine._meta.get_field(model_field).validators:
        if isinstance(validator, DecimalValidator):
            validator(value)
    return value


# --- Checking the rows and orders ---------------------------------------------------------------------------


@dataclass
class LineDraft:
    row: int
    product: Product
    quantity: Decimal
    unit_price: Decimal
    unit_cost: Decimal | None  # None: the catalogue's


@dataclass
class OrderDraft:
    """One order the import would create, from the rows with its ERP number."""

    erp_number: str
    first_row: int
    distributor: Distributor | None = None
    rep: User | None = None
    order_date: date | None = None
    status: str = ""
    notes: list[str] = field(default_factory=list)
    lines: list[LineDraft] = field(default_factory=list)
    built: list[OrderLine] = field(default_factory=list)
    amount: Decimal = Decimal("0.00")
    gross_profit: Decimal = Decimal("0.00")

    @property
    def rows(self) -> list[int]:
        return [line.row for line in self.lines]

    @property
    def note(self) -> str:
        return "; ".join(dict.fromkeys(n for n in self.notes if n))[:255]

    @property
    def status_label(self) -> str:
        return OrderStatus(self.status).label if self.status in OrderStatus.values else self.status


@dataclass
class OrderImportPreview:
    columns: list[str]
    ignored: list[str]
    rows: list[PreviewRow]
    orders: list[OrderDraft]
    saved: int = 0
    kind: str = KIND

    @property
    def errors(self) -> list[RowError]:
        return sorted((error for row in self.rows for error in row.errors), key=lambda e: e.row)

    @property
    def is_valid(self) -> bool:
        return not self.errors

    @property
    def kind_label(self) -> str:
        return _("Orders")

    @property
    def line_count(self) -> int:
        return sum(len(order.lines) for order in self.orders)

    @property
    def amount(self) -> Decimal:
        return sum((order.amount for order in self.orders), Decimal("0.00"))

    @property
    def gross_profit(self) -> Decimal:
        return sum((order.gross_profit for order in self.orders), Decimal("0.00"))


def _messages(exc: ValidationError) -> dict[str, list[str]]:
    return imports._messages(exc)


class _Checker:
    """Validates one sheet for one importer, loading what the rows name in a few queries."""

    def __init__(self, sheet: Sheet, by: User):
        self.sheet, self.by = sheet, by
        self.today = timezone.localdate()
        self.statuses = _status_lookup()
        column = {name: index for index, name in sheet.fields.items()}

        def texts(name):
            index = column.get(name)
            if index is None:
                return set()
            return {_text(cells[index]) for _n, cells in sheet.rows if index < len(cells)} - {""}

        # A card outside the importer's scope reads like one that does not exist.
        self.distributors = {
            d.code: d
            for d in Distributor.objects.visible_to(by)
            .filter(code__in=texts("distributor_code"))
            .select_related("owner")
        }
        self.users = {u.username: u for u in User.objects.filter(username__in=texts("rep"))}
        self.products = {p.sku: p for p in Product.objects.filter(sku__in=texts("sku"))}
        self.imported = set(
            Order.objects.filter(erp_number__in=texts("erp_number")).values_list("erp_number", flat=True)
        )
        self._acts_for: dict[int, bool] = {}
        self._serves: dict[tuple[int, int], bool] = {}

    def values(self, cells: list) -> dict:
        return {name: cells[index] if index < len(cells) else None for index, name in self.sheet.fields.items()}

    def acts_for(self, rep: User) -> bool:
        if rep.pk not in self._acts_for:
            self._acts_for[rep.pk] = services.acts_for(self.by, rep)
        return self._acts_for[rep.pk]

    def serves(self, rep: User, distributor: Distributor) -> bool:
        """The owner or a rep of the owner's team, who can see the card (the order service's rule)."""
        key = (rep.pk, distributor.pk)
        if key not in self._serves:
            owner = distributor.owner
            same_team = rep.pk == owner.pk or (rep.team_id is not None and rep.team_id == owner.team_id)
            self._serves[key] = same_team and Distributor.objects.visible_to(rep).filter(pk=distributor.pk).exists()
        return self._serves[key]

    def row(self, number: int, cells: list) -> tuple[PreviewRow, dict]:
        """The row's converted values and its errors by field."""
        raw = self.values(cells)
        errors: dict[str, list[str]] = {}
        values: dict = {}

        def fail(name: str, message: str) -> None:
            errors.setdefault(name, []).append(message)

        for check in (self._erp_number, self._parties, self._order_date, self._status, self._product, self._amounts):
            check(raw, values, fail)
        note = _text(raw.get("note"))
        if len(note) > 255:
            fail("note", _("The note is longer than 255 characters."))
        values["note"] = note
        preview_row = PreviewRow(number=number, cells=[_text(raw[name]) for name in self.sheet.fields.values()])
        return preview_row, {"values": values, "errors": errors}

    def _erp_number(self, raw: dict, values: dict, fail) -> None:
        erp_number = _text(raw.get("erp_number"))
        if not erp_number:
            fail("erp_number", _("Give the order's ERP number."))
        elif len(erp_number) > 40:
            fail("erp_number", _("The ERP number is longer than 40 characters."))
        elif erp_number in self.imported:
            fail("erp_number", _("Order %(number)s was imported already.") % {"number": erp_number})
        values["erp_number"] = erp_number

    def _parties(self, raw: dict, values: dict, fail) -> None:
        """The distributor (by code, in the importer's scope) and the rep who took the order (serving it)."""
        code = _text(raw.get("distributor_code"))
        values["distributor_code"] = code
        distributor = self.distributors.get(code)
        if not code:
            fail("distributor_code", _("Give the distributor's code."))
        elif distributor is None:
            fail("distributor_code", _("No distributor with code %(code)s that you can see.") % {"code": code})
        username = _text(raw.get("rep"))
        values["rep"] = username
        rep = self.users.get(username)
        if not username:
            fail("rep", _("Give the username of the rep who took the order."))
        elif rep is None or not self.acts_for(rep):
            fail("rep", _("%(user)s is not a rep you can record orders for.") % {"user": username})
            rep = None
        elif distributor is not None and not self.serves(rep, distributor):
            fail(
                "rep",
                _("%(user)s does not serve %(distributor)s: give its owner or a rep of the owner's team.")
                % {"user": username, "distributor": distributor},
            )
        values["distributor"], values["rep_user"] = distributor, rep

    def _order_date(self, raw: dict, values: dict, fail) -> None:
        raw_date = raw.get("order_date")
        if _text(raw_date) == "":
            fail("order_date", _("Give the order date."))
            return
        try:
            values["order_date"] = _date(raw_date)
        except ValidationError as exc:
            fail("order_date", exc.messages[0])
        else:
            if values["order_date"] > self.today:
                fail("order_date", _("The order date cannot be in the future."))

    def _status(self, raw: dict, values: dict, fail) -> None:
        status_text = _text(raw.get("status"))
        status = self.statuses.get(imports._normalize(status_text))
        values["status"] = status
        if not status_text:
            fail("status", _("Give the order's status."))
        elif status is None:
            fail(
                "status",
                _("“%(value)s” is not a status: use taken, confirmed, shipped or cancelled.") % {"value": status_text},
            )

    def _product(self, raw: dict, values: dict, fail) -> None:
        sku = _text(raw.get("sku"))
        product = self.products.get(sku)
        values["product"] = product
        if not sku:
            fail("sku", _("Give the product's SKU."))
        elif product is None:
            fail("sku", _("No product with SKU %(sku)s.") % {"sku": sku})
        elif not product.is_active:
            fail("sku", _("%(product)s is no longer sold.") % {"product": product})

    def _amounts(self, raw: dict, values: dict, fail) -> None:
        for name in ("quantity", "unit_price", "unit_cost"):
            cell = raw.get(name)
            if _text(cell) == "":
                values[name] = None
                if name != "unit_cost":
                    fail(name, _("This cell is required."))
                continue
            try:
                values[name] = _decimal(cell, name)
            except ValidationError as exc:
                values[name] = None
                fail(name, " ".join(exc.messages))

    def _row_errors(self, number: int, errors: dict[str, list[str]]) -> list[RowError]:
        return _row_errors(self.sheet, number, errors)

    def check(self) -> OrderImportPreview:
        rows: list[PreviewRow] = []
        orders: dict[str, OrderDraft] = {}
        first_values: dict[str, tuple[int, dict]] = {}
        broken: set[str] = set()  # ERP numbers with a bad row: no totals for them
        for number, cells in self.sheet.rows:
            preview_row, checked = self.row(number, cells)
            values, errors = checked["values"], checked["errors"]
            erp_number = values["erp_number"]
            if erp_number:
                if erp_number in first_values:
                    first_row, first = first_values[erp_number]
                    for name in ORDER_FIELDS:
                        mine, theirs = values.get(name), first.get(name)
                        if name not in errors and None not in (mine, theirs) and mine != theirs:
                            errors.setdefault(name, []).append(
                                _("Order %(number)s has %(theirs)s in row %(row)s; all its rows must agree.")
                                % {"number": erp_number, "theirs": _shown(theirs) or "—", "row": first_row}
                            )
                else:
                    first_values[erp_number] = (number, values)
                    orders[erp_number] = OrderDraft(erp_number=erp_number, first_row=number)
                draft = orders[erp_number]
                if errors:
                    broken.add(erp_number)
                else:
                    if not draft.lines:
                        draft.distributor, draft.rep = values["distributor"], values["rep_user"]
                        draft.order_date, draft.status = values["order_date"], values["status"]
                    draft.notes.append(values["note"])
                    draft.lines.append(
                        LineDraft(
                            row=number,
                            product=values["product"],
                            quantity=values["quantity"],
                            unit_price=values["unit_price"],
                            unit_cost=values["unit_cost"],
                        )
                    )
            preview_row.errors = self._row_errors(number, errors)
            rows.append(preview_row)
        by_number = {row.number: row for row in rows}
        for erp_number, draft in orders.items():
            if erp_number in broken:
                continue
            try:
                draft.built = build_lines(draft)
            except ValidationError as exc:  # the services' line rules, should they ever be stricter than ours
                by_number[draft.first_row].errors.extend(self._row_errors(draft.first_row, _messages(exc)))
                continue
            draft.amount, draft.gross_profit = _totals(draft.built)
        valid = [draft for number, draft in orders.items() if number not in broken and draft.built]
        return OrderImportPreview(
            columns=[self.sheet.headers[index] for index in self.sheet.fields],
            ignored=self.sheet.ignored,
            rows=rows,
            orders=valid,
        )


def _shown(value) -> str:
    if isinstance(value, date):
        return value.isoformat()
    if value in OrderStatus.values:
        return str(OrderStatus(value).label)
    return "" if value is None else str(value)


def _row_errors(sheet: Sheet, number: int, errors: dict[str, list[str]]) -> list[RowError]:
    """Errors by field as RowErrors, each named by the file's header for the field (or its label)."""
    found = []
    for name, messages in errors.items():
        name = {"distributor": "distributor_code", "lines": "sku", "product": "sku"}.get(name, name)
        if name == NON_FIELD_ERRORS:
            column = ""
        elif name in HEADERS:
            column = sheet.header_of(name) or field_label(name)
        else:
            column = name
        found.extend(RowError(number, column, message) for message in messages)
    return found


def build_lines(draft: OrderDraft) -> list[OrderLine]:
    """The order's lines built by the order service (amount to the cent), with the file's unit cost where given."""
    built = services._build_lines(
        [
            services.LineInput(product=line.product, quantity=line.quantity, unit_price=line.unit_price)
            for line in draft.lines
        ]
    )
    for line, drafted in zip(built, draft.lines, strict=True):
        if drafted.unit_cost is not None:
            line.unit_cost = drafted.unit_cost
    return built


def _totals(lines: list[OrderLine]) -> tuple[Decimal, Decimal]:
    # the same sums as services._save_lines, which stores them
    return (
        sum((line.amount for line in lines), Decimal("0.00")),
        sum((line.gross_profit for line in lines), Decimal("0.00")),
    )


def validate(*, sheet: Sheet, by: User) -> OrderImportPreview:
    """Check every row and order as the order service would; write nothing. The preview lists errors per row."""
    return _Checker(sheet, by).check()


def _save_order(draft: OrderDraft, by: User) -> Order:
    """One imported order through the order service's rules and helpers; audited as ``order_imported``."""
    order = Order(
        distributor=draft.distributor,
        rep=draft.rep,
        order_date=draft.order_date,
        status=draft.status,
        source=Order.Source.IMPORT,
        erp_number=draft.erp_number,
        note=draft.note,
        created_by=by,
    )
    services._check_acts_for(by, order.rep)
    services._check_account(order.distributor, order.rep, by)
    if order.order_date > timezone.localdate():
        raise ValidationError({"order_date": _("The order date cannot be in the future.")})
    services.check_day_open(rep=order.rep, day=order.order_date, by=by)
    lines = build_lines(draft)
    order.full_clean(exclude=["visit"])  # includes the unique ERP number
    order.save()
    services._save_lines(order, lines)
    after = audit.snapshot(order)
    after["lines"] = [
        [line.product_id, str(line.quantity), str(line.unit_price), str(line.unit_cost)] for line in lines
    ]
    audit.record(order, by=by, action="order_imported", after=after)
    return order


def commit(*, sheet: Sheet, by: User) -> OrderImportPreview:
    """Validate again and save every order in one transaction: all orders or none.

    Returns the preview; ``saved`` is the number of orders created, 0 when any row failed (its errors are
    in the preview). Raises PermissionDenied when ``by`` may not import orders.
    """
    if not can_import(by):
        raise PermissionDenied(_("Only a KAM, a regional manager or an administrator can import orders."))
    preview = validate(sheet=sheet, by=by)
    if not preview.is_valid:
        return preview
    by_number = {row.number: row for row in preview.rows}
    with transaction.atomic():
        for draft in preview.orders:
            row = by_number[draft.first_row]
            try:
                with transaction.atomic():
                    _save_order(draft, by)
            except ValidationError as exc:
                row.errors.extend(_row_errors(sheet, draft.first_row, _messages(exc)))
            except PermissionDenied as exc:
                row.errors.append(RowError(draft.first_row, "", str(exc) or _("You cannot record this order.")))
            except IntegrityError:
                row.errors.append(
                    RowError(
                        draft.first_row,
                        sheet.header_of("erp_number"),
                        _("Order %(number)s was imported by someone else meanwhile.") % {"number": draft.erp_number},
                    )
                )
        if preview.errors:
            transaction.set_rollback(True)
        else:
            preview.saved = len(preview.orders)
    return preview
