"""Receivables pages. Objects are found through ``visible_to`` (a foreign one is a 404); writes go through the
services, whose errors are shown on the form. HTMX requests get the partial they swap."""

from datetime import date, timedelta

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Prefetch, Q
from django.http import Http404, HttpResponse, QueryDict
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST
from rest_framework.exceptions import ValidationError as ApiValidationError

from accounts.models import Region, Role, Team, User
from kamcrm.audit.models import AuditEvent
from kamcrm.forms import add_service_errors
from kamcrm.outbox import services as outbox
from kamcrm.pages import act_and_say, message_and_redirect, next_url, paginate

from . import holds, selectors, services, statements, tasks
from .api import aging_csv, aging_from_params
from .filters import InvoiceFilter, PaymentFilter
from .forms import (
    ActivityForm,
    AgingForm,
    ClaimForm,
    ConfirmClaimForm,
    CreditNoteForm,
    DecisionForm,
    HoldForm,
    InvoiceForm,
    PaymentForm,
    RejectForm,
    ResolveForm,
    ReverseForm,
    ScheduleForm,
    StatementForm,
    WriteOffForm,
)
from .models import (
    DOUBTFUL_AFTER_DAYS,
    AgingBucketSet,
    ClaimStatus,
    CollectionActivity,
    CollectionTask,
    Invoice,
    Payment,
    PaymentClaim,
    ReminderSent,
    SavedWorklistView,
    StatementSchedule,
    TaskStatus,
    WriteOff,
    WriteOffStatus,
    distributors_with_money_visible_to,
)
from .reminders import describe

PAGE_SIZE = 50
WORKLIST_SORT_LABELS = [
    ("score", gettext_lazy("Amount × days overdue")),
    ("overdue", gettext_lazy("Overdue amount")),
    ("days", gettext_lazy("Days overdue")),
    ("open", gettext_lazy("Open amount")),
    ("code", gettext_lazy("Code")),
    ("name", gettext_lazy("Name")),
]


# --- Helpers ----------------------------------------------------------------------------------------------------


def _money_role_or_403(request) -> None:
    if not services.can_record_money(request.user):
        raise PermissionDenied


def _distributor_or_404(request, pk):
    distributor = distributors_with_money_visible_to(request.user).select_related("owner__team").filter(pk=pk).first()
    if distributor is None:
        raise Http404
    return distributor


def _page(request, queryset):
    page, query = paginate(request, queryset, PAGE_SIZE)
    return page, query.urlencode()


def _prefill_code(request) -> dict:
    pk = request.GET.get("distributor", "")
    if pk.isdigit():
        found = distributors_with_money_visible_to(request.user).filter(pk=pk).values_list("code", flat=True).first()
        if found:
            return {"distributor": found}
    return {}


def _form_page(request, form, title: str, *, back: str, submit: str = "", extra: dict | None = None):
    context = {
        "form": form,
        "title": title,
        "back": back,
        "submit": submit or _("Save"),
        "next": next_url(request, ""),
    }
    context.update(extra or {})
    return render(request, "receivables/form.html", context)


# --- Invoices ---------------------------------------------------------------------------------------------------


@login_required
def invoice_list(request):
    filterset = InvoiceFilter(
        request.GET or None, queryset=selectors.invoice_list(for_user=request.user), request=request
    )
    queryset = filterset.qs if filterset.is_bound else filterset.queryset
    if not request.GET.get("ordering"):
        queryset = queryset.order_by("-issue_date", "-pk")
    page, query = _page(request, queryset)
    context = {
        "filter": filterset,
        "page": page,
        "query": query,
        "can_record": services.can_record_money(request.user),
        "today": timezone.localdate(),
    }
    if request.htmx and request.htmx.target == "results":
        return render(request, "receivables/_invoice_table.html", context)
    return render(request, "receivables/invoice_list.html", context)


@login_required
def invoice_new(request):
    _money_role_or_403(request)
    form = InvoiceForm(request.POST or None, user=request.user, initial=_prefill_code(request))
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        try:
            invoice = services.record_invoice(by=request.user, **data)
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("Invoice %(number)s recorded.") % {"number": invoice.number})
            if invoice.credit_check.warn:
                messages.warning(request, invoice.credit_check.message)
            return redirect("receivables:invoice_detail", invoice.pk)
    return _form_page(request, form, _("New invoice"), back=reverse("receivables:invoices"))


