"""Import of customer cards (客户资料卡) and their contacts from an Excel workbook or a CSV file.

Three steps, each a plain function the pages call:

- :func:`parse` reads the file and maps its header row to fields (English or Chinese headers,
  see ``HEADERS``); a file that cannot be read raises :class:`ImportFileError`.
- :func:`validate` checks every row with the rules of the card and contact forms and services
  and returns an :class:`ImportPreview` with the errors per row; nothing is written.
- :func:`commit` validates again and saves every row through ``services.save_distributor`` /
  ``services.save_contact`` in one transaction: one bad row and nothing is saved.

Reading the file, the preview's rows and the stash of the file between the preview and the confirmation
are the shared import framework's (``kamcrm.imports.sheets``).
"""

import functools

from django.core.exceptions import NON_FIELD_ERRORS, FieldDoesNotExist, PermissionDenied, ValidationError
from django.db import IntegrityError, models, transaction
from django.utils import translation
from django.utils.text import capfirst
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts.models import Role, User
from kamcrm.imports import sheets
from kamcrm.imports.sheets import (
    EMPTY,
    LANGUAGES,
    ImportFileError,
    PreviewRow,
    RowError,
    Sheet,
    _convert,
    _display,
    _messages,
    _normalize,
    build_sheet,
)

from . import services
from .models import Attractiveness, Contact, Distributor, RelationshipStage, RelationshipType, Status, Tier


class Kind(models.TextChoices):
    DISTRIBUTORS = "distributors", gettext_lazy("Distributors")
    CONTACTS = "contacts", gettext_lazy("Contacts")


MODELS = {Kind.DISTRIBUTORS: Distributor, Kind.CONTACTS: Contact}

# The header map: field -> the column headers that hold it. Headers are compared without case, spaces,
# '_', '-' or brackets, so "Short name", "short_name" and "SHORT-NAME" are one; the field's own label in
# English and in Chinese (the export's headers) is accepted as well. Columns not listed here are ignored.
HEADERS: dict[str, dict[str, tuple[str, ...]]] = {
    Kind.DISTRIBUTORS: {
        "code": ("code", "编码", "客户编码", "客户代码", "代码"),
        "name": ("name", "legal name", "名称", "客户名称", "公司名称", "全称"),
        "short_name": ("short name", "简称", "客户简称"),
        "owner": ("owner", "owner username", "username", "负责人", "销售代表", "业务员"),
        "address": ("address", "地址"),
        "city": ("city", "城市"),
        "county": ("county", "区县", "县"),
        "town": ("town", "乡镇", "镇"),
        "phone": ("phone", "telephone", "电话"),
        "website": ("website", "网址", "网站"),
        "founded_year": ("founded year", "founded", "成立年份"),
        "staff_size": ("staff size", "员工人数"),
        "annual_turnover": ("annual turnover", "年营业额"),
        "status": ("status", "状态", "客户状态"),
        "terminated_reason": ("terminated reason", "reason for termination", "终止原因"),
        "terminated_on": ("terminated on", "终止日期"),
        "tier": ("tier", "等级", "客户等级", "级别"),
        "attractiveness": ("attractiveness", "吸引力"),
        "relationship_stage": ("relationship stage", "关系阶段"),
        "relationship_type": ("relationship type", "关系类型"),
        "payment_terms_days": ("payment terms days", "payment terms", "账期(天)", "账期"),
        "credit_limit": ("credit limit", "信用额度"),
        "assessment": ("assessment", "评估"),
    },
    Kind.CONTACTS: {
        "distributor_code": ("distributor code", "distributor", "code", "客户编码", "编码", "分销商编码", "经销商编码"),
        "name": ("name", "contact", "contact name", "姓名", "联系人", "联系人姓名"),
        "position": ("position", "title", "role in the business", "职务", "职位"),
        "phone": ("phone", "telephone", "电话"),
        "mobile": ("mobile", "mobile phone", "手机"),
        "email": ("email", "e-mail", "邮箱", "电子邮件", "电子邮箱"),
        "wechat": ("wechat", "微信"),
        "is_primary": ("is primary", "primary", "primary contact", "主要联系人"),
        "birthday": ("birthday", "生日"),
        "notes": ("notes", "备注"),
    },
}
REQUIRED: dict[str, tuple[str, ...]] = {
    Kind.DISTRIBUTORS: ("code", "name"),
    Kind.CONTACTS: ("distributor_code", "name"),
}

