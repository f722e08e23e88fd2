"""Pages: sign-in pages, the user's own settings, and the admin's organisation pages."""

from functools import wraps

from django.contrib import messages
from django.contrib.auth import update_session_auth_hash
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import Q
from django.http import HttpResponseRedirect
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse, reverse_lazy
from django.utils import translation
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from kamcrm.forms import add_service_errors
from kamcrm.pages import safe_url

from . import notifications, selectors, services
from .forms import (
    AdminSetPasswordForm,
    LanguageForm,
    OwnPasswordChangeForm,
    RegionForm,
    TeamForm,
    UserCreateForm,
    UserForm,
)
from .models import Region, Role, SavedFilter, Team, User

PAGE_SIZE = 50


class LogoutView(auth_views.LogoutView):
    """Sign out, and revoke the user's API token with the session (issue 17)."""

    def post(self, request, *args, **kwargs):
        services.revoke_tokens(user=request.user)
        return super().post(request, *args, **kwargs)


def admin_role_required(view):
    @login_required
    @wraps(view)
    def wrapped(request, *args, **kwargs):
        if request.user.effective_role != Role.ADMIN:
            raise PermissionDenied
        return view(request, *args, **kwargs)

    return wrapped


def _language_response(request, response, language: str):
    translation.activate(language)
    response.set_cookie(
        "django_language",
        language,
        max_age=365 * 24 * 3600,
        samesite="Lax",
        secure=request.is_secure(),
    )
    return response


class PasswordChangeView(auth_views.PasswordChangeView):
    template_name = "registration/password_change_form.html"
    form_class = OwnPasswordChangeForm
    success_url = reverse_lazy("accounts:profile")

    def form_valid(self, form):
        services.change_password(
            user=self.request.user, password=form.cleaned_data["new_password1"], by=self.request.user
        )
        update_session_auth_hash(self.request, self.request.user)
        messages.success(self.request, _("Your password was changed."))
        return HttpResponseRedirect(self.get_success_url())


@login_required
def profile(request):
    form = LanguageForm(
        request.POST or None,
        initial={"language": request.user.language, "notify_by_email": request.user.notify_by_email},
    )
    if request.method == "POST" and form.is_valid():
        services.set_language(user=request.user, language=form.cleaned_data["language"])
        services.set_notify_by_email(user=request.user, value=form.cleaned_data["notify_by_email"])
        translation.activate(request.user.language)
        messages.success(request, _("Your settings were saved."))
        return _language_response(request, redirect("accounts:profile"), request.user.language)
    return render(request, "accounts/profile.html", {"form": form, "org": selectors.home_summary(user=request.user)})


@login_required
@require_POST
def switch_language(request):
    """The navbar's language menu: save the choice on the user and go back where they were."""
    form = LanguageForm(request.POST)
    target = safe_url(request, request.POST.get("next"), reverse("home"))
    if not form.is_valid():
        messages.error(request, _("Choose one of the offered languages."))
        return redirect(target)
    services.set_language(user=request.user, language=form.cleaned_data["language"])
    return _language_response(request, redirect(target), request.user.language)


# --- Organisation (admin role) ------------------------------------------------------


@admin_role_required
def org(request):
    return render(
        request,
        "accounts/org.html",
        {
            "regions": selectors.region_list(for_user=request.user),
            "teams": selectors.team_list(for_user=request.user),
        },
    )


def _save_form(
    request, form, save, success_message: str, success_url: str, title: str, *, field_map: dict | None = None, **extra
):
    """Validate the form, save through the service, show the service's errors on the form."""
    if request.method == "POST" and form.is_valid():
        try:
            obj = save(form)
        except ValidationError as exc:
            add_service_errors(form, exc, field_map)
        else:
            messages.success(request, success_message % {"name": obj})
            return redirect(success_url)
    return render(request, "accounts/form.html", {"form": form, "title": title, "cancel_url": success_url, **extra})


@admin_role_required
def region_edit(request, pk=None):
    region = get_object_or_404(Region.objects.visible_to(request.user), pk=pk) if pk else Region()
    form = RegionForm(request.POST or None, instance=region)
    return _save_form(
        request,
        form,
        lambda f: services.save_region(region=f.instance, by=request.user),
        _("Region %(name)s saved."),
        reverse("accounts:org"),
        _("Edit region") if pk else _("New region"),
        delete_url=reverse("accounts:region_delete", args=[pk]) if pk else None,
    )


@admin_role_required
def team_edit(request, pk=None):
    team = get_object_or_404(Team.objects.visible_to(request.user), pk=pk) if pk else Team()
    form = TeamForm(
        request.POST or None, instance=team, initial={"region": request.GET.get("region")} if not pk else None
    )
    return _save_form(
        request,
        form,
        lambda f: services.save_team(team=f.instance, by=request.user),
        _("Team %(name)s saved."),
        reverse("accounts:org"),
        _("Edit team") if pk else _("New team"),
        delete_url=reverse("accounts:team_delete", args=[pk]) if pk else None,
    )


def _delete(request, obj, delete, success_message: str):
    try:
        delete(obj)
    except ValidationError as exc:
        for message in exc.messages:
            messages.error(request, message)
    else:
        messages.success(request, success_message % {"name": obj})
    return redirect("accounts:org")


@admin_role_required
@require_POST
def region_delete(request, pk):
    region = get_object_or_404(Region.objects.visible_to(request.user), pk=pk)
    return _delete(
        request, region, lambda r: services.delete_region(region=r, by=request.user), _("Region %(name)s deleted.")
    )


