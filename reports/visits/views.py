"""Pages of visits and orders: the visit list and detail, the KAM's late-entry decision, overdue visits, orders."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import Q
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accounts.models import Role, User
from kamcrm.forms import add_service_errors
from kamcrm.validation import path_date
from reports.visits import selectors, services
from reports.visits.forms import (
    OrderForm,
    OrderLineFormSet,
)
from reports.visits.models import LateEntry, Order, OrderStatus

PAGE_SIZE = 50
MANAGERS = (Role.KAM, Role.REGIONAL_MANAGER, Role.ADMIN)


def formset_lines(formset) -> list[services.LineInput]:
    return [line for line in (f.line() for f in formset.forms if f.cleaned_data) if line is not None]


def show_errors(form, exc: ValidationError, formsets: dict | None = None) -> None:
    """Field errors go to their field; the errors of a part shown as a formset (``formsets``: the service's field
    name, such as ``lines``, to the formset) to that formset."""
    if hasattr(exc, "error_dict"):
        for name, target in (formsets or {}).items():
            if name in exc.error_dict:
                errors = exc.error_dict.pop(name)
                target._non_form_errors = target.error_class([m for e in errors for m in e.messages])
    add_service_errors(form, exc)


# --- visits -------------------------------------------------------------------------------------


@login_required
def visit_detail(request, pk):
    visit = get_object_or_404(
        selectors.visit_list(for_user=request.user).prefetch_related(
            "contacts_met",
            "brands_discussed",
            "strategies",
            "needs_observed",
            "stock_seen__brand",
            "photos",
            "orders__lines__product",
            "market_checks__product",
            "market_checks__brand",
            "market_checks__competitor_product__brand__competitor",
        ),
        pk=pk,
    )
    locked = services.day_locked_for(rep=visit.rep, day=visit.visit_date, by=request.user)
    return render(
        request,
        "reports/visit_detail.html",
        {
            "visit": visit,
            "can_edit": services.acts_for(request.user, visit.rep) and not locked,
            "locked": locked,
            "can_decide": visit.late_entry == LateEntry.PENDING
            and selectors.late_visits_to_decide(for_user=request.user).filter(pk=visit.pk).exists(),
            "saved_ref": request.GET.get("saved", ""),
        },
    )


@login_required
@require_POST
def visit_late_decision(request, pk):
    """The KAM accepts or rejects a rep's late entry (a visit logged for a submitted day)."""
    visit = get_object_or_404(selectors.visit_list(for_user=request.user), pk=pk)
    decision = request.POST.get("decision", "")
    if decision not in ("accept", "reject"):
        messages.error(request, _("Choose accept or reject."))
        return redirect("reports:visit_detail", pk)
    try:
        services.decide_late_visit(
            visit=visit, by=request.user, accept=decision == "accept", note=request.POST.get("note", "")
        )
    except ValidationError as exc:
        for message in exc.messages:
            messages.error(request, message)
    else:
        messages.success(request, _("Late entry accepted.") if decision == "accept" else _("Late entry rejected."))
    if request.POST.get("back") == "team":
        return redirect("reports:team_days")
    return redirect("reports:visit_detail", pk)


@login_required
def visit_list(request):
    visits = selectors.visit_list(for_user=request.user)
    rep = request.GET.get("rep", "")
    if rep.isdigit():
        visits = visits.filter(rep=rep)
    start, end = path_date(request.GET.get("from")), path_date(request.GET.get("to"))  # a bad date filters nothing
    if start:
        visits = visits.filter(visit_date__gte=start)
    if end:
        visits = visits.filter(visit_date__lte=end)
    page = Paginator(visits, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "reports/visit_list.html",
        {
            "page": page,
            "reps": User.objects.reps_in_scope_of(request.user).filter(role__in=["rep", "kam"]),
            "rep": rep,
            "start": start,
            "end": end,
        },
    )


@login_required
def overdue_visits(request):
    rows = selectors.overdue_visits(for_user=request.user, as_of=timezone.localdate())
    page = Paginator(rows, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "reports/overdue_visits.html", {"page": page, "total": len(rows)})


# --- orders -------------------------------------------------------------------------------------


@login_required
def order_list(request):
    orders = selectors.order_list(for_user=request.user)
    status = request.GET.get("status", "")
    if status in OrderStatus.values:
        orders = orders.filter(status=status)
    q = request.GET.get("q", "").strip()
    if q:
        orders = orders.filter(
            Q(distributor__name__icontains=q)
            | Q(distributor__short_name__icontains=q)
            | Q(distributor__code__icontains=q)
            | Q(erp_number__icontains=q)
        )
    page = Paginator(orders, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "reports/order_list.html",
        {
            "page": page,
            "status": status,
            "q": q,
            "statuses": OrderStatus.choices,
            "totals": selectors.order_totals(orders=orders.filter(status__in=["confirmed", "shipped"])),
            "can_import": request.user.effective_role in MANAGERS,
        },
    )


@login_required
def order_detail(request, pk):
    order = get_object_or_404(selectors.order_list(for_user=request.user), pk=pk)
    transitions = services.ORDER_TRANSITIONS[order.status] if services.acts_for(request.user, order.rep) else set()
    return render(
        request,
        "reports/order_detail.html",
        {
            "order": order,
            "transitions": [(s, OrderStatus(s).label) for s in OrderStatus.values if s in transitions],
            "can_edit": order.status == OrderStatus.TAKEN and services.acts_for(request.user, order.rep),
        },
    )


@login_required
def order_edit(request, pk=None):
    if request.user.effective_role == Role.FINANCE:
        raise PermissionDenied
    order = (
        get_object_or_404(selectors.order_list(for_user=request.user), pk=pk)
        if pk
        else Order(rep=request.user, source=Order.Source.MANUAL)
    )
    data = request.POST if request.method == "POST" else None
    form = OrderForm(data, instance=order, user=request.user)
    initial = (
        [
            {"product": line.product, "quantity": line.quantity, "unit_price": line.unit_price}
            for line in order.lines.all()
        ]
        if pk
        else None
    )
    lines = OrderLineFormSet(data, prefix="lines", initial=initial)
    if request.method == "POST" and form.is_valid() and lines.is_valid():
        try:
            saved = services.save_order(order=form.instance, lines=formset_lines(lines), by=request.user)
        except ValidationError as exc:
            show_errors(form, exc, {"lines": lines})
        else:
            messages.success(request, _("Order #%(n)s saved.") % {"n": saved.pk})
            if saved.credit_warning:
                messages.warning(request, saved.credit_warning)
            return redirect("reports:order_detail", saved.pk)
    return render(request, "reports/order_form.html", {"form": form, "lines": lines, "order": order})


@login_required
@require_POST
def order_status(request, pk):
    order = get_object_or_404(selectors.order_list(for_user=request.user), pk=pk)
    try:
        services.set_order_status(order=order, status=request.POST.get("status", ""), by=request.user)
    except ValidationError as exc:
        for message in exc.messages:
            messages.error(request, message)
    else:
        messages.success(request, _("Order #%(n)s updated.") % {"n": order.pk})
    return redirect("reports:order_detail", pk)