@login_required
def invoice_detail(request, pk):
    invoice = get_object_or_404(selectors.invoice_list(for_user=request.user), pk=pk)
    allocations = invoice.allocations.select_related("payment", "credit_note", "write_off").order_by("paid_on", "pk")
    reminders = (
        ReminderSent.objects.filter(invoice=invoice).select_related("level", "task").prefetch_related("messages")
    ).order_by("run_date", "level__days_from_due")
    history = AuditEvent.objects.for_object(invoice).select_related("actor")
    reminders = list(reminders)
    for reminder in reminders:
        reminder.description = describe(reminder.level)  # in the reader's language; the name is the admin's text
    return render(
        request,
        "receivables/invoice_detail.html",
        {
            "invoice": invoice,
            "d": invoice.distributor,
            "lines": invoice.lines.select_related("product"),
            "allocations": allocations,
            "reminders": reminders,
            "activities": invoice.collection_activities.select_related("by"),
            "write_offs": invoice.write_offs.select_related("proposed_by", "decided_by"),
            "history": history,
            "can_record": services.can_record_money(request.user),
            "days_past_due": (timezone.localdate() - invoice.due_date).days,
        },
    )


# --- Payments ---------------------------------------------------------------------------------------------------


@login_required
def payment_list(request):
    filterset = PaymentFilter(
        request.GET or None, queryset=selectors.payment_list(for_user=request.user), request=request
    )
    queryset = filterset.qs if filterset.is_bound else filterset.queryset
    page, query = _page(request, queryset.order_by("-paid_on", "-pk"))
    return render(
        request,
        "receivables/payment_list.html",
        {"filter": filterset, "page": page, "query": query, "can_record": services.can_record_money(request.user)},
    )


def _open_invoices(distributor):
    if distributor is None:
        return Invoice.objects.none()
    return Invoice.objects.filter(distributor=distributor, open_amount__gt=0).order_by(
        "due_date", "issue_date", "number"
    )


@login_required
def payment_open_invoices(request):
    """HTMX partial: the open invoices of the account typed in the payment form, with allocation inputs."""
    _money_role_or_403(request)
    code = (request.GET.get("distributor") or "").strip()
    distributor = distributors_with_money_visible_to(request.user).filter(code__iexact=code).first() if code else None
    return render(
        request,
        "receivables/_open_invoices.html",
        {"distributor": distributor, "invoices": _open_invoices(distributor), "code": code, "values": {}},
    )


@login_required
def payment_accounts(request):
    """HTMX partial: accounts in scope whose name, code or city contains what was typed (payment entry)."""
    _money_role_or_403(request)
    found = selectors.find_accounts(for_user=request.user, q=request.GET.get("q", ""))
    return render(request, "receivables/_account_choices.html", {"accounts": found, "q": request.GET.get("q", "")})


@login_required
def payment_new(request):
    _money_role_or_403(request)
    form = PaymentForm(request.POST or None, user=request.user, initial=_prefill_code(request))
    distributor = None
    if form.is_bound:
        field = form.fields["distributor"]
        try:
            distributor = field.clean(form.data.get("distributor", ""))
        except ValidationError:
            distributor = None
    elif form.initial.get("distributor"):
        distributor = distributors_with_money_visible_to(request.user).get(code=form.initial["distributor"])
    open_invoices = list(_open_invoices(distributor))
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        try:
            allocations = form.allocations(open_invoices)
            data.pop("allocation")
            payment = services.record_payment(by=request.user, allocations=allocations, **data)
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            allocated = payment.amount - payment.unallocated_amount
            messages.success(
                request,
                _("Payment of %(amount)s from %(name)s recorded: %(allocated)s allocated, %(left)s unallocated.")
                % {
                    "amount": f"{payment.amount:,.2f}",
                    "name": payment.distributor.display_name,
                    "allocated": f"{allocated:,.2f}",
                    "left": f"{payment.unallocated_amount:,.2f}",
                },
            )
            return redirect(next_url(request, reverse("receivables:payment_detail", args=[payment.pk])))
    values = {key.removeprefix("alloc_"): value for key, value in form.data.items() if key.startswith("alloc_")}
    return render(
        request,
        "receivables/payment_form.html",
        {
            "form": form,
            "distributor": distributor,
            "invoices": open_invoices,
            "values": values,
            "next": next_url(request, ""),
            "code": form.data.get("distributor", form.initial.get("distributor", "")),
        },
    )


