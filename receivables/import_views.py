"""Import of invoices: upload → preview of every row with its errors (nothing saved) → confirm (all or none)."""

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

from distributors import imports as card_imports
from kamcrm.forms import BootstrapFormMixin

from . import imports

SESSION_KEY = "receivables_import"


class ImportForm(BootstrapFormMixin, forms.Form):
    file = forms.FileField(label=gettext_lazy("File"), widget=forms.ClearableFileInput(attrs={"accept": ".xlsx,.csv"}))

    def clean_file(self):
        upload = self.cleaned_data["file"]
        extension = PurePath(upload.name or "").suffix.lower().lstrip(".")
        if extension not in card_imports.EXTENSIONS:
            raise forms.ValidationError(_("Upload an Excel workbook (.xlsx) or a CSV file (.csv)."))
        if upload.size > card_imports.MAX_FILE_SIZE:
            raise forms.ValidationError(
                _("The file is larger than %(size)s MB.") % {"size": card_imports.MAX_FILE_SIZE // (1024 * 1024)}
            )
        content = upload.read()
        try:
            imports.parse(content=content, extension=extension)
        except card_imports.ImportFileError as exc:
            raise forms.ValidationError(exc.message) from None
        self.content, self.extension = content, extension
        return upload


def _importer_or_403(request) -> None:
    if not imports.can_import(request.user):
        raise PermissionDenied


def _pending(request):
    pending = request.session.get(SESSION_KEY)
    content = card_imports.load_stash(token=pending["token"], extension=pending["extension"]) if pending else None
    if content is None:
        messages.warning(request, _("There is no file waiting to be imported; upload it again."))
        return pending, None
    try:
        return pending, imports.parse(content=content, extension=pending["extension"])
    except card_imports.ImportFileError as exc:
        messages.error(request, exc.message)
        return pending, None


def _preview_page(request, pending, preview):
    return render(
        request,
        "distributors/import_preview.html",
        {
            "preview": preview,
            "pending": pending,
            "upload_url": reverse("receivables:import"),
            "confirm_url": reverse("receivables:import_confirm"),
        },
    )


@login_required
def import_upload(request):
    _importer_or_403(request)
    form = ImportForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        old = request.session.pop(SESSION_KEY, None)
        if old:
            card_imports.discard(token=old["token"], extension=old["extension"])
        token = card_imports.stash(content=form.content, extension=form.extension)
        request.session[SESSION_KEY] = {
            "token": token,
            "extension": form.extension,
            "filename": form.cleaned_data["file"].name,
        }
        return redirect("receivables:import_preview")
    return render(request, "receivables/import.html", {"form": form, "columns": imports.column_help()})


@login_required
def import_preview(request):
    _importer_or_403(request)
    pending, sheet = _pending(request)
    if sheet is None:
        return redirect("receivables:import")
    return _preview_page(request, pending, imports.validate(sheet=sheet, by=request.user))


@login_required
@require_POST
def import_confirm(request):
    _importer_or_403(request)
    pending, sheet = _pending(request)
    if sheet is None:
        return redirect("receivables:import")
    if request.POST.get("token") != pending["token"]:
        messages.warning(request, _("Another file was uploaded since; check its preview before importing."))
        return redirect("receivables:import_preview")
    preview = imports.commit(sheet=sheet, by=request.user)
    if not preview.saved:
        messages.error(request, _("Nothing was imported: correct the rows below and upload the file again."))
        return _preview_page(request, pending, preview)
    request.session.pop(SESSION_KEY, None)
    card_imports.discard(token=pending["token"], extension=pending["extension"])
    messages.success(
        request, _("%(count)s invoices imported from %(file)s.") % {"count": preview.saved, "file": pending["filename"]}
    )
    return redirect("receivables:invoices")
