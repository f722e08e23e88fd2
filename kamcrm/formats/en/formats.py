"""English number format: Django's (1,234.56), stated here so both languages group money the same way."""

THOUSAND_SEPARATOR = ","
NUMBER_GROUPING = 3