@login_required
def payment_detail(request, pk):
    payment = get_object_or_404(selectors.payment_list(for_user=request.user).select_related("reversal"), pk=pk)
    reversal = getattr(payment, "reversal", None)
    can_record = services.can_record_money(request.user)
    return render(
        request,
        "receivables/payment_detail.html",
        {
            "payment": payment,
            "d": payment.distributor,
            "allocations": payment.allocations.select_related("invoice"),
            "reversal": reversal,
            "reverse_form": ReverseForm() if can_record and not payment.is_reversal and reversal is None else None,
            "can_allocate": can_record
            and payment.unallocated_amount > 0
            and reversal is None
            and not payment.is_reversal,
            "history": AuditEvent.objects.for_object(payment).select_related("actor"),
        },
    )


@login_required
@require_POST
def payment_reverse(request, pk):
    payment = get_object_or_404(Payment.objects.visible_to(request.user), pk=pk)
    _money_role_or_403(request)
    return message_and_redirect(
        request,
        ReverseForm(request.POST),
        lambda **data: services.reverse_payment(payment=payment, by=request.user, **data),
        done=_("The payment was reversed; its invoices are open again."),
        invalid=_("Give the reason and the date of the reversal."),
        to="receivables:payment_detail",
        args=[pk],
    )


@login_required
@require_POST
def payment_allocate(request, pk):
    payment = get_object_or_404(Payment.objects.visible_to(request.user), pk=pk)
    _money_role_or_403(request)
    act_and_say(
        request,
        lambda: services.allocate_payment(payment=payment, by=request.user),
        lambda done: _("Allocated; %(left)s is still unallocated.") % {"left": f"{done.unallocated_amount:,.2f}"},
    )
    return redirect("receivables:payment_detail", pk)


# --- Credit notes -----------------------------------------------------------------------------------------------


@login_required
def credit_note_new(request):
    _money_role_or_403(request)
    initial = _prefill_code(request)
    code = (request.POST.get("distributor") or initial.get("distributor") or "").strip()
    distributor = distributors_with_money_visible_to(request.user).filter(code__iexact=code).first() if code else None
    invoices = _open_invoices(distributor) if distributor else Invoice.objects.visible_to(request.user).open()
    if request.GET.get("invoice", "").isdigit():
        initial["invoice"] = request.GET["invoice"]
    form = CreditNoteForm(request.POST or None, user=request.user, initial=initial, invoices=invoices)
    if request.method == "POST" and form.is_valid():
        try:
            note = services.record_credit_note(by=request.user, **form.cleaned_data)
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("Credit note %(number)s recorded.") % {"number": note.number})
            return redirect("receivables:account", note.distributor_id)
    return _form_page(request, form, _("New credit note"), back=reverse("receivables:invoices"))


# --- Aging, worklist, account -----------------------------------------------------------------------------------


@login_required
def aging(request):
    form = AgingForm(request.GET or None)
    errors = {}
    try:
        report = aging_from_params(request.user, request.GET)
    except ApiValidationError as exc:
        errors = exc.detail
        report = aging_from_params(request.user, {})
    if request.GET.get("format_type") == "csv" and not errors:
        return aging_csv(report)
    keep = request.GET.copy()
    for name in ("group_by", "region", "team", "rep", "distributor", "format_type", "page"):
        keep.pop(name, None)
    drill_next = {"region": "team", "team": "rep", "rep": "distributor", "distributor": "distributor"}
    export = request.GET.copy()
    export["format_type"] = "csv"
    return render(
        request,
        "receivables/aging.html",
        {
            "form": form,
            "report": report,
            "errors": errors,
            "bucket_sets": AgingBucketSet.objects.all(),
            "group_labels": selectors.GROUP_LABELS,
            "group_label": selectors.GROUP_LABELS[report.group_by],
            "keep": keep.urlencode(),  # as of and buckets, carried into the drill links
            "drill_group": drill_next[report.group_by],
            "drill_param": report.group_by,
            "export_query": export.urlencode(),
            "thresholds": request.GET.get("thresholds", ""),
        },
    )


