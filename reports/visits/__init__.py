"""Visits, orders (the sales ledger), photos, geo, the day plan, order import, the daily report, the card timeline."""
