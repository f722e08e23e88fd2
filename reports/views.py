"""Pages of the rep's day: log a visit (phone first), orders, the daily report, overdue visits, the KAM's review."""

from datetime import date, timedelta

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import Q
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accounts.models import Role, User
from distributors.models import Distributor
from kamcrm.forms import add_service_errors
from kamcrm.validation import path_date
from receivables import holds as receivables_holds

from . import selectors, services
from .forms import CommentForm, DailyNotesForm, LineFormSet, OrderForm, PhotoForm, StockFormSet, VisitForm
from .models import Order, OrderStatus, Visit

PAGE_SIZE = 50
MANAGERS = (Role.KAM, Role.REGIONAL_MANAGER, Role.ADMIN)


def _formset_lines(formset) -> list[services.LineInput]:
    return [line for line in (f.line() for f in formset.forms if f.cleaned_data) if line is not None]


def _show_errors(form, exc: ValidationError, formsets=()) -> None:
    """Field errors go to their field; order-line and stock errors to the formset."""
    if hasattr(exc, "error_dict"):
        for name in ("lines", "stock"):
            if name in exc.error_dict:
                target = formsets[0] if name == "lines" and formsets else (formsets[1] if len(formsets) > 1 else None)
                errors = exc.error_dict.pop(name)
                if target is not None:
                    target._non_form_errors = target.error_class([m for e in errors for m in e.messages])
                else:
                    form.add_error(None, errors)
    add_service_errors(form, exc)


# --- visits -------------------------------------------------------------------------------------


@login_required
def visit_edit(request, pk=None):
    """Log a visit in under a minute on a phone; the browser keeps a draft until it is saved."""
    if request.user.effective_role == Role.FINANCE:
        raise PermissionDenied
    visit = get_object_or_404(selectors.visit_list(for_user=request.user), pk=pk) if pk else Visit(rep=request.user)
    if pk and not services.acts_for(request.user, visit.rep):
        raise PermissionDenied
    data, files = (request.POST, request.FILES) if request.method == "POST" else (None, None)
    linked = None
    if not pk and request.method == "GET" and "distributor" in request.GET:
        linked = _account_for_visit_form(request.user, request.GET["distributor"])
        if linked is None:  # another team's or region's account, a terminated or a made-up one: not shown
            messages.warning(request, _("That account is not one you can log a visit for; choose one below."))
    form = VisitForm(
        data,
        instance=visit,
        user=request.user,
        initial={"distributor": linked.pk} if linked else None,
    )
    stock = StockFormSet(data, prefix="stock")
    lines = LineFormSet(data, prefix="lines")
    photos = PhotoForm(data, files)
    if request.method == "POST" and all([form.is_valid(), stock.is_valid(), lines.is_valid(), photos.is_valid()]):
        visit = form.instance
        if "rep" in form.cleaned_data:
            visit.rep = form.cleaned_data["rep"]
        visit.client_ref = form.cleaned_data.get("client_ref") or None if not pk else visit.client_ref
        order_lines = _formset_lines(lines)
        extras = services.VisitExtras(
            contacts=form.cleaned_data["contacts_met"],
            brands=form.cleaned_data["brands_discussed"],
            strategies=form.cleaned_data["strategies"],
            stock=[
                (f.cleaned_data["brand"], f.cleaned_data["units"])
                for f in stock.forms
                if f.cleaned_data.get("brand") and f.cleaned_data.get("units") is not None
            ],
            orders=[services.OrderInput(lines=order_lines)] if order_lines else [],
            photos=photos.photos(),
        )
        try:
            saved = services.save_visit(visit=visit, by=request.user, extras=extras)
        except ValidationError as exc:
            _show_errors(form, exc, (lines, stock))
        else:
            messages.success(request, _("Visit to %(name)s saved.") % {"name": saved.distributor.display_name})
            if getattr(saved, "credit_warning", ""):
                messages.warning(request, saved.credit_warning)
            target = reverse("reports:visit_detail", args=[saved.pk])
            return redirect(f"{target}?saved={saved.client_ref or ''}")
    chosen = form["distributor"].value()
    accounts = services.distributors_for_visit(rep=visit.rep if pk else request.user)
    chosen = (
        visit.distributor
        if pk and str(chosen) == str(visit.distributor_id)
        else _account_for_visit_form(request.user, chosen)
    )
    return render(
        request,
        "reports/visit_form.html",
        {
            "form": form,
            "stock": stock,
            "lines": lines,
            "photos": photos,
            "visit": visit,
            "accounts": accounts[:8],
            "chosen": chosen,
            # The account's hold or stop-supply warning (receivables' one credit rule), before orders are taken.
            "credit_banner": receivables_holds.card_banner(user=request.user, distributor=chosen) if chosen else None,
        },
    )


def _account_for_visit_form(user, value) -> Distributor | None:
    """The account ``value`` names if the visit form offers it to ``user`` (the account search's rule), else None."""
    try:
        pk = int(str(value))
    except (TypeError, ValueError):
        return None
    return services.accounts_for_visit_form(user=user).filter(pk=pk).first()