def _worklist_rows(request, distributors, today):
    """The page's rows with each account's credit state (holds.credit_state: a few queries for the page)."""
    rows = selectors.worklist_rows(distributors=distributors, on=today)
    states = holds.credit_state([r.distributor.pk for r in rows], as_of=today)
    for row in rows:
        row.credit = states.get(row.distributor.pk)
    return rows


def _worklist_choices(user, filters) -> dict:
    """The worklist's region, team and rep options: only those with accounts in the user's money scope (a finance
    user of one region is offered that region's), and reps only once a region or team narrows them (a company has
    thousands) unless the scope is one team; a rep chosen by a saved view stays offered."""
    in_scope = User.objects.reps_in_scope_of(user).filter(role=Role.REP)
    regions = Region.objects.filter(pk__in=in_scope.values("team__region")).order_by("name")
    teams = Team.objects.filter(pk__in=in_scope.values("team")).order_by("name")
    if filters.region:
        teams = teams.filter(region=filters.region)
    reps = in_scope.order_by("username")
    narrowed = bool(filters.team or filters.region) or user.effective_role in (Role.REP, Role.KAM)
    if filters.team:
        reps = reps.filter(team=filters.team)
    elif filters.region:
        reps = reps.filter(team__region=filters.region)
    elif not narrowed:
        reps = reps.filter(pk=filters.rep) if filters.rep else reps.none()
    return {"regions": regions, "teams": teams, "reps": reps, "reps_hint": not narrowed}


@login_required
def worklist(request):
    today = timezone.localdate()
    query = selectors.WorklistQuery.from_params(request.GET)
    for errors in query.errors.values():
        for error in errors:
            messages.error(request, error)
    page, page_query = _page(request, selectors.worklist(for_user=request.user, on=today, query=query))
    rows = _worklist_rows(request, list(page), today)
    my_tasks = selectors.open_collection_tasks(rep=request.user).prefetch_related("invoices")
    return render(
        request,
        "receivables/worklist.html",
        {
            "page": page,
            "rows": rows,
            "query": page_query,
            "filters": query,
            "saved_query": query.as_query_string(),
            "views": SavedWorklistView.objects.filter(user=request.user),
            **_worklist_choices(request.user, query),
            "buckets": [b for b in selectors.buckets_for() if b.low is not None],
            "sorts": WORKLIST_SORT_LABELS,
            "my_tasks": my_tasks,
            "can_record": services.can_record_money(request.user),
            "today": today,
        },
    )


@login_required
@require_POST
def worklist_view_save(request):
    """Save the worklist's current filters under a name (per user; the same name replaces the old one)."""
    name = (request.POST.get("name") or "").strip()[:80]
    query = selectors.WorklistQuery.from_params(QueryDict(request.POST.get("query", "")))
    if not name:
        messages.error(request, _("Give the view a name."))
    else:
        SavedWorklistView.objects.update_or_create(
            user=request.user, name=name, defaults={"query": query.as_query_string()}
        )
        messages.success(request, _("View “%(name)s” saved.") % {"name": name})
    return redirect(f"{reverse('receivables:worklist')}?{query.as_query_string()}")


@login_required
@require_POST
def worklist_view_delete(request, pk):
    get_object_or_404(SavedWorklistView, pk=pk, user=request.user).delete()
    return redirect("receivables:worklist")


@login_required
def account(request, pk):
    distributor = _distributor_or_404(request, pk)
    today = timezone.localdate()
    summary = selectors.account_summary(distributor=distributor, on=today)
    credit = holds.credit_state_of(distributor, as_of=today)
    open_invoices = [(inv, (today - inv.due_date).days) for inv in _open_invoices(distributor)]
    month_start = today.replace(day=1)
    return render(
        request,
        "receivables/account.html",
        {
            "d": distributor,
            "summary": summary,
            "open_invoices": open_invoices,
            "payments": distributor.payments.order_by("-paid_on", "-pk")[:20],
            "credit_notes": distributor.credit_notes.order_by("-issue_date", "-pk")[:20],
            "activities": distributor.collection_activities.select_related("invoice", "by")[:30],
            "credit": credit,
            "credit_banner": {"state": credit.state, "message": credit.message, "amount_to_pay": credit.amount_to_pay},
            "can_hold": holds.can_manage_holds(request.user),
            "hold_form": HoldForm(),
            "holds_history": distributor.credit_holds.select_related("placed_by", "ended_by")[:10],
            "promises": selectors.promise_ledger(for_user=request.user, on=today).filter(distributor=distributor)[:20],
            "reliability": selectors.promise_reliability([distributor.pk], as_of=today)[distributor.pk],
            "claims": distributor.payment_claims.filter(status=ClaimStatus.PENDING),
            "tasks": distributor.collection_tasks.filter(status=TaskStatus.OPEN),
            "statement_form": StatementForm(initial={"start": month_start, "end": today}),
            "primary_email": statements.primary_email(distributor),
            "can_record": services.can_record_money(request.user),
            "resolve_form": ResolveForm(),
        },
    )


