"""Catalogue entries named in both languages (progress stages, customer needs, rating criteria)."""

from django.db import models
from django.utils import translation


class BilingualName(models.Model):
    """The base of a model with ``name`` and ``name_zh`` fields: ``label`` (and ``str()``) is the name in the
    active language, Chinese when the entry has a Chinese name. Abstract and without fields of its own: each
    model declares its two names."""

    name: str
    name_zh: str

    class Meta:
        abstract = True

    def __str__(self) -> str:
        return self.label

    @property
    def label(self) -> str:
        """The name in the active language (Chinese when it has one)."""
        if self.name_zh and (translation.get_language() or "").startswith("zh"):
            return self.name_zh
        return self.name