@admin_role_required
@require_POST
def team_delete(request, pk):
    team = get_object_or_404(Team.objects.visible_to(request.user), pk=pk)
    return _delete(request, team, lambda t: services.delete_team(team=t, by=request.user), _("Team %(name)s deleted."))


@admin_role_required
def user_list(request):
    users = selectors.user_list(for_user=request.user)
    q = request.GET.get("q", "").strip()
    if q:
        users = users.filter(
            Q(username__icontains=q) | Q(first_name__icontains=q) | Q(last_name__icontains=q) | Q(email__icontains=q)
        )
    role = request.GET.get("role", "")
    if role in Role.values:
        users = users.filter(role=role)
    team = request.GET.get("team", "")
    if team.isdigit():
        users = users.filter(team=team)
    active = request.GET.get("active", "1")
    if active in ("0", "1"):
        users = users.filter(is_active=active == "1")
    page = Paginator(users, PAGE_SIZE).get_page(request.GET.get("page"))
    context = {
        "page": page,
        "q": q,
        "role": role,
        "team": team,
        "active": active,
        "roles": Role.choices,
        "teams": selectors.team_list(for_user=request.user),
    }
    template = "accounts/_user_table.html" if request.htmx else "accounts/user_list.html"
    return render(request, template, context)


@admin_role_required
def user_edit(request, pk=None):
    user = get_object_or_404(User.objects.visible_to(request.user), pk=pk) if pk else User()
    form_class = UserForm if pk else UserCreateForm
    form = form_class(request.POST or None, instance=user)
    return _save_form(
        request,
        form,
        lambda f: services.save_user(user=f.instance, by=request.user, password=f.cleaned_data.get("password1")),
        _("User %(name)s saved."),
        reverse("accounts:user_list"),
        _("Edit user") if pk else _("New user"),
        field_map={"password": "password1"},
        password_url=reverse("accounts:user_password", args=[pk]) if pk else None,
    )


@admin_role_required
def user_password(request, pk):
    user = get_object_or_404(User.objects.visible_to(request.user), pk=pk)
    form = AdminSetPasswordForm(user, request.POST or None)
    return _save_form(
        request,
        form,
        lambda f: (
            services.change_password(user=user, password=f.cleaned_data["new_password1"], by=request.user) or user
        ),
        _("Password of %(name)s changed."),
        reverse("accounts:user_list"),
        _("Set password for %(name)s") % {"name": user.username},
        field_map={"password": "new_password1"},
    )


# --- Notifications: the bell and its page (issue 15) ---------------------------------------------------------

BELL_SIZE = 10


def _count_partial(request, *, oob: bool = False):
    return render(
        request,
        "accounts/_notification_count.html",
        {"unread": notifications.unread_count(for_user=request.user), "oob": oob},
    )


@login_required
def notification_count(request):
    """The bell's badge (polled by HTMX)."""
    return _count_partial(request)


def _menu(request):
    items = list(notifications.notification_list(for_user=request.user)[:BELL_SIZE])
    return render(
        request,
        "accounts/_notification_menu.html",
        {
            "items": [(n, notifications.title(n)) for n in items],
            "unread": notifications.unread_count(for_user=request.user),
        },
    )


@login_required
def notification_menu(request):
    """The bell's drop-down: the latest notifications (loaded by HTMX when it opens)."""
    return _menu(request)


@login_required
def notification_list(request):
    unread_only = request.GET.get("unread") == "1"
    page = Paginator(notifications.notification_list(for_user=request.user, unread_only=unread_only), PAGE_SIZE)
    page_obj = page.get_page(request.GET.get("page"))
    return render(
        request,
        "accounts/notifications.html",
        {
            "page_obj": page_obj,
            "items": [(n, notifications.title(n)) for n in page_obj],
            "unread_only": unread_only,
            "unread": notifications.unread_count(for_user=request.user),
        },
    )


@login_required
@require_POST
def notification_open(request, pk: int):
    """Mark a notification read and go where it points (its own list when it points nowhere)."""
    notification = get_object_or_404(notifications.notification_list(for_user=request.user), pk=pk)
    notifications.mark_read(user=request.user, notification=notification)
    return redirect(safe_url(request, notification.url, reverse("accounts:notifications")))


@login_required
@require_POST
def notification_read_all(request):
    notifications.mark_all_read(user=request.user)
    if request.headers.get("HX-Request"):
        return _menu(request)
    messages.success(request, _("All notifications are marked read."))
    return redirect("accounts:notifications")


# --- Saved filters (issue 15) ---------------------------------------------------------------------------------


@login_required
@require_POST
def saved_filter_save(request):
    list_name = request.POST.get("list_name", "")
    try:
        saved = services.save_filter(
            user=request.user,
            list_name=list_name,
            name=request.POST.get("name", ""),
            query=request.POST.get("query", ""),
        )
    except ValidationError as exc:
        messages.error(request, " ".join(m for msgs in exc.message_dict.values() for m in msgs))
        return redirect(safe_url(request, request.POST.get("next"), reverse("home")))
    messages.success(request, _("Filter “%(name)s” saved.") % {"name": saved.name})
    return redirect(safe_url(request, request.POST.get("next"), reverse("home")))


@login_required
@require_POST
def saved_filter_delete(request, pk: int):
    saved = get_object_or_404(SavedFilter.objects.visible_to(request.user), pk=pk)
    services.delete_filter(saved=saved, user=request.user)
    messages.success(request, _("Filter “%(name)s” deleted.") % {"name": saved.name})
    return redirect(safe_url(request, request.POST.get("next"), reverse("home")))
