"""Visits, orders (the sales ledger), photos, geo, late entries, the day lock, order import, the card timeline."""
