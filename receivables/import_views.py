"""Import of invoices: the shared import flow (``distributors.import_flow``) over ``receivables.imports``."""

from django.utils.translation import gettext as _

from kamcrm.imports.flow import ImportFlow

from . import imports

SESSION_KEY = "receivables_import"

INVOICES = ImportFlow(
    session_key=SESSION_KEY,
    url_names=("receivables:import", "receivables:import_preview", "receivables:import_confirm"),
    done_url_name="receivables:invoices",
    upload_template="receivables/import.html",
    can_import=imports.can_import,
    parse=imports.parse,
    validate=imports.validate,
    commit=imports.commit,
    success_message=lambda preview, pending: (
        _("%(count)s invoices imported from %(file)s.") % {"count": preview.saved, "file": pending["filename"]}
    ),
    upload_context=lambda: {"columns": imports.column_help()},
)
import_upload, import_preview, import_confirm = INVOICES.views()