@login_required
@require_POST
def account_hold(request, pk, action: str):
    """Finance holds or releases one account by hand, with a reason (audited)."""
    distributor = _distributor_or_404(request, pk)
    if action not in ("hold", "release") or not holds.can_manage_holds(request.user):
        raise PermissionDenied
    form = HoldForm(request.POST)
    if form.is_valid():
        try:
            if action == "hold":
                holds.place_hold(distributor=distributor, reason=form.cleaned_data["reason"], by=request.user)
                messages.success(request, _("%(name)s is on hold.") % {"name": distributor.display_name})
            else:
                holds.release_hold(
                    distributor=distributor,
                    reason=form.cleaned_data["reason"],
                    until=form.cleaned_data.get("until"),
                    by=request.user,
                )
                messages.success(request, _("%(name)s is released.") % {"name": distributor.display_name})
        except ValidationError as exc:
            for errors in exc.message_dict.values():
                for error in errors:
                    messages.error(request, error)
    else:
        for errors in form.errors.values():
            for error in errors:
                messages.error(request, error)
    return redirect(next_url(request, reverse("receivables:account", args=[pk])))


@login_required
@require_POST
def account_apply_credit(request, pk):
    """Apply the account's unapplied credit to its open invoices, oldest first (audited per payment / note)."""
    distributor = _distributor_or_404(request, pk)
    _money_role_or_403(request)
    act_and_say(
        request,
        lambda: services.apply_credit(distributor=distributor, by=request.user),
        lambda applied: _("%(amount)s of credit applied to the oldest invoices.") % {"amount": f"{applied:,.2f}"},
    )
    return redirect(next_url(request, reverse("receivables:account", args=[pk])))


@login_required
def activity_new(request, pk):
    distributor = _distributor_or_404(request, pk)
    if not services.can_log_collection(request.user):
        raise PermissionDenied
    invoices = Invoice.objects.filter(distributor=distributor, open_amount__gt=0).order_by("due_date")
    initial = {"kind": request.GET.get("kind", "call")}
    if request.GET.get("invoice", "").isdigit():
        initial["invoice"] = request.GET["invoice"]
    form = ActivityForm(request.POST or None, user=request.user, initial=initial, invoices=invoices)
    if request.method == "POST" and form.is_valid():
        try:
            activity = services.log_collection_activity(distributor=distributor, by=request.user, **form.cleaned_data)
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(
                request,
                _("%(kind)s logged for %(name)s.")
                % {"kind": activity.get_kind_display(), "name": distributor.display_name},
            )
            return redirect(next_url(request, reverse("receivables:account", args=[pk])))
    template = "receivables/_activity_form.html" if request.htmx else "receivables/activity_form.html"
    return render(request, template, {"form": form, "d": distributor, "next": next_url(request, "")})


@login_required
@require_POST
def activity_resolve(request, pk):
    activity = get_object_or_404(CollectionActivity.objects.visible_to(request.user), pk=pk)
    return message_and_redirect(
        request,
        ResolveForm(request.POST),
        lambda **data: services.resolve_dispute(activity=activity, by=request.user, **data),
        done=_("The dispute is resolved; reminders resume."),
        invalid=_("Say how the dispute was settled."),
        to="receivables:account",
        args=[activity.distributor_id],
    )


@login_required
@require_POST
def task_complete(request, pk):
    task = get_object_or_404(CollectionTask.objects.visible_to(request.user), pk=pk)
    services.complete_collection_task(task=task, by=request.user, note=request.POST.get("note", ""))
    messages.success(request, _("Task done."))
    return redirect(next_url(request, reverse("receivables:worklist")))


