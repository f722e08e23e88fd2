"""The visit form page (phone first) and its account search: gathers what upper capabilities record with a visit."""

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Q
from django.http import JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import Role
from distributors.models import Distributor
from receivables import holds as receivables_holds
from reports.market import services as market_checks
from reports.needs import services as needs
from reports.visit_entry.forms import LineFormSet, MarketFormSet, PhotoForm, StockFormSet, VisitForm
from reports.visit_entry.parts import MarketChecks, NeedsObserved
from reports.visits import selectors, services
from reports.visits.models import LateEntry, Purpose, Visit
from reports.visits.views import formset_lines, show_errors


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
        order_lines = formset_lines(lines)
        market_lines = [ln for ln in (f.line() for f in market.forms) if ln is not None] if market.is_bound else None
        extras = services.VisitExtras(
            contacts=form.cleaned_data["contacts_met"],
            brands=form.cleaned_data["brands_discussed"],
            strategies=form.cleaned_data["strategies"],
            stock=[
                (f.cleaned_data["brand"], f.cleaned_data["units"])
                for f in stock.forms
                if f.cleaned_data.get("brand") and f.cleaned_data.get("units") is not None
            ],
            orders=[services.OrderInput(lines=order_lines, order=order)] if (order_lines or order) else [],
            photos=photos.photos(),
            parts=[
                MarketChecks(market_lines),
                NeedsObserved(form.cleaned_data["needs_observed"]),
            ],
        )
        try:
            saved = services.save_visit(visit=visit, by=request.user, extras=extras)
        except ValidationError as exc:
            show_errors(form, exc, {"lines": lines, "stock": stock, market_checks.FIELD: market})
        else:
            messages.success(request, _("Visit to %(name)s saved.") % {"name": saved.distributor.display_name})
            if saved.late_entry == LateEntry.PENDING:
                messages.info(request, _("That day was already submitted: the visit goes to your KAM as a late entry."))
            if saved.credit_warning:
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
