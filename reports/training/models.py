"""Training records (推销培训, and building the distributor's own sales force): sessions held, who attended, the
needs found in reviews they answer; the effect is measured from the figures (``reports.training.services``), not
stored."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from accounts.models import Role, Team
from accounts.selectors import teams_overseen_by
from kamcrm.validators import TextLengthValidator

__all__ = ["TrainingSession"]


class TrainingSessionQuerySet(models.QuerySet):
    def visible_to(self, user):
        """A rep: their team's sessions; a KAM, regional manager or company-wide user: the teams they oversee;
        finance none (training is not money)."""
        if not getattr(user, "is_authenticated", False) or not user.is_active:
            return self.none()
        role = user.effective_role
        if role == Role.FINANCE:
            return self.none()
        if role == Role.REP:
            return self.filter(Q(team_id=user.team_id) if user.team_id else Q(pk__in=[]))
        return self.filter(team__in=teams_overseen_by(user))


class TrainingSession(models.Model):
    class Audience(models.TextChoices):
        REPS = "reps", _("Our reps")
        DISTRIBUTOR = "distributor", _("A distributor's staff")

    topic = models.CharField(_("topic"), max_length=200)
    held_on = models.DateField(_("date"))
    trainer = models.CharField(_("trainer"), max_length=100)
    audience = models.CharField(_("audience"), max_length=12, choices=Audience.choices, default=Audience.REPS)
    team = models.ForeignKey(Team, on_delete=models.PROTECT, related_name="training_sessions", verbose_name=_("team"))
    distributor = models.ForeignKey(
        "distributors.Distributor",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="training_sessions",
        verbose_name=_("distributor"),
    )
    attendee_reps = models.ManyToManyField(
        settings.AUTH_USER_MODEL, blank=True, related_name="training_sessions", verbose_name=_("reps attending")
    )
    attendee_contacts = models.ManyToManyField(
        "distributors.Contact", blank=True, related_name="training_sessions", verbose_name=_("distributor staff")
    )
    # The reviews whose training needs (推销培训) this session answers.
    scorecards = models.ManyToManyField(
        "reports.Scorecard", blank=True, related_name="training_sessions", verbose_name=_("training needs answered")
    )
    notes = models.TextField(_("notes"), blank=True, validators=[TextLengthValidator()])
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("recorded by")
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    objects = TrainingSessionQuerySet.as_manager()

    class Meta:
        ordering = ["-held_on", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(audience="reps") | Q(distributor__isnull=False), name="distributor_training_names_it"
            ),
        ]
        verbose_name = _("training session")
        verbose_name_plural = _("training sessions")

    def __str__(self) -> str:
        return f"{self.held_on} {self.topic}"
