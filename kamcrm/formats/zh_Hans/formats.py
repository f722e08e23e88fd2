"""Chinese number format for this CRM: money reads 20,583.24 (as in Chinese business documents), not 20583.24.

Django's zh_Hans has no thousands separator; only the settings named here override it, the rest is Django's.
"""

THOUSAND_SEPARATOR = ","
NUMBER_GROUPING = 3
