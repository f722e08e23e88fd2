"""Pages of the ERP order import: upload -> preview of every row with its errors (nothing saved) -> confirm
(validated again, saved all-or-nothing).

The same steps as the customer-card import (``distributors.import_views``): the file waits in the default
storage between the preview and the confirmation; the session holds its token.
"""

from pathlib import PurePath

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from distributors import imports
from kamcrm.forms import BootstrapFormMixin

from . import order_import

SESSION_KEY = order_import.SESSION_KEY


class OrderImportForm(BootstrapFormMixin, forms.Form):
    file = forms.FileField(label=gettext_lazy("File"), widget=forms.ClearableFileInput(attrs={"accept": ".xlsx,.csv"}))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["file"].help_text = _(
            "An Excel workbook (.xlsx) or a CSV file (.csv, UTF-8 or GB18030), at most %(size)s MB and "
            "%(rows)s rows; the first row holds the column names."
        ) % {"size": imports.MAX_FILE_SIZE // (1024 * 1024), "rows": imports.MAX_ROWS}

    def clean(self):
        cleaned = super().clean()
        upload = cleaned.get("file")
        if upload is None:
            return cleaned
        extension = PurePath(upload.name or "").suffix.lower().lstrip(".")
        if extension not in imports.EXTENSIONS:
            self.add_error("file", _("Upload an Excel workbook (.xlsx) or a CSV file (.csv)."))
        elif upload.size > imports.MAX_FILE_SIZE:
            self.add_error(
                "file", _("The file is larger than %(size)s MB.") % {"size": imports.MAX_FILE_SIZE // (1024 * 1024)}
            )
        else:
            content = upload.read()
            try:
                order_import.parse(content=content, extension=extension)
            except imports.ImportFileError as exc:
                self.add_error("file", exc.message)
            else:
                cleaned["content"], cleaned["extension"] = content, extension
        return cleaned


def _importer_or_403(request) -> None:
    if not order_import.can_import(request.user):
        raise PermissionDenied


def _forget_pending(request) -> None:
    pending = request.session.pop(SESSION_KEY, None)
    if pending:
        imports.discard(token=pending["token"], extension=pending["extension"])


def _pending_sheet(request):
    """The file waiting for confirmation, parsed; None (with a message) when there is none any more."""
    pending = request.session.get(SESSION_KEY)
    content = imports.load_stash(token=pending["token"], extension=pending["extension"]) if pending else None
    if content is None:
        messages.warning(request, _("There is no file waiting to be imported; upload it again."))
        return pending, None
    try:
        return pending, order_import.parse(content=content, extension=pending["extension"])
    except imports.ImportFileError as exc:
        messages.error(request, exc.message)
        return pending, None


@login_required
def order_import_upload(request):
    _importer_or_403(request)
    form = OrderImportForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        _forget_pending(request)
        data = form.cleaned_data
        token = imports.stash(content=data["content"], extension=data["extension"])
        request.session[SESSION_KEY] = {"token": token, "extension": data["extension"], "filename": data["file"].name}
        return redirect("reports:order_import_preview")
    return render(request, "reports/order_import.html", {"form": form, "columns": order_import.column_help()})


def _render_preview(request, pending, preview):
    context = {
        "preview": preview,
        "pending": pending,
        "upload_url": reverse("reports:order_import"),
        "confirm_url": reverse("reports:order_import_confirm"),
    }
    return render(request, "reports/order_import_preview.html", context)


@login_required
def order_import_preview(request):
    _importer_or_403(request)
    pending, sheet = _pending_sheet(request)
    if sheet is None:
        return redirect("reports:order_import")
    return _render_preview(request, pending, order_import.validate(sheet=sheet, by=request.user))


@login_required
@require_POST
def order_import_confirm(request):
    _importer_or_403(request)
    pending, sheet = _pending_sheet(request)
    if sheet is None:
        return redirect("reports:order_import")
    if request.POST.get("token") != pending["token"]:
        # Another upload (another tab) replaced the file this preview showed.
        messages.warning(request, _("Another file was uploaded since; check its preview before importing."))
        return redirect("reports:order_import_preview")
    preview = order_import.commit(sheet=sheet, by=request.user)
    if not preview.saved:
        messages.error(request, _("Nothing was imported: correct the rows below and upload the file again."))
        return _render_preview(request, pending, preview)
    _forget_pending(request)
    messages.success(
        request,
        _("%(count)s orders imported from %(file)s.") % {"count": preview.saved, "file": pending["filename"]},
    )
    return redirect("reports:order_list")
