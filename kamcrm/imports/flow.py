"""The one flow of every import page: upload → preview of every row with its errors (nothing saved) →
confirm (checked again, saved all or none).

The file waits in the default storage between the steps and the session holds its token
(``kamcrm.imports.sheets.stash``). Each import — customer cards and contacts, ERP orders, invoices —
describes itself with an :class:`ImportFlow` and uses its three views.
"""

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import PurePath

from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from kamcrm.forms import BootstrapFormMixin

from . import sheets as imports


class ImportFileForm(BootstrapFormMixin, forms.Form):
    """The upload: a readable .xlsx or .csv within the limits, parsed once so a bad file is a form error."""

    file = forms.FileField(label=gettext_lazy("File"), widget=forms.ClearableFileInput(attrs={"accept": ".xlsx,.csv"}))

    def __init__(self, *args, flow: "ImportFlow", **kwargs):
        super().__init__(*args, **kwargs)
        self.flow = flow
        for name, make_field in flow.extra_fields.items():
            self.fields[name] = make_field()
        self.order_fields([*flow.extra_fields, "file"])
        self.fields["file"].help_text = _(
            "An Excel workbook (.xlsx) or a CSV file (.csv, UTF-8 or GB18030), at most %(size)s MB and "
            "%(rows)s rows; the first row holds the column names."
        ) % {"size": imports.MAX_FILE_SIZE // (1024 * 1024), "rows": imports.MAX_ROWS}

    def clean(self):
        cleaned = super().clean()
        upload = cleaned.get("file")
        extra = {name: cleaned.get(name) for name in self.flow.extra_fields}
        if upload is None or None in extra.values():
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
                self.flow.parse(content=content, extension=extension, **extra)
            except imports.ImportFileError as exc:
                self.add_error("file", exc.message)
            else:
                cleaned["content"], cleaned["extension"] = content, extension
        return cleaned


@dataclass(frozen=True)
class ImportFlow:
    """What one import needs to say about itself; its ``views()`` are the three pages."""

    session_key: str
    url_names: tuple[str, str, str]  # upload, preview, confirm
    done_url_name: str
    upload_template: str
    can_import: Callable  # (user) -> bool
    parse: Callable  # (content=, extension=, **extra) -> Sheet; raises imports.ImportFileError
    validate: Callable  # (sheet=, by=) -> preview
    commit: Callable  # (sheet=, by=) -> preview with .saved
    success_message: Callable  # (preview, pending) -> str
    upload_context: Callable = dict  # () -> extra context of the upload page (column help)
    extra_fields: dict = field(default_factory=dict)  # name -> () -> form field, kept with the file
    preview_template: str = "distributors/import_preview.html"

    def _check(self, request) -> None:
        if not self.can_import(request.user):
            raise PermissionDenied

    def _forget_pending(self, request) -> None:
        pending = request.session.pop(self.session_key, None)
        if pending:
            imports.discard(token=pending["token"], extension=pending["extension"])

    def _pending_sheet(self, request):
        """The file waiting for confirmation, parsed; None (with a message) when there is none any more."""
        pending = request.session.get(self.session_key)
        content = imports.load_stash(token=pending["token"], extension=pending["extension"]) if pending else None
        if content is None:
            messages.warning(request, _("There is no file waiting to be imported; upload it again."))
            return pending, None
        extra = {name: pending.get(name) for name in self.extra_fields}
        try:
            return pending, self.parse(content=content, extension=pending["extension"], **extra)
        except imports.ImportFileError as exc:
            messages.error(request, exc.message)
            return pending, None

    def _render_preview(self, request, pending, preview):
        upload, _preview, confirm = self.url_names
        # A file of thousands of bad rows makes a page of its first rows and errors, and says how many more.
        limit = settings.IMPORT_PREVIEW_ERRORS
        errors = preview.errors
        return render(
            request,
            self.preview_template,
            {
                "preview": preview,
                "errors": errors,
                "shown_errors": errors[:limit],
                "more_errors": max(len(errors) - limit, 0),
                "shown_rows": preview.rows[:limit],
                "more_rows": max(len(preview.rows) - limit, 0),
                "pending": pending,
                "upload_url": reverse(upload),
                "confirm_url": reverse(confirm),
            },
        )

    def upload(self, request):
        self._check(request)
        form = ImportFileForm(request.POST or None, request.FILES or None, flow=self)
        if request.method == "POST" and form.is_valid():
            self._forget_pending(request)
            data = form.cleaned_data
            request.session[self.session_key] = {
                "token": imports.stash(content=data["content"], extension=data["extension"]),
                "extension": data["extension"],
                "filename": data["file"].name,
                **{name: data[name] for name in self.extra_fields},
            }
            return redirect(self.url_names[1])
        return render(request, self.upload_template, {"form": form, **self.upload_context()})

    def preview(self, request):
        self._check(request)
        pending, sheet = self._pending_sheet(request)
        if sheet is None:
            return redirect(self.url_names[0])
        return self._render_preview(request, pending, self.validate(sheet=sheet, by=request.user))

    def confirm(self, request):
        self._check(request)
        pending, sheet = self._pending_sheet(request)
        if sheet is None:
            return redirect(self.url_names[0])
        if request.POST.get("token") != pending["token"]:
            # Another upload (another tab) replaced the file this preview showed.
            messages.warning(request, _("Another file was uploaded since; check its preview before importing."))
            return redirect(self.url_names[1])
        preview = self.commit(sheet=sheet, by=request.user)
        if not preview.saved:
            messages.error(request, _("Nothing was imported: correct the rows below and upload the file again."))
            return self._render_preview(request, pending, preview)
        self._forget_pending(request)
        messages.success(request, self.success_message(preview, pending))
        return redirect(self.done_url_name)

    def views(self):
        """(upload, preview, confirm) as view functions for the URLconf."""
        return login_required(self.upload), login_required(self.preview), login_required(require_POST(self.confirm))
