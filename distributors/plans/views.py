"""Plan pages: distributor plans (list with plan vs actual, detail, edit, workflow steps, confirmation, PDF and
.xlsx) and account plans (objectives, action items). Objects are found through the selectors' ``visible_to``
(a foreign plan is a 404); writes go through ``plans.services``, whose errors are shown on the form or as a
message."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST, require_safe

from accounts.models import Role
from kamcrm.forms import add_service_errors
from kamcrm.pages import paginate, safe_url

from ..cards.exports import refused_export
from ..cards.filters import valid_rows
from . import exports as plan_exports
from . import selectors, services
from .arithmetic import previous_quarter, quarter_label, quarter_months, quarter_of
from .filters import PlanFilter
from .forms import (
    AccountPlanForm,
    ActionItemForm,
    CommentForm,
    ConfirmationForm,
    ObjectiveForm,
    PlanForm,
    PlanStartForm,
    ReturnForm,
)
from .models import AccountPlan, ActionItem, Objective, PlanStatus, QuarterlyPlan
from .pdf import plan_pdf_response

PAGE_SIZE = 50


def _plan_or_404(request, pk) -> QuarterlyPlan:
    try:
        return selectors.plan_detail(for_user=request.user, pk=pk)
    except QuarterlyPlan.DoesNotExist:
        raise Http404 from None


def _period(request, *, strict: bool = False) -> tuple[int, int] | None:
    """The quarter asked for (``?period=2027-Q1``), or the current one (``strict``: None when unreadable)."""
    value = request.GET.get("period", "")
    try:
        year, quarter = value.split("-Q")
        year, quarter = int(year), int(quarter)
        if 2000 <= year <= 2100 and 1 <= quarter <= 4:
            return year, quarter
    except ValueError:
        pass
    return None if strict else quarter_of(timezone.localdate())


def _period_choices(year: int, quarter: int) -> list[str]:
    today = quarter_of(timezone.localdate())
    choices, y, q = [], today[0] + (1 if today[1] == 4 else 0), (today[1] % 4) + 1
    for _i in range(8):  # next quarter and the seven before it
        choices.append(quarter_label(y, q))
        y, q = previous_quarter(y, q)
    if quarter_label(year, quarter) not in choices:
        choices.append(quarter_label(year, quarter))
    return choices


@login_required
def plan_list(request):
    """Plans of the quarter in the user's scope, each against its actuals; a rep's own targets; a rep ranking."""
    year, quarter = _period(request)
    user = request.user
    base = selectors.plan_list(for_user=user).filter(year=year, quarter=quarter).prefetch_related("monthly_plans")
    filterset = PlanFilter(request.GET or None, queryset=base, request=request)
    queryset = (filterset.qs if filterset.is_bound else base).exclude(status=PlanStatus.SUPERSEDED)
    queryset = queryset.order_by("distributor__code", "-revision")
    page, query = paginate(request, queryset, PAGE_SIZE)
    rows = selectors.quarter_vs_actual(plans=page.object_list, year=year, quarter=quarter)
    context = {
        "filter": filterset,
        "page": page,
        "rows": rows,
        "query": query.urlencode(),
        "period": quarter_label(year, quarter),
        "periods": _period_choices(year, quarter),
        "can_plan": services.can_plan(user),
        "my_targets": selectors.rep_targets_vs_actual(rep=user, for_user=user, year=year, quarter=quarter)
        if user.effective_role in (Role.REP, Role.KAM)
        else [],
        "reps": selectors.reps_vs_actual(for_user=user, year=year, quarter=quarter)
        if user.effective_role != Role.REP
        else [],
        "statuses": PlanStatus.choices,
    }
    template = "plans/_list_table.html" if request.htmx and request.htmx.target == "results" else "plans/list.html"
    return render(request, template, context)


@login_required
def plan_new(request):
    """Step 1 picks the distributor and quarter; step 2 (``?distributor=&year=&quarter=``) is the plan form."""
    if not services.can_plan(request.user):
        raise PermissionDenied
    start = PlanStartForm(request.GET if "distributor" in request.GET else None, user=request.user)
    if not start.is_bound or not start.is_valid():
        return render(request, "plans/start.html", {"form": start})
    distributor, year, quarter = (start.cleaned_data[k] for k in ("distributor", "year", "quarter"))
    form = PlanForm(request.POST or None, distributor=distributor, months=quarter_months(year, quarter))
    if request.method == "POST" and form.is_valid():
        try:
            plan = services.draft_plan(
                by=request.user, distributor=distributor, year=year, quarter=quarter, content=form.plan_content()
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("Plan %(plan)s drafted.") % {"plan": plan})
            return redirect("plans:detail", plan.pk)
    title = _("New plan: %(d)s, %(q)s") % {"d": distributor, "q": quarter_label(year, quarter)}
    return render(request, "plans/edit.html", {"form": form, "title": title, "distributor": distributor})


@login_required
def plan_edit(request, pk):
    plan = _plan_or_404(request, pk)
    if not QuarterlyPlan.objects.editable_by(request.user).filter(pk=plan.pk).exists():
        raise PermissionDenied
    if not plan.is_editable:
        messages.error(request, _("An approved or submitted plan is read-only; start a revision to change it."))
        return redirect("plans:detail", plan.pk)
    form = PlanForm(request.POST or None, distributor=plan.distributor, months=plan.months, plan=plan)
    if request.method == "POST" and form.is_valid():
        try:
            services.change_draft(by=request.user, plan=plan, content=form.plan_content())
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("Plan %(plan)s saved.") % {"plan": plan})
            return redirect("plans:detail", plan.pk)
    title = _("Edit plan %(plan)s") % {"plan": plan}
    return render(
        request, "plans/edit.html", {"form": form, "title": title, "plan": plan, "distributor": plan.distributor}
    )


@login_required
def plan_detail(request, pk):
    plan = _plan_or_404(request, pk)
    user = request.user
    editable = QuarterlyPlan.objects.editable_by(user).filter(pk=plan.pk).exists()
    decidable = QuarterlyPlan.objects.decidable_by(user).filter(pk=plan.pk).exists()
    own = user.pk in (plan.created_by_id, plan.submitted_by_id)
    return render(
        request,
        "plans/detail.html",
        {
            "plan": plan,
            "months": plan.monthly_plans.all(),
            "vs_actual": selectors.plan_months_vs_actual(plan=plan),
            "revisions": selectors.revision_history(plan=plan),
            "can_edit": editable and plan.is_editable,
            "can_submit": editable and plan.is_editable,
            "can_decide": decidable and plan.status == PlanStatus.SUBMITTED and not own,
            "own_plan_waiting": decidable and plan.status == PlanStatus.SUBMITTED and own,
            "can_revise": editable and plan.status == PlanStatus.APPROVED and not hasattr(plan, "next_revision"),
            "can_confirm": editable
            and (
                plan.status in (PlanStatus.DRAFT, PlanStatus.RETURNED, PlanStatus.SUBMITTED)
                or (plan.status == PlanStatus.APPROVED and not plan.confirmed_by_id)
            ),
            "comment_form": CommentForm(),
            "return_form": ReturnForm(),
        },
    )


def _workflow_step(request, pk, step, form_class, success: str):
    plan = _plan_or_404(request, pk)
    form = form_class(request.POST)
    if not form.is_valid():
        for errors in form.errors.values():
            messages.error(request, " ".join(errors))
        return redirect("plans:detail", plan.pk)
    try:
        result = step(plan=plan, by=request.user, **form.cleaned_data)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
        return redirect("plans:detail", plan.pk)
    messages.success(request, success % {"plan": result})
    return redirect("plans:detail", result.pk)


@login_required
@require_POST
def plan_submit(request, pk):
    return _workflow_step(request, pk, services.submit_plan, CommentForm, _("Plan %(plan)s submitted for approval."))


@login_required
@require_POST
def plan_approve(request, pk):
    return _workflow_step(request, pk, services.approve_plan, CommentForm, _("Plan %(plan)s approved."))


@login_required
@require_POST
def plan_return(request, pk):
    return _workflow_step(request, pk, services.return_plan, ReturnForm, _("Plan %(plan)s returned to the KAM."))


def _revise(*, plan, by, comment=""):
    return services.revise_plan(plan=plan, by=by, reason=comment)


@login_required
@require_POST
def plan_revise(request, pk):
    return _workflow_step(request, pk, _revise, CommentForm, _("Revision %(plan)s started; change it and submit it."))


@login_required
def plan_confirm(request, pk):
    plan = _plan_or_404(request, pk)
    if not QuarterlyPlan.objects.editable_by(request.user).filter(pk=plan.pk).exists():
        raise PermissionDenied
    initial = (
        {"confirmed_by": plan.confirmed_by_id, "confirmed_on": plan.confirmed_on} if plan.confirmed_by_id else None
    )
    form = ConfirmationForm(request.POST or None, request.FILES or None, plan=plan, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            services.record_confirmation(
                plan=plan,
                by=request.user,
                contact=form.cleaned_data["confirmed_by"],
                confirmed_on=form.cleaned_data["confirmed_on"],
                signed_copy=form.cleaned_data.get("signed_copy"),
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("The distributor's confirmation is recorded."))
            return redirect("plans:detail", plan.pk)
    title = _("Confirmation by the distributor: %(plan)s") % {"plan": plan}
    return render(request, "plans/form.html", {"form": form, "title": title, "plan": plan, "multipart": True})


@never_cache
@require_safe
@login_required
def signed_copy(request, pk):
    """The signed copy, served only to those who may see the plan (never from a public media URL)."""
    return plan_exports.signed_copy_response(plan=_plan_or_404(request, pk))


@never_cache
@require_safe
@login_required
def plan_pdf(request, pk):
    plan = _plan_or_404(request, pk)
    return plan_pdf_response(plan=plan, for_user=request.user)


@never_cache
@require_safe
@login_required
def plan_xlsx(request, pk):
    plan = _plan_or_404(request, pk)
    return plan_exports.plan_workbook_response(
        plans=[plan], filename=f"plan-{plan.distributor.code}-{plan.period_label}"
    )


@never_cache
@require_safe
@login_required
def plan_list_xlsx(request):
    """The plan list's rows as .xlsx; a period or filter it cannot apply: a message and no file (never dropped)."""
    try:
        if request.GET.get("period") and _period(request, strict=True) is None:
            raise ValidationError({"period": [_("Choose a quarter such as 2027-Q1.")]})
        year, quarter = _period(request)
        base = selectors.plan_list(for_user=request.user).filter(year=year, quarter=quarter)
        plans = valid_rows(PlanFilter(request.GET or None, queryset=base, request=request))
    except ValidationError as exc:
        return refused_export(request, exc, list_url=reverse("plans:list"))
    plans = plans.exclude(status=PlanStatus.SUPERSEDED)
    plans = plans.order_by("distributor__code").prefetch_related("monthly_plans__rep_splits__rep")
    return plan_exports.plan_workbook_response(plans=list(plans), filename=f"plans-{quarter_label(year, quarter)}")


