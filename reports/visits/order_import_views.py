"""Pages of the ERP order import: the shared import flow (``kamcrm.imports.flow``) over ``order_import``."""

from django.utils.translation import gettext as _

from kamcrm.imports.flow import ImportFlow
from reports.visits import order_import

SESSION_KEY = order_import.SESSION_KEY

ORDERS = ImportFlow(
    session_key=SESSION_KEY,
    url_names=("reports:order_import", "reports:order_import_preview", "reports:order_import_confirm"),
    done_url_name="reports:order_list",
    upload_template="reports/order_import.html",
    preview_template="reports/order_import_preview.html",
    can_import=order_import.can_import,
    parse=order_import.parse,
    validate=order_import.validate,
    commit=order_import.commit,
    success_message=lambda preview, pending: (
        _("%(count)s orders imported from %(file)s.") % {"count": preview.saved, "file": pending["filename"]}
    ),
    upload_context=lambda: {"columns": order_import.column_help()},
)
order_import_upload, order_import_preview, order_import_confirm = ORDERS.views()
