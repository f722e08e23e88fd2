"""Import and export pages of the customer cards.

Import: upload (a file that cannot be read is a form error) -> preview of every row with its errors
(nothing saved) -> confirm (validated again, saved all-or-nothing). The file waits in the default
storage; the session holds its token. Export: the list page's rows, as .xlsx or .csv.
"""

from pathlib import PurePath

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from kamcrm.forms import BootstrapFormMixin

from . import exports, imports

SESSION_KEY = "distributors_import"


class ImportForm(BootstrapFormMixin, forms.Form):
    kind = forms.ChoiceField(choices=imports.Kind.choices, label=gettext_lazy("The file holds"))
    file = forms.FileField(label=gettext_lazy("File"), widget=forms.ClearableFileInput(attrs={"accept": ".xlsx,.csv"}))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["file"].help_text = _(
            "An Excel workbook (.xlsx) or a CSV file (.csv, UTF-8 or GB18030), at most %(size)s MB and "
            "%(rows)s rows; the first row holds the column names."
        ) % {"size": imports.MAX_FILE_SIZE // (1024 * 1024), "rows": imports.MAX_ROWS}

    def clean(self):
        cleaned = super().clean()
        upload, kind = cleaned.get("file"), cleaned.get("kind")
        if upload is None or kind is None:
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
                imports.parse(kind=kind, content=content, extension=extension)
            except imports.ImportFileError as exc:
                self.add_error("file", exc.message)
            else:
                cleaned["content"], cleaned["extension"] = content, extension
        return cleaned


def _importer_or_403(request) -> None:
    if not imports.can_import(request.user):
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
        return pending, imports.parse(kind=pending["kind"], content=content, extension=pending["extension"])
    except imports.ImportFileError as exc:
        messages.error(request, exc.message)
        return pending, None


@login_required
def import_upload(request):
    _importer_or_403(request)
    form = ImportForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        _forget_pending(request)
        data = form.cleaned_data
        token = imports.stash(content=data["content"], extension=data["extension"])
        request.session[SESSION_KEY] = {
            "token": token,
            "extension": data["extension"],
            "kind": data["kind"],
            "filename": data["file"].name,
        }
        return redirect("distributors:import_preview")
    return render(
        request,
        "distributors/import.html",
        {
            "form": form,
            "help": [(label, imports.column_help(kind)) for kind, label in imports.Kind.choices],
        },
    )


def _render_preview(request, pending, preview):
    return render(request, "distributors/import_preview.html", {"preview": preview, "pending": pending})


@login_required
def import_preview(request):
    _importer_or_403(request)
    pending, sheet = _pending_sheet(request)
    if sheet is None:
        return redirect("distributors:import")
    return _render_preview(request, pending, imports.validate(sheet=sheet, by=request.user))


@login_required
@require_POST
def import_confirm(request):
    _importer_or_403(request)
    pending, sheet = _pending_sheet(request)
    if sheet is None:
        return redirect("distributors:import")
    if request.POST.get("token") != pending["token"]:
        # Another upload (another tab) replaced the file this preview showed.
        messages.warning(request, _("Another file was uploaded since; check its preview before importing."))
        return redirect("distributors:import_preview")
    preview = imports.commit(sheet=sheet, by=request.user)
    if not preview.saved:
        messages.error(request, _("Nothing was imported: correct the rows below and upload the file again."))
        return _render_preview(request, pending, preview)
    _forget_pending(request)
    done = {
        imports.Kind.DISTRIBUTORS: _("%(count)s distributors imported from %(file)s."),
        imports.Kind.CONTACTS: _("%(count)s contacts imported from %(file)s."),
    }[preview.kind]
    messages.success(request, done % {"count": preview.saved, "file": pending["filename"]})
    return redirect("distributors:list")


@login_required
def distributor_export(request, fmt: str):
    """The list page's rows (same query string) as a download; only the cards the user can see."""
    if fmt not in exports.FORMATS:
        raise Http404
    queryset = exports.filtered_distributors(for_user=request.user, params=request.GET)
    return exports.export_response(queryset=queryset, fmt=fmt)
