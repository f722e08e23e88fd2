"""Pages of the rep's day: log a visit (phone first), orders, the daily report, overdue visits, the KAM's review."""

from datetime import date, timedelta

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import Q
from django.http import Http404, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accounts import selectors as org_selectors
from accounts.models import Role, User
from distributors.models import Distributor
from kamcrm.forms import add_service_errors
from kamcrm.validation import path_date
from receivables import holds as receivables_holds
from reports.market import services as market_checks
from reports.needs import services as needs
from reports.visits import day_plan, selectors, services
from reports.visits.forms import (
    CommentForm,
    DailyNotesForm,
    LineFormSet,
    MarketFormSet,
    OrderForm,
    OrderLineFormSet,
    PhotoForm,
    StockFormSet,
    VisitForm,
)
from reports.visits.models import LateEntry, Order, OrderStatus, Purpose, Visit

PAGE_SIZE = 50
MANAGERS = (Role.KAM, Role.REGIONAL_MANAGER, Role.ADMIN)


def _formset_lines(formset) -> list[services.LineInput]:
    return [line for line in (f.line() for f in formset.forms if f.cleaned_data) if line is not None]


def _show_errors(form, exc: ValidationError, formsets=()) -> None:
    """Field errors go to their field; order-line and stock errors to the formset."""
    if hasattr(exc, "error_dict"):
        for name in ("lines", "stock", market_checks.FIELD):
            if name in exc.error_dict:
                index = {"lines": 0, "stock": 1}.get(name, 2)
                target = formsets[index] if len(formsets) > index else None
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
    if pk and services.day_locked_for(rep=visit.rep, day=visit.visit_date, by=request.user):
        return render(request, "reports/visit_form.html", {"visit": visit, "locked": True})
    data, files = (request.POST, request.FILES) if request.method == "POST" else (None, None)
    wants_json = request.headers.get("Accept") == "application/json"
    linked = None
    if not pk and request.method == "GET" and "distributor" in request.GET:
        linked = _account_for_visit_form(request.user, request.GET["distributor"])
        if linked is None:  # another team's or region's account, a terminated or a made-up one: not shown
            messages.warning(request, _("That account is not one you can log a visit for; choose one below."))
    form = VisitForm(
        data,
        instance=visit,
        user=request.user,
        initial={"distributor": linked.pk, **_purpose(request)} if linked else None,
    )
    # Editing shows every saved value: the stock seen and the lines of the visit's order (corrected in place).
    order = services.visit_order_to_correct(visit) if pk else None
    stock = StockFormSet(
        data,
        prefix="stock",
        initial=[{"brand": s.brand, "units": s.units} for s in visit.stock_seen.all()] if pk else None,
    )
    lines = LineFormSet(
        data,
        prefix="lines",
        initial=[
            {"product": ln.product, "quantity": ln.quantity, "unit_price": ln.unit_price}
            for ln in order.lines.order_by("pk")
        ]
        if order
        else None,
    )
    # Market checks: a form sent without them (a page cached before they existed) keeps the saved ones.
    saved_market = [c.item_key for c in visit.market_checks.all()] if pk else []
    market = MarketFormSet(
        data if data is not None and "market-TOTAL_FORMS" in data else None,
        prefix="market",
        form_kwargs={"catalogue": market_checks.MarketCatalogue(keep=saved_market)},
        initial=[
            {"item": c.item_key, "price": c.price, "stock": c.stock, "facings": c.facings}
            for c in visit.market_checks.all()
        ]
        if pk
        else None,
    )
    market_valid = market.is_valid() if market.is_bound else True
    photos = PhotoForm(data, files)
    if request.method == "POST" and all(
        [form.is_valid(), stock.is_valid(), lines.is_valid(), market_valid, photos.is_valid()]
    ):
        visit = form.instance
        if "rep" in form.cleaned_data:
            visit.rep = form.cleaned_data["rep"]
        visit.client_ref = form.cleaned_data.get("client_ref") or None if not pk else visit.client_ref
        order_lines = _formset_lines(lines)
        extras = services.VisitExtras(
            contacts=form.cleaned_data["contacts_met"],
            brands=form.cleaned_data["brands_discussed"],
            strategies=form.cleaned_data["strategies"],
            needs=form.cleaned_data["needs_observed"],
            stock=[
                (f.cleaned_data["brand"], f.cleaned_data["units"])
                for f in stock.forms
                if f.cleaned_data.get("brand") and f.cleaned_data.get("units") is not None
            ],
            orders=[services.OrderInput(lines=order_lines, order=order)] if (order_lines or order) else [],
            photos=photos.photos(),
            market=[ln for ln in (f.line() for f in market.forms) if ln is not None] if market.is_bound else None,
        )
        try:
            saved = services.save_visit(visit=visit, by=request.user, extras=extras)
        except ValidationError as exc:
            _show_errors(form, exc, (lines, stock, market))
        else:
            messages.success(request, _("Visit to %(name)s saved.") % {"name": saved.distributor.display_name})
            if saved.late_entry == LateEntry.PENDING:
                messages.info(request, _("That day was already submitted: the visit goes to your KAM as a late entry."))
            if getattr(saved, "credit_warning", ""):
                messages.warning(request, saved.credit_warning)
            target = reverse("reports:visit_detail", args=[saved.pk])
            if wants_json:  # the phone's outbox sending a visit saved offline
                return JsonResponse({"ok": True, "id": saved.pk, "url": target}, status=201)
            return redirect(f"{target}?saved={saved.client_ref or ''}")
    if wants_json and request.method == "POST":
        return JsonResponse({"ok": False, "errors": _error_messages(form, stock, lines, market, photos)}, status=400)
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
            "market": market,
            "photos": photos,
            "visit": visit,
            "order": order,
            "other_orders": [o for o in visit.orders.all() if o != order] if pk else [],
            "saved_photos": visit.photos.all() if pk else [],
            "selected_contacts": _chosen_ids(form["contacts_met"].value()),
            "photo_max": settings.PHOTO_MAX_SIZE,
            "photo_max_mb": f"{settings.PHOTO_MAX_SIZE / (1024 * 1024):g}",
            "today_locked": not pk
            and services.day_locked_for(rep=request.user, day=timezone.localdate(), by=request.user),
            "accounts": accounts[:8],
            "chosen": chosen,
            # The account's hold or stop-supply warning (receivables' one credit rule), before orders are taken.
            "credit_banner": receivables_holds.card_banner(user=request.user, distributor=chosen) if chosen else None,
            # The strategy combination for the account's open needs (reloaded when another account is chosen).
            "suggestion": needs.suggestion(distributor=chosen) if chosen else None,
        },
    )