# --- Account plans ----------------------------------------------------------------------------------------


def _account_plan_or_404(request, pk) -> AccountPlan:
    try:
        return selectors.account_plan_detail(for_user=request.user, pk=pk)
    except AccountPlan.DoesNotExist:
        raise Http404 from None


def _editable_account_plan(request, pk) -> AccountPlan:
    plan = _account_plan_or_404(request, pk)
    if not (services.can_plan(request.user) and services.can_edit_account_plan(request.user, plan)):
        raise PermissionDenied
    return plan


@login_required
def account_plan_list(request):
    plans = selectors.account_plan_list(for_user=request.user).order_by("-year", "distributor__code")
    year = request.GET.get("year", "")
    if year.isdigit():
        plans = plans.filter(year=int(year))
    page = Paginator(plans, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "plans/account_list.html",
        {"page": page, "year": year, "can_plan": services.can_plan(request.user)},
    )


@login_required
def account_plan_detail(request, pk):
    plan = _account_plan_or_404(request, pk)
    today = timezone.localdate()
    return render(
        request,
        "plans/account_detail.html",
        {
            "plan": plan,
            "can_edit": services.can_plan(request.user) and services.can_edit_account_plan(request.user, plan),
            "items": [
                (item, item.is_overdue(today), services.can_update_action_item(request.user, item))
                for item in plan.action_items.all()
            ],
        },
    )


