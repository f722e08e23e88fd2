from django import forms
from django.conf import settings
from django.contrib.auth.forms import PasswordChangeForm, SetPasswordForm
from django.contrib.auth.password_validation import password_validators_help_text_html
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from kamcrm.forms import BootstrapFormMixin

from .models import Region, Role, Team, User


class RegionForm(BootstrapFormMixin, forms.ModelForm):
    class Meta:
        model = Region
        fields = ["name"]


class TeamForm(BootstrapFormMixin, forms.ModelForm):
    class Meta:
        model = Team
        fields = ["name", "region", "kam"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["kam"].queryset = User.objects.filter(role=Role.KAM, is_active=True).order_by("username")
        self.fields["kam"].label_from_instance = lambda u: f"{u.display_name} ({u.username})"


class UserForm(BootstrapFormMixin, forms.ModelForm):
    class Meta:
        model = User
        fields = ["username", "first_name", "last_name", "email", "role", "team", "region", "language", "is_active"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["team"].queryset = Team.objects.select_related("region").order_by("region__name", "name")
        self.fields["team"].label_from_instance = lambda t: f"{t.region} / {t.name}"


class UserCreateForm(UserForm):
    password1 = forms.CharField(
        label=_("Password"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        help_text=password_validators_help_text_html(),
    )
    password2 = forms.CharField(
        label=_("Password confirmation"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )

    def clean_password2(self):
        p1, p2 = self.cleaned_data.get("password1"), self.cleaned_data.get("password2")
        if p1 and p2 and p1 != p2:
            raise ValidationError(_("The two password fields didn't match."))
        return p2


class AdminSetPasswordForm(BootstrapFormMixin, SetPasswordForm):
    """Django's own form; the view saves through services so the change is audited."""


class LanguageForm(BootstrapFormMixin, forms.Form):
    language = forms.ChoiceField(label=_("Language"), choices=settings.LANGUAGES)
    notify_by_email = forms.BooleanField(
        label=_("E-mail my notifications"),
        required=False,
        help_text=_("Besides the bell, send each notification to my e-mail address, in my language."),
    )


class OwnPasswordChangeForm(BootstrapFormMixin, PasswordChangeForm):
    pass
