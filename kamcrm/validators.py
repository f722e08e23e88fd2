"""Validators shared by the apps."""

from django.conf import settings
from django.core.validators import MaxLengthValidator
from django.utils.deconstruct import deconstructible


@deconstructible(path="kamcrm.validators.TextLengthValidator")
class TextLengthValidator(MaxLengthValidator):
    """At most ``settings.TEXT_MAX_LENGTH`` characters in a free-text field (notes, assessments, comments).

    Read when validating, so the setting changes the limit without a migration. Printed documents and pages stay
    quick and readable with any text within it.
    """

    def __init__(self):
        super().__init__(limit_value=lambda: settings.TEXT_MAX_LENGTH)

    def __eq__(self, other):
        return isinstance(other, TextLengthValidator)

    def __hash__(self):
        return hash(TextLengthValidator)