# Values of choice fields: the key and the English or Chinese label are always accepted; these are the
# other names the handbooks and old spreadsheets use. Compared like headers.
CHOICE_ALIASES: dict[str, dict[str, tuple[str, ...]]] = {
    "status": {
        Status.KEY: ("重点", "重点客户", "现有客户-重点", "key account"),
        Status.QUALIFIED: ("合格", "合格客户", "现有客户-合格"),
        Status.UNQUALIFIED: ("不合格", "不合格客户", "现有客户-不合格"),
        Status.INTENT_NEAR: ("近期意向", "近期意向客户", "意向客户-近期"),
        Status.INTENT_LONG: ("长期意向", "长期意向客户", "意向客户-长期"),
        Status.POTENTIAL: ("潜在", "潜在客户"),
        Status.TERMINATED: ("终止", "已终止", "已终止合作"),
    },
    "tier": {Tier.A: ("A类", "A级"), Tier.B: ("B类", "B级"), Tier.C: ("C类", "C级")},
    "attractiveness": {
        Attractiveness.VERY: ("很有吸引力", "非常有吸引力", "高"),
        Attractiveness.MEDIUM: ("中", "中等", "一般"),
        Attractiveness.LOW: ("低", "较低"),
    },
    "relationship_stage": {
        RelationshipStage.DEVELOPING: ("发展中", "发展"),
        RelationshipStage.GOOD: ("良好", "好"),
        RelationshipStage.VERY_STRONG: ("非常牢固", "很强", "非常好"),
        RelationshipStage.LIMITED: ("有限",),
        RelationshipStage.DEFENSIVE: ("防御", "防御性"),
        RelationshipStage.DECLINING: ("衰退", "下降"),
    },
    "relationship_type": {
        RelationshipType.TRANSACTIONAL: ("交易型", "交易关系"),
        RelationshipType.PREFERRED_SUPPLIER: ("优先供应商",),
        RelationshipType.PARTNERSHIP: ("伙伴关系", "伙伴"),
        RelationshipType.STRATEGIC_ALLIANCE: ("战略联盟",),
    },
}

sheets.register_choice_aliases(CHOICE_ALIASES)


def can_import(user: User) -> bool:
    """Admins and KAMs import customer cards; everybody else gets a 403."""
    return user.is_authenticated and user.is_active and user.effective_role in (Role.ADMIN, Role.KAM)


def _header_lookup(kind: str) -> dict[str, str]:
    model = MODELS[kind]
    lookup: dict[str, str] = {}
    for name, aliases in HEADERS[kind].items():
        for alias in (name, *aliases):
            lookup.setdefault(_normalize(alias), name)
    for name in HEADERS[kind]:
        try:
            label = model._meta.get_field(name).verbose_name
        except FieldDoesNotExist:  # distributor_code
            continue
        for language in LANGUAGES:
            with translation.override(language):
                lookup.setdefault(_normalize(str(label)), name)
    return lookup


def field_label(kind: str, name: str) -> str:
    """The field's label in the active language, for messages and the column help."""
    if name == "distributor_code":
        return _("Distributor code")
    if name == "owner":
        return _("Owner (username)")
    return str(capfirst(MODELS[kind]._meta.get_field(name).verbose_name))


def column_help(kind: str) -> list[tuple[str, str, bool]]:
    """(label, accepted headers, required) per column the importer reads, for the upload page."""
    return [
        (field_label(kind, name), " / ".join(dict.fromkeys((name, *aliases))), name in REQUIRED[kind])
        for name, aliases in HEADERS[kind].items()
    ]