# --- Write-offs ---------------------------------------------------------------------------------------------------


@login_required
def write_offs(request):
    """The bad-debt review: doubtful invoices, write-offs waiting for a decision, recent decisions."""
    today = timezone.localdate()
    doubtful = (
        Invoice.objects.visible_to(request.user)
        .open()
        .filter(due_date__lt=today - timedelta(days=DOUBTFUL_AFTER_DAYS))
        .select_related("distributor")
        .prefetch_related(Prefetch("write_offs", queryset=WriteOff.objects.filter(status=WriteOffStatus.PROPOSED)))
        .order_by("due_date")
    )
    proposals = WriteOff.objects.visible_to(request.user).select_related("invoice__distributor", "proposed_by")
    can_decide = services.can_decide_write_off(request.user)
    return render(
        request,
        "receivables/write_offs.html",
        {
            "doubtful": [(inv, (today - inv.due_date).days) for inv in doubtful[:200]],
            "pending": proposals.filter(status=WriteOffStatus.PROPOSED),
            "decided": proposals.exclude(status=WriteOffStatus.PROPOSED).select_related("decided_by")[:50],
            "can_propose": services.can_record_money(request.user),
            "can_decide": can_decide,
            "decision_form": DecisionForm(),
        },
    )


@login_required
def write_off_propose(request, pk):
    invoice = get_object_or_404(Invoice.objects.visible_to(request.user), pk=pk)
    _money_role_or_403(request)
    form = WriteOffForm(request.POST or None, initial={"amount": invoice.open_amount})
    if request.method == "POST" and form.is_valid():
        try:
            services.propose_write_off(invoice=invoice, by=request.user, **form.cleaned_data)
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("Write-off proposed; a manager will decide."))
            return redirect("receivables:write_offs")
    title = _("Propose writing off invoice %(number)s") % {"number": invoice.number}
    return _form_page(request, form, title, back=reverse("receivables:invoice_detail", args=[pk]))


@login_required
@require_POST
def write_off_decide(request, pk, decision: str):
    write_off = get_object_or_404(WriteOff.objects.visible_to(request.user), pk=pk)
    if decision not in ("approve", "reject"):
        raise Http404
    form = DecisionForm(request.POST)
    form.is_valid()
    decide = services.approve_write_off if decision == "approve" else services.reject_write_off
    done = _("Write-off approved.") if decision == "approve" else _("Write-off rejected.")
    act_and_say(
        request,
        lambda: decide(write_off=write_off, by=request.user, note=form.cleaned_data.get("note", "")),
        lambda _result: done,
    )
    return redirect("receivables:write_offs")


# --- Payment claims -------------------------------------------------------------------------------------------------


@login_required
def claims(request):
    queryset = PaymentClaim.objects.visible_to(request.user).select_related("distributor", "rep", "payment")
    status = request.GET.get("status", ClaimStatus.PENDING)
    if status in ClaimStatus.values:
        queryset = queryset.filter(status=status)
    page, query = _page(request, queryset)
    previews = selectors.claim_preview(claims=list(page))
    return render(
        request,
        "receivables/claims.html",
        {
            "page": page,
            "previews": previews,
            "query": query,
            "status": status,
            "statuses": ClaimStatus.choices,
            "can_record": services.can_record_money(request.user),
            "confirm_form": ConfirmClaimForm(),
            "reject_form": RejectForm(),
        },
    )


@login_required
def claim_new(request):
    form = ClaimForm(request.POST or None, user=request.user, initial=_prefill_code(request))
    if request.method == "POST" and form.is_valid():
        try:
            claim = services.record_payment_claim(by=request.user, rep=request.user, **form.cleaned_data)
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(
                request,
                _("Collection of %(amount)s recorded; finance will confirm it.") % {"amount": f"{claim.amount:,.2f}"},
            )
            return redirect("receivables:claims")
    return _form_page(request, form, _("Money collected"), back=reverse("receivables:claims"))


