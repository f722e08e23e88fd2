"""Chinese number format: Django's, with thousands separators added for money (20,583.24)."""