@login_required
def account_search(request):
    """HTMX: the accounts matching what the rep typed (own first), as radio buttons; or one account's contacts."""
    if request.GET.get("contacts", "").isdigit():
        distributor = get_object_or_404(Distributor.objects.visible_to(request.user), pk=request.GET["contacts"])
        return render(
            request,
            "reports/_visit_contacts.html",
            {
                "contacts": distributor.contacts.all(),
                "credit_banner": receivables_holds.card_banner(user=request.user, distributor=distributor),
            },
        )
    q = request.GET.get("q", "").strip()
    accounts = services.accounts_for_visit_form(user=request.user)
    if q:
        accounts = accounts.filter(
            Q(name__icontains=q) | Q(short_name__icontains=q) | Q(code__icontains=q) | Q(city__icontains=q)
        )
    return render(
        request,
        "reports/_account_options.html",
        {"accounts": accounts[:8], "chosen": request.GET.get("distributor", "")},
    )


@login_required
def visit_detail(request, pk):
    visit = get_object_or_404(
        selectors.visit_list(for_user=request.user).prefetch_related(
            "contacts_met", "brands_discussed", "strategies", "stock_seen__brand", "photos", "orders__lines__product"
        ),
        pk=pk,
    )
    return render(
        request,
        "reports/visit_detail.html",
        {
            "visit": visit,
            "can_edit": services.acts_for(request.user, visit.rep),
            "saved_ref": request.GET.get("saved", ""),
        },
    )


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
    lines = LineFormSet(data, prefix="lines", initial=initial)
    if request.method == "POST" and form.is_valid() and lines.is_valid():
        try:
            saved = services.save_order(order=form.instance, lines=_formset_lines(lines), by=request.user)
        except ValidationError as exc:
            _show_errors(form, exc, (lines,))
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


# --- daily report -------------------------------------------------------------------------------


def _parse_day(value: str | None) -> date:
    if value is None:
        return timezone.localdate()
    parsed = path_date(value)  # not a real day, or outside the date window: no such page
    if parsed is None:
        raise Http404
    return parsed


@login_required
def daily_report(request, day=None):
    """The rep's own day: visits and orders as logged, the notes, and the submit button."""
    if request.user.effective_role == Role.FINANCE:
        raise PermissionDenied
    on = _parse_day(day)
    report = services.daily_report_for(rep=request.user, day=on)
    # The form works on a copy so a refused change never shows up as if it were saved.
    form = DailyNotesForm(request.POST or None, instance=services.daily_report_for(rep=request.user, day=on))
    if request.method == "POST" and form.is_valid():
        try:
            if "submit" in request.POST:
                services.submit_daily_report(report=form.instance, by=request.user)
                messages.success(request, _("Your day is submitted."))
            else:
                services.save_daily_notes(report=form.instance, by=request.user)
                messages.success(request, _("Notes saved."))
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            return redirect("reports:daily_report", on.isoformat())
    return render(
        request,
        "reports/daily_report.html",
        {
            "day": selectors.day(rep=request.user, on=on, report=report if report.pk else None),
            "form": form,
            "previous": on - timedelta(days=1),
            "next": on + timedelta(days=1) if on < timezone.localdate() else None,
            "is_today": on == timezone.localdate(),
            "collection_tasks": selectors.collection_tasks(rep=request.user, on_or_before=on),
        },
    )


@login_required
def team_days(request):
    """The KAM's view of the team's daily reports for a day, with who has not submitted."""
    if request.user.effective_role not in MANAGERS:
        raise PermissionDenied
    on = _parse_day(request.GET.get("date")) if request.GET.get("date") else timezone.localdate() - timedelta(1)
    reports = selectors.daily_report_list(for_user=request.user).filter(date=on).exclude(rep=request.user)
    return render(
        request,
        "reports/team_days.html",
        {
            "on": on,
            "reports": reports,
            "missing": selectors.missing_daily_reports(for_user=request.user, on=on),
            "previous": on - timedelta(days=1),
            "next": on + timedelta(days=1) if on < timezone.localdate() else None,
        },
    )


@login_required
def review_day(request, pk):
    report = get_object_or_404(selectors.daily_report_list(for_user=request.user), pk=pk)
    if report.rep_id == request.user.pk:
        return redirect("reports:daily_report", report.date.isoformat())
    form = CommentForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            if "reopen" in request.POST:
                services.reopen_daily_report(report=report, by=request.user, reason=form.cleaned_data["text"])
                messages.success(request, _("The day is reopened for %(rep)s.") % {"rep": report.rep.display_name})
            else:
                services.review_daily_report(report=report, by=request.user, comment=form.cleaned_data["text"])
                messages.success(request, _("Marked as reviewed."))
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            return redirect("reports:review_day", pk)
    return render(
        request,
        "reports/review_day.html",
        {
            "day": selectors.day(rep=report.rep, on=report.date, report=report),
            "form": form,
            "report": report,
        },
    )
