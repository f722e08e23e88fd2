"""Serializer fields other apps' APIs share."""

from rest_framework import serializers

from .models import User


class RepField(serializers.PrimaryKeyRelatedField):
    """Reps the caller may act for; anyone else is a 400 "does not exist"."""

    def __init__(self, **kwargs):
        kwargs.setdefault("queryset", User.objects.all())  # the model, for the schema; scoped below
        super().__init__(**kwargs)

    def get_queryset(self):
        return User.objects.reps_in_scope_of(self.context["request"].user)
