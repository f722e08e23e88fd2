"""English number format: Django's, with its thousands grouping stated (1,234.56)."""