def parse(*, kind: str, content: bytes, extension: str) -> Sheet:
    """Read the file's first sheet: the first non-empty row is the header, the rest are data rows.

    Raises ImportFileError when the file is too big, unreadable, has too many rows, no data, or lacks a
    required column, or when two columns hold the same field.
    """
    if kind not in Kind.values:
        raise ImportFileError(_("Choose what the file holds."))
    return build_sheet(
        kind=kind,
        content=content,
        extension=extension,
        lookup=_header_lookup(kind),
        required=REQUIRED[kind],
        label=functools.partial(field_label, kind),
    )


# --- Checking the rows --------------------------------------------------------------------------------


class ImportPreview(sheets.ImportPreview):
    """The preview of a card or contact file; its kind is one of :class:`Kind`."""

    @property
    def kind_label(self) -> str:
        return Kind(self.kind).label


class _Checker:
    """Validates the rows of one sheet for one user, remembering what earlier rows of the file used."""

    def __init__(self, sheet: Sheet, by: User):
        self.sheet, self.by = sheet, by
        self.model = MODELS[sheet.kind]
        self.first_row_of: dict[str, int] = {}
        if sheet.kind == Kind.DISTRIBUTORS:
            self.owners = {user.username: user for user in services.assignable_owners(by)}
        else:
            codes = {
                _display(cells[i])
                for _number, cells in sheet.rows
                for i, n in sheet.fields.items()
                if n == "distributor_code" and i < len(cells)
            }
            self.cards = {card.code: card for card in Distributor.objects.editable_by(by).filter(code__in=codes)}
            self.primary_row_of: dict[int, int] = {}

    def values(self, cells: list) -> dict:
        return {name: cells[index] if index < len(cells) else None for index, name in self.sheet.fields.items()}

    def row(self, number: int, cells: list) -> PreviewRow:
        values = self.values(cells)
        errors: dict[str, list[str]] = {}
        instance = self.model()
        for name, raw in values.items():
            if name in ("owner", "distributor_code"):
                continue
            try:
                value = _convert(self.model, name, raw)
            except ValidationError as exc:
                errors.setdefault(name, []).extend(exc.messages)
                continue
            if value is not EMPTY:
                setattr(instance, name, value)
        if self.sheet.kind == Kind.DISTRIBUTORS:
            self._distributor(number, instance, values, errors)
        else:
            self._contact(number, instance, values, errors)
        row = PreviewRow(
            number=number, cells=[_display(values[name]) for name in self.sheet.fields.values()], instance=instance
        )
        row.errors = _row_errors(self.sheet, number, errors)
        return row

    @staticmethod
    def _full_clean(instance, errors: dict, *, exclude: tuple = (), **kwargs) -> None:
        """full_clean, leaving out the fields that already failed; its errors are added to ``errors``."""
        try:
            instance.full_clean(exclude=[*exclude, *(name for name in errors if name != NON_FIELD_ERRORS)], **kwargs)
        except ValidationError as exc:
            for name, messages in _messages(exc).items():
                errors.setdefault(name, []).extend(messages)

    def _distributor(self, number: int, distributor: Distributor, values: dict, errors: dict) -> None:
        username = _display(values.get("owner"))
        # The same rule and words as services.save_distributor; a user outside the caller's scope and
        # one who does not exist read alike.
        owner = self.owners.get(username)
        if not username:
            errors["owner"] = [_("Choose the rep who owns this account.")]
        elif owner is None:
            errors["owner"] = [_("%(user)s is not a rep you can assign accounts to.") % {"user": username}]
        else:
            distributor.owner = owner
        # Its one constraint (credit limit not negative) is the field's validator too; checking it again costs a
        # query per row.
        self._full_clean(distributor, errors, validate_constraints=False)
        for name, messages in services.credit_terms_errors(distributor=distributor, stored=None, by=self.by).items():
            errors.setdefault(name, messages)  # credit terms are finance's: a KAM's file leaves them empty
        code = distributor.code
        if code and "code" not in errors:
            if code in self.first_row_of:
                errors["code"] = [
                    _("Code %(code)s is already used in row %(row)s of this file.")
                    % {"code": code, "row": self.first_row_of[code]}
                ]
            else:
                self.first_row_of[code] = number

    def _contact(self, number: int, contact: Contact, values: dict, errors: dict) -> None:
        code = _display(values.get("distributor_code"))
        card = self.cards.get(code)
        if not code:
            errors["distributor_code"] = [_("Give the code of the contact's distributor.")]
        elif card is None:
            errors["distributor_code"] = [
                _("No customer card with code %(code)s that you can change.") % {"code": code}
            ]
        else:
            contact.distributor = card
        # The one-primary rule is kept by services.save_contact, which hands the flag over.
        self._full_clean(contact, errors, exclude=("distributor",) if card is None else (), validate_constraints=False)
        if card is not None and contact.is_primary:
            if card.pk in self.primary_row_of:
                errors.setdefault("is_primary", []).append(
                    _("Row %(row)s already makes another contact the primary one of %(code)s.")
                    % {"row": self.primary_row_of[card.pk], "code": code}
                )
            else:
                self.primary_row_of[card.pk] = number

    def check(self) -> ImportPreview:
        return ImportPreview(
            kind=self.sheet.kind,
            columns=[self.sheet.headers[index] for index in self.sheet.fields],
            ignored=self.sheet.ignored,
            rows=[self.row(number, cells) for number, cells in self.sheet.rows],
        )