@login_required
def account_plan_edit(request, pk=None):
    if pk:
        plan = _editable_account_plan(request, pk)
    else:
        if not services.can_plan(request.user):
            raise PermissionDenied
        plan = AccountPlan()
        if request.GET.get("distributor", "").isdigit():
            plan.distributor = (
                services.plannable_distributors(request.user).filter(pk=request.GET["distributor"]).first()
            )
    form = AccountPlanForm(request.POST or None, instance=plan, user=request.user)
    if request.method == "POST" and form.is_valid():
        try:
            saved = services.save_account_plan(account_plan=form.instance, by=request.user)
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("Account plan %(plan)s saved.") % {"plan": saved})
            return redirect("plans:account_detail", saved.pk)
    title = _("Edit account plan %(plan)s") % {"plan": plan} if pk else _("New account plan")
    return render(request, "plans/form.html", {"form": form, "title": title, "account_plan": plan if pk else None})


@login_required
def objective_edit(request, pk, objective_pk=None):
    plan = _editable_account_plan(request, pk)
    objective = get_object_or_404(plan.objectives, pk=objective_pk) if objective_pk else Objective(account_plan=plan)
    form = ObjectiveForm(request.POST or None, instance=objective)
    if request.method == "POST" and form.is_valid():
        try:
            services.save_objective(objective=form.instance, by=request.user)
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("Objective saved."))
            return redirect("plans:account_detail", plan.pk)
    title = _("Edit objective") if objective_pk else _("New SMART objective")
    return render(request, "plans/form.html", {"form": form, "title": title, "account_plan": plan})


