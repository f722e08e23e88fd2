"""Number formats per language (``FORMAT_MODULE_PATH``): money grouped by thousands in English and Chinese."""
