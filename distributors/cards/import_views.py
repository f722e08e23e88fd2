"""Import and export pages of the customer cards.

Import: the shared flow of ``import_flow`` (upload → preview with every row's errors → confirm, all or
none) for distributors or contacts. Export: the list page's rows, as .xlsx or .csv.
"""

from django import forms
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from kamcrm.imports.flow import ImportFlow

from . import exports, imports

SESSION_KEY = "distributors_import"

DONE = {
    imports.Kind.DISTRIBUTORS: gettext_lazy("%(count)s distributors imported from %(file)s."),
    imports.Kind.CONTACTS: gettext_lazy("%(count)s contacts imported from %(file)s."),
}

CARDS = ImportFlow(
    session_key=SESSION_KEY,
    url_names=("distributors:import", "distributors:import_preview", "distributors:import_confirm"),
    done_url_name="distributors:list",
    upload_template="distributors/import.html",
    can_import=imports.can_import,
    parse=imports.parse,
    validate=imports.validate,
    commit=imports.commit,
    success_message=lambda preview, pending: DONE[preview.kind] % {"count": preview.saved, "file": pending["filename"]},
    upload_context=lambda: {"help": [(label, imports.column_help(kind)) for kind, label in imports.Kind.choices]},
    extra_fields={"kind": lambda: forms.ChoiceField(choices=imports.Kind.choices, label=_("The file holds"))},
)
import_upload, import_preview, import_confirm = CARDS.views()


@login_required
def distributor_export(request, fmt: str):
    """The list page's rows (same query string) as a download; only the cards the user can see."""
    if fmt not in exports.FORMATS:
        raise Http404
    try:
        queryset = exports.filtered_distributors(for_user=request.user, params=request.GET)
    except ValidationError as exc:
        return exports.refused_export(request, exc, list_url=reverse("distributors:list"))
    return exports.export_response(queryset=queryset, fmt=fmt)