@login_required
def action_item_edit(request, pk, item_pk=None):
    plan = _account_plan_or_404(request, pk)
    editor = services.can_plan(request.user) and services.can_edit_account_plan(request.user, plan)
    if item_pk:
        item = get_object_or_404(plan.action_items.all(), pk=item_pk)
        if not services.can_update_action_item(request.user, item):
            raise PermissionDenied
    else:
        if not editor:
            raise PermissionDenied
        item = ActionItem(account_plan=plan, owner=plan.distributor.owner, due_on=timezone.localdate())
    form = ActionItemForm(request.POST or None, instance=item, editor=editor)
    if request.method == "POST" and form.is_valid():
        try:
            services.save_action_item(item=form.instance, by=request.user)
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("Action item saved."))
            return redirect(safe_url(request, request.GET.get("next"), reverse("plans:account_detail", args=[plan.pk])))
    title = _("Edit action item") if item_pk else _("New action item")
    return render(request, "plans/form.html", {"form": form, "title": title, "account_plan": plan})


@login_required
def my_action_items(request):
    """The user's action items (open first, oldest due first); overdue ones marked."""
    items = selectors.action_item_list(for_user=request.user).filter(owner=request.user)
    show = request.GET.get("show", "open")
    if show == "open":
        items = items.open()
    items = items.order_by("due_on", "pk")
    today = timezone.localdate()
    return render(
        request,
        "plans/action_items.html",
        {"items": [(item, item.is_overdue(today)) for item in items[:500]], "show": show, "today": today},
    )
