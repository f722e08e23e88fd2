"""Export of the distributor list to Excel (.xlsx) or CSV, filtered exactly like the list page.

The rows come from ``selectors.distributor_list(for_user=...)`` and ``DistributorFilter``, so a user
exports only what they can see. Headers and choice labels are in the active language; money is written
as an exact decimal (a number in Excel, ``1234.50`` in CSV), never through a float.
"""

import csv
import io
from collections.abc import Callable, Iterator
from decimal import Decimal

import openpyxl
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.http import HttpResponse, HttpResponseRedirect, StreamingHttpResponse
from django.utils import timezone, translation
from django.utils.text import capfirst
from django.utils.translation import gettext as _

from accounts.models import Team, User
from kamcrm import workbooks

from . import selectors
from .filters import DistributorFilter, valid_rows
from .models import Distributor

FORMATS = ("xlsx", "csv")
CONTENT_TYPES = {"xlsx": workbooks.XLSX_CONTENT_TYPE, "csv": workbooks.CSV_CONTENT_TYPE}
CHUNK_SIZE = 2000
MONEY_FORMAT = workbooks.MONEY_FORMAT
DATE_FORMAT = workbooks.DATE_FORMAT


def _label(model, name: str) -> str:
    return str(capfirst(model._meta.get_field(name).verbose_name))


def _team(d: Distributor):
    return d.owner.team.name if d.owner.team_id else ""


def _region(d: Distributor):
    return d.owner.team.region.name if d.owner.team_id else ""


def _choice_label(name: str) -> Callable[[Distributor], str]:
    # Looked up once per export: get_FOO_display() rebuilds the choices on every call (20,000 rows).
    labels = {key: str(label) for key, label in Distributor._meta.get_field(name).flatchoices}
    return lambda d: labels.get(getattr(d, name), getattr(d, name))


def columns() -> list[tuple[str, Callable[[Distributor], object]]]:
    """(header in the active language, value of a card) for every exported column, in order."""
    return [
        (_label(Distributor, "code"), lambda d: d.code),
        (_label(Distributor, "name"), lambda d: d.name),
        (_label(Distributor, "short_name"), lambda d: d.short_name),
        (_label(Distributor, "status"), _choice_label("status")),
        (_label(Distributor, "tier"), lambda d: d.tier),
        (_label(Distributor, "attractiveness"), _choice_label("attractiveness")),
        (_label(Distributor, "relationship_stage"), _choice_label("relationship_stage")),
        (_label(Distributor, "relationship_type"), _choice_label("relationship_type")),
        (_label(Distributor, "owner"), lambda d: d.owner.username),
        (_("Owner name"), lambda d: d.owner.get_full_name()),
        (_label(User, "team"), _team),
        (_label(Team, "region"), _region),
        (_label(Distributor, "city"), lambda d: d.city),
        (_label(Distributor, "county"), lambda d: d.county),
        (_label(Distributor, "town"), lambda d: d.town),
        (_label(Distributor, "phone"), lambda d: d.phone),
        (_label(Distributor, "payment_terms_days"), lambda d: d.payment_terms_days),
        (_label(Distributor, "credit_limit"), lambda d: d.credit_limit),
        (_label(Distributor, "last_visited_on"), lambda d: d.last_visited_on),
    ]


def refused_export(request, error: ValidationError, *, list_url: str) -> HttpResponseRedirect:
    """A page export whose filters do not validate: no file, back to the list (same query) with the reasons shown."""
    reasons = "; ".join(f"{name}: {' '.join(messages_)}" for name, messages_ in error.message_dict.items())
    messages.error(request, _("Nothing was exported: %(reasons)s") % {"reasons": reasons})
    query = request.GET.urlencode()
    return HttpResponseRedirect(f"{list_url}?{query}" if query else list_url)


def filtered_distributors(*, for_user: User, params) -> QuerySet[Distributor]:
    """The list's rows for ``params`` (its query string): the user's cards, filtered and ordered alike.

    A filter value that does not validate (another region's owner, an unknown status ...) raises ValidationError
    with field errors (``filters.valid_rows``): an export never drops a filter and hands out the whole scope.
    """
    filterset = DistributorFilter(params or None, queryset=selectors.distributor_list(for_user=for_user), user=for_user)
    queryset = valid_rows(filterset)
    if not (params or {}).get("ordering"):
        queryset = queryset.order_by("code")
    return queryset


def _rows(queryset: QuerySet[Distributor], getters: list) -> Iterator[list]:
    for distributor in queryset.iterator(chunk_size=CHUNK_SIZE):
        yield [getter(distributor) for getter in getters]


def _csv_text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, Decimal):
        return f"{value:.2f}"
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return workbooks.csv_text(str(value))


class _Echo:
    def write(self, value: str) -> str:
        return value


def csv_response(*, queryset: QuerySet[Distributor], filename: str) -> StreamingHttpResponse:
    """A streamed CSV, UTF-8 with a byte-order mark so Excel reads Chinese correctly."""
    language = translation.get_language()
    header = [label for label, _getter in columns()]

    def lines():
        with translation.override(language):  # the stream runs after the view has returned
            writer = csv.writer(_Echo())
            yield "\ufeff" + writer.writerow(header)
            getters = [getter for _label, getter in columns()]
            for row in _rows(queryset, getters):
                yield writer.writerow([_csv_text(value) for value in row])

    response = StreamingHttpResponse((line.encode("utf-8") for line in lines()), content_type=CONTENT_TYPES["csv"])
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


def xlsx_workbook(*, queryset: QuerySet[Distributor]) -> bytes:
    """The cards as an Excel workbook, one row each under a header row."""
    workbook = openpyxl.Workbook(write_only=True)
    sheet = workbook.create_sheet(title=str(_("Distributors"))[:31])
    header = columns()
    sheet.append([workbooks.cell(sheet, label) for label, _getter in header])
    for row in _rows(queryset, [getter for _label, getter in header]):
        sheet.append(workbooks.row(sheet, row))
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def export_response(*, queryset: QuerySet[Distributor], fmt: str) -> HttpResponse | StreamingHttpResponse:
    """The download of ``queryset`` as ``fmt`` ("xlsx" or "csv"), named distributors-YYYYMMDD."""
    filename = f"distributors-{timezone.localdate():%Y%m%d}.{fmt}"
    if fmt == "csv":
        return csv_response(queryset=queryset, filename=filename)
    response = HttpResponse(xlsx_workbook(queryset=queryset), content_type=CONTENT_TYPES["xlsx"])
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response