@login_required
@require_POST
def claim_decide(request, pk, decision: str):
    claim = get_object_or_404(PaymentClaim.objects.visible_to(request.user), pk=pk)
    _money_role_or_403(request)
    try:
        if decision == "confirm":
            form = ConfirmClaimForm(request.POST)
            form.is_valid()
            services.confirm_payment_claim(
                claim=claim,
                by=request.user,
                paid_on=form.cleaned_data.get("paid_on"),
                reference=form.cleaned_data.get("reference", ""),
            )
            messages.success(request, _("Claim confirmed: the payment is recorded and allocated."))
        elif decision == "reject":
            form = RejectForm(request.POST)
            if not form.is_valid():
                raise ValidationError({"reason": [_("Say why the claim is rejected.")]})
            services.reject_payment_claim(claim=claim, reason=form.cleaned_data["reason"], by=request.user)
            messages.success(request, _("Claim rejected."))
        else:
            raise Http404
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    return redirect("receivables:claims")


# --- Statements -----------------------------------------------------------------------------------------------------


def _statement_range(request) -> tuple[date, date]:
    form = StatementForm(request.GET or request.POST or None)
    if form.is_bound and not form.is_valid():
        raise ValueError(_("Enter both dates."))
    data = form.cleaned_data if form.is_bound else {}
    return statements.check_range(data.get("start"), data.get("end"))


@never_cache
@login_required
def statement_download(request, pk, fmt: str):
    distributor = _distributor_or_404(request, pk)
    if fmt not in ("pdf", "xlsx"):
        raise Http404
    try:
        start, end = _statement_range(request)
    except ValueError as exc:
        messages.error(request, str(exc))
        return redirect("receivables:account", pk)
    data = statements.statement(distributor=distributor, start=start, end=end)
    if fmt == "pdf":
        response = HttpResponse(
            statements.render_pdf(data=data, printed_by=request.user), content_type="application/pdf"
        )
        response["Content-Disposition"] = f'inline; filename="{statements.filename(data, fmt)}"'
    else:
        response = HttpResponse(statements.render_xlsx(data=data), content_type=statements.XLSX_CONTENT_TYPE)
        response["Content-Disposition"] = f'attachment; filename="{statements.filename(data, fmt)}"'
    return response


@login_required
@require_POST
def statement_email(request, pk):
    distributor = _distributor_or_404(request, pk)
    try:
        start, end = _statement_range(request)
    except ValueError as exc:
        messages.error(request, str(exc))
        return redirect("receivables:account", pk)
    if not statements.primary_email(distributor):
        messages.error(request, _("The account has no primary contact with an e-mail address."))
        return redirect("receivables:account", pk)
    outbox.enqueue(
        tasks.email_statement,
        args=[distributor.pk, start.isoformat(), end.isoformat(), request.user.pk],
        if_broker_down=outbox.IfBrokerDown.OUTBOX,
    )
    messages.success(
        request,
        _("The statement for %(start)s – %(end)s is being e-mailed to %(email)s.")
        % {"start": start.isoformat(), "end": end.isoformat(), "email": statements.primary_email(distributor)},
    )
    return redirect("receivables:account", pk)


def _schedules_role_or_403(request) -> None:
    if request.user.effective_role not in (Role.FINANCE, Role.ADMIN):
        raise PermissionDenied


@login_required
def schedules(request):
    _schedules_role_or_403(request)
    rows = StatementSchedule.objects.prefetch_related("teams", "regions").select_related("created_by")
    if request.user.effective_role != Role.ADMIN:
        rows = rows.filter(Q(created_by=request.user) | Q(created_by__region=request.user.region))
    return render(request, "receivables/schedules.html", {"schedules": rows})


@login_required
def schedule_edit(request, pk=None):
    _schedules_role_or_403(request)
    schedule = get_object_or_404(StatementSchedule, pk=pk) if pk else StatementSchedule(created_by=request.user)
    if pk and request.user.effective_role != Role.ADMIN and schedule.created_by_id != request.user.pk:
        raise Http404
    form = ScheduleForm(request.POST or None, instance=schedule, user=request.user)
    if request.method == "POST" and form.is_valid():
        schedule = form.save()
        schedule.distributors.set(form.cleaned_data["distributor_codes"])
        messages.success(request, _("Statement schedule %(name)s saved.") % {"name": schedule.name})
        return redirect("receivables:schedules")
    title = _("Edit statement schedule") if pk else _("New statement schedule")
    return _form_page(request, form, title, back=reverse("receivables:schedules"))