def _row_errors(sheet: Sheet, number: int, errors: dict[str, list[str]]) -> list[RowError]:
    """Errors by field as RowErrors, each named by the file's header for the field (or the field's label)."""
    rows = []
    for name, messages in errors.items():
        if name == NON_FIELD_ERRORS:
            column = ""
        else:
            name = {"owner_id": "owner", "distributor": "distributor_code"}.get(name, name)
            try:
                column = sheet.header_of(name) or field_label(sheet.kind, name)
            except FieldDoesNotExist:  # a key of the service's own ("brands"): show it as it is
                column = name
        rows.extend(RowError(number, column, message) for message in messages)
    return rows


def validate(*, sheet: Sheet, by: User) -> ImportPreview:
    """Check every row as the forms and services would; write nothing. The preview lists the errors per row."""
    return _Checker(sheet, by).check()


def commit(*, sheet: Sheet, by: User) -> ImportPreview:
    """Validate again and save every row through the services in one transaction: all rows or none.

    Returns the preview; ``saved`` is the number of records created, 0 when any row failed (its errors
    are in the preview). Raises PermissionDenied when ``by`` may not import.
    """
    if not can_import(by):
        raise PermissionDenied(_("Only an administrator or a KAM can import customer cards."))
    preview = validate(sheet=sheet, by=by)
    if not preview.is_valid:
        return preview
    save = _save_distributor if sheet.kind == Kind.DISTRIBUTORS else _save_contact
    with transaction.atomic():
        for row in preview.rows:
            try:
                save(row.instance, by)
            except ValidationError as exc:
                row.errors.extend(_row_errors(sheet, row.number, _messages(exc)))
            except PermissionDenied as exc:
                row.errors.append(RowError(row.number, "", str(exc) or _("You cannot change this card.")))
            except IntegrityError:
                # Someone saved the same code since the preview; the savepoint of the service is rolled back.
                row.errors.append(RowError(row.number, "", _("This record was created by someone else meanwhile.")))
        if preview.errors:
            transaction.set_rollback(True)
        else:
            preview.saved = len(preview.rows)
    return preview


def _save_distributor(distributor: Distributor, by: User) -> None:
    services.save_distributor(distributor=distributor, by=by)


def _save_contact(contact: Contact, by: User) -> None:
    services.save_contact(contact=contact, by=by)