def _error_messages(form, *others) -> list[str]:
    """Every error of the visit form and its parts as "label: message" lines, for the phone's outbox."""
    messages_ = []
    for each in (form, *others):
        parts = each.forms if hasattr(each, "forms") else [each]
        if hasattr(each, "non_form_errors"):
            messages_ += list(each.non_form_errors())
        for part in parts:
            for name, errors in part.errors.items():
                label = part.fields[name].label if name in part.fields else ""
                messages_ += [f"{label}: {e}" if label else str(e) for e in errors]
    return messages_


def _purpose(request) -> dict:
    """The purpose My day's "Log visit" pre-fills, when it is one."""
    purpose = request.GET.get("purpose", "")
    return {"purpose": purpose} if purpose in Purpose.values else {}


def _chosen_ids(values) -> set[str]:
    """The ids a multiple-choice value names, as the strings a template compares (objects when unbound)."""
    return {str(getattr(v, "pk", v)) for v in values or ()}


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
                "selected": set(),
                "credit_banner": receivables_holds.card_banner(user=request.user, distributor=distributor),
            },
        )
    # "account_q": the visit form's search box itself (htmx sends it with the chosen account; no eval, strict CSP)
    q = request.GET.get("q", request.GET.get("account_q", "")).strip()
    accounts = services.accounts_for_visit_form(user=request.user)
    if q:
        accounts = accounts.filter(
            Q(name__icontains=q) | Q(short_name__icontains=q) | Q(code__icontains=q) | Q(city__icontains=q)
        )
    return render(
        request,
        "reports/_account_options.html",
        {"accounts": accounts[:8], "chosen": _account_for_visit_form(request.user, request.GET.get("distributor"))},
    )


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


# --- my day: the rep's home page -----------------------------------------------------------------


def plan_rep(user: User, value: str | None) -> User:
    """Whose day plan ``user`` asks for: their own, or (KAM, manager) a rep of their scope; anyone else is a 404."""
    if not value or str(value) == str(user.pk):
        if user.effective_role not in (Role.REP, Role.KAM):
            raise Http404
        return user
    if not str(value).isdigit() or user.effective_role not in MANAGERS:
        raise Http404
    return get_object_or_404(User.objects.reps_in_scope_of(user).filter(role__in=[Role.REP, Role.KAM]), pk=value)


@login_required
def my_day(request):
    """My day: the day's scheduled stops, overdue visits, visit-to-collect tasks and due action items, in route
    order, each with its reason and a one-tap "Log visit". A KAM picks a rep of the team."""
    if request.user.effective_role not in (Role.REP, *MANAGERS):
        raise PermissionDenied
    on = timezone.localdate()
    if request.user.effective_role in MANAGERS and not request.GET.get("rep"):
        rep = request.user if request.user.effective_role == Role.KAM else None
    else:
        rep = plan_rep(request.user, request.GET.get("rep"))
    return render(
        request,
        "reports/my_day.html",
        {
            "rep": rep,
            "on": on,
            "plan": day_plan.day_plan(rep=rep, on=on) if rep else [],
            "day": selectors.day(rep=rep, on=on) if rep else None,
            "own": rep == request.user,
            "org": org_selectors.home_summary(user=request.user),
            "reps": User.objects.reps_in_scope_of(request.user)
            .filter(role__in=[Role.REP, Role.KAM])
            .order_by("username")
            if request.user.effective_role in MANAGERS
            else [],
        },
    )


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
    reports = list(selectors.daily_report_list(for_user=request.user).filter(date=on).exclude(rep=request.user))
    flags = selectors.check_in_flags(rep_ids=[r.rep_id for r in reports], on=on)
    for report in reports:
        report.check_in_flags = flags.get(report.rep_id, {})
    return render(
        request,
        "reports/team_days.html",
        {
            "on": on,
            "reports": reports,
            "missing": selectors.missing_daily_reports(for_user=request.user, on=on),
            "late_visits": selectors.late_visits_to_decide(for_user=request.user),
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
